# Heard: `make run` and `make test` are the whole set-up on a fresh machine with
# Python 3.11+, Node.js and npm. Everything else here is what those two call.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench install check-python clean

run: install
	$(BIN)/heard run

test: install
	scripts/system-packages
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m pytest tests/benchmarks -q -s

MODEL := build/triage-model/heard-triage.json
MODEL_INPUTS := $(wildcard triage/data/contacts/*.jsonl) triage/model.py triage/pipeline.py triage/signals.py triage/dates.py triage/text.py triage/train.py triage/dataset.py triage/lexical.py triage/prefilter.py triage/scoring.py

install: check-python $(STAMP) node_modules/.installed web/static/build/heard.css $(MODEL)

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Heard needs Python 3.11 or later; set PYTHON=python3.11")'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/static/build/heard.css: web/assets/heard.scss node_modules/.installed
	npm run --silent build

# The triage pipeline is built from the data in the repository (about a minute), never
# committed; `make test` checks it matches the data it claims.
$(MODEL): $(MODEL_INPUTS) $(STAMP)
	$(BIN)/heard triage train

clean:
	rm -rf $(VENV) node_modules web/static/build build var
