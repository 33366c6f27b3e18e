"""Training a pipeline from the data in the repository, reproducibly, with its provenance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from triage import model
from triage.pipeline import urgent_flags
from triage.dataset import Example, by_split, data_digest, data_files, load

SEED = 7


FALSE_ALARM_BUDGET = 0.035  # under the 5 % target with room for dev's sampling error


def urgent_threshold(trained: model.Trained, dev: Sequence[Example]) -> float:
    """The lowest threshold on the model's urgent score at which rules and model together
    (as `pipeline.urgent_flags` combines them) raise false alarms on at most
    FALSE_ALARM_BUDGET of non-urgent dev contacts: recall as high as that budget allows.
    Chosen on dev, never on test. If even the strictest threshold breaks the budget, the
    rules alone are over it and the strictest is used."""
    loaded = model.Loaded(trained.nlp, trained.lexical, {"temperatures": trained.temperatures, "version": model.VERSION, "data_digest": ""})
    readings = [model.read(e.subject, e.text, e.received_at) for e in dev]
    scores = [p["urgent"]["yes"] for p in loaded.predict(readings)]
    calm = max(1, sum(1 for e in dev if not e.urgent))
    thresholds = [i / 100 for i in range(1, 100)]  # 0.01 .. 0.99
    for threshold in thresholds:
        alarms = sum(1 for e, r, score in zip(dev, readings, scores) if not e.urgent and urgent_flags(r.urgent, score, threshold))
        if alarms / calm <= FALSE_ALARM_BUDGET:
            return threshold
    return thresholds[-1]


def train_and_save(output: Path, extra: Sequence[Example] = (), seed: int = SEED) -> dict[str, Any]:
    """Train on the train split (plus any officer corrections), choose epochs and calibrate
    on dev, refit on train and dev, and write the pipeline with its data digest."""
    files = data_files()
    splits = by_split(load(files))
    trained = model.train(list(splits["train"]) + list(extra), splits["dev"], seed=seed)
    threshold = urgent_threshold(trained, splits["dev"])  # from the model that has not seen dev
    trained = model.refit(trained, list(splits["train"]) + list(extra) + list(splits["dev"]), seed=seed)
    meta = {
        "data_digest": data_digest(files),
        "data_files": [path.name for path in files],
        "corrections": len(extra),
        "split_sizes": {name: len(rows) for name, rows in splits.items()},
        "seed": seed,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "urgent_threshold": threshold,
    }
    model.save(trained, output, meta)
    return meta
