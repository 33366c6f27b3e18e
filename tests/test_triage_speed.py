"""The triage speed-ups change no result: the rule prefilter never skips a rule that would
match, and scoring a batch as arrays gives what scoring each contact gives."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from triage import model as triage_model
from triage.dataset import load
from triage.dates import GOOD_REASON, PATTERNS, read_time_limit
from triage.pipeline import load_model
from triage.prefilter import _DIGIT, _NON_WORD, Prefilter, normalise, required
from triage.scoring import Scorer
from triage.signals import AREAS, SIGNALS, URGENT, find, find_urgent
from triage.text import readable

RECEIVED = datetime(2026, 10, 3, 9, 14, tzinfo=timezone.utc)
ALL_PATTERNS = ([(rule.name, rule.pattern) for rule in (*SIGNALS, *URGENT, *AREAS)]
                + [(f"date {kind}", pattern) for kind, pattern, _needs in PATTERNS] + [("good reason", GOOD_REASON)])
HOSTILE = ["", " ", "🙂🙂🗑️", "\x00\x01 binary \x7f \x1b[31m", "<b>bin</b>", "ＢＩＮ ＭＩＳＳＥＤ", "٣ years ago",
           "café déjà vu bin", "bin\u0301 missed", "pcn ab12345678", "x" * 20_000, "ab" * 3000 + " appeal",
           "my mum is 89 and has no heating", "he will stab me", "in 2019 and again last week", "f.o.i request"]


@pytest.mark.parametrize(
    ("pattern", "strings"),
    [(r"\bpcns?\b", {" pcn ", " pcns "}),
     (r"\bbus(?:es| stop)?\b", {" bus ", " buses ", " bus stop "}),
     (r"\b(?:kid|baby) could (?:fall|drop)", {" kid could fall", " kid could drop", " baby could fall", " baby could drop"}),
     (r"\b(?:appeal\w*|b&b)\b", {" appeal", " b b "}),
     (r"\d+ years ago\b", {" years ago "}),
     (r"\b(?:pcn|[a-z]{2} ?\d{8})\b", {" pcn ", "00000000 ", " 00000000 "}),  # every digit is 0
     (r"\b\d{1,2}/\d\d\b", {" 0 00 ", " 00 00 "}),
     (r"[a-z]+\d*", None),  # no fixed string at all
     (r"\b(?:pcn|[a-z]{2})\b", None),  # one alternative has none
     (r"(?i)appeal", None)],  # case-insensitive: not read
)
def test_the_strings_a_match_requires(pattern, strings):
    assert required(re.compile(pattern)) == (None if strings is None else frozenset(strings))


@given(st.text())
def test_the_fast_normalisation_is_the_regular_expressions(text):
    assert normalise(text) == _NON_WORD.sub(" ", _DIGIT.sub("0", f" {text} "))


@pytest.mark.parametrize(("name", "pattern"), ALL_PATTERNS, ids=[name for name, _ in ALL_PATTERNS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_no_pattern_is_skipped_when_it_matches(name, pattern, data):
    text = data.draw(st.from_regex(pattern))
    assume(pattern.search(text))
    assert id(pattern) in triage_model._PREFILTER.possible(text), name


def _every_rule(subject: str | None, text: str) -> triage_model.Reading:
    """A reading with every rule and date pattern run: what `read` gave before the prefilter."""
    body = readable(subject, text).lower()
    return triage_model.Reading(body, find(SIGNALS, body), find_urgent(body), find(AREAS, body),
                                read_time_limit(body, RECEIVED.date()))


def test_reading_with_the_prefilter_is_reading_with_every_rule():
    texts = [(e.subject, e.text) for e in load()] + [(None, text) for text in HOSTILE]
    for subject, text in texts:
        assert triage_model.read(subject, text, RECEIVED) == _every_rule(subject, text), text[:80]


def test_a_prefilter_on_its_own_patterns():
    pothole, number, anything = re.compile(r"\bpothole\b"), re.compile(r"\d+"), re.compile(r"[a-z]+")
    prefilter = Prefilter([pothole, number, anything])
    assert prefilter.possible("a Pothole") == {id(anything)}  # rules read lower-cased text
    assert prefilter.possible("a pothole, the 3rd") == {id(pothole), id(number), id(anything)}
    assert prefilter.possible("potholes ٣") == {id(number), id(anything)}  # any Unicode digit
    assert Prefilter([anything]).possible("") == {id(anything)} and Prefilter([]).possible("x") == frozenset()


def test_batch_scoring_is_per_contact_scoring():
    loaded = load_model()
    readings = [triage_model.read(e.subject, e.text, e.received_at) for e in load()[:400]]
    readings += [triage_model.read(None, text, RECEIVED) for text in HOSTILE]
    batch = list(loaded.predict(readings))
    one_by_one = [triage_model.probabilities(cats, loaded.meta.get("temperatures"))
                  for cats in triage_model._scores(loaded.nlp, loaded.lexical, readings)]
    assert len(batch) == len(one_by_one) == len(readings)
    for fast, slow in zip(batch, one_by_one):
        assert fast.keys() == slow.keys()
        for group in fast:
            assert fast[group].keys() == slow[group].keys()
            assert all(abs(fast[group][label] - slow[group][label]) < 1e-12 for label in fast[group])


def test_one_word_extraction_scores_as_spacy_does():
    loaded = load_model()
    assert loaded.scorer.shared is not None, "the classifiers are no longer the architecture the shared path reads"
    features = [triage_model.read(e.subject, e.text, e.received_at).features() for e in load()[:300]] + HOSTILE
    via_spacy = Scorer(loaded.nlp, loaded.lexical, triage_model.GROUPS, loaded.meta.get("temperatures"))
    via_spacy.shared = None  # nlp.pipe and doc.cats, as spaCy runs it
    shared, piped = loaded.scorer.spacy_scores(features), via_spacy.spacy_scores(features)
    for group in triage_model.GROUPS:
        assert shared[group].shape == (len(features), len(triage_model.GROUPS[group]))
        assert (shared[group] == piped[group]).all(), group  # to the bit
