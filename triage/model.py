"""The spaCy pipeline: blank English with one bag-of-words text classifier per label group.

Trained here from `triage/data/`, reproducibly (fixed seeds, single thread). The fired
rule signals and the time-limit reading are given to it as feature words, so the model
learns how much each signal counts instead of a person guessing weights; the
safeguarding rules are the exception (see `Reading.features`).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from datetime import datetime
from typing import Any

import spacy
from spacy.language import Language
from spacy.training import Example as SpacyExample
from spacy.util import fix_random_seed, minibatch

from triage import lexical as lexical_model
from triage.dataset import Example
from triage.dates import GOOD_REASON, PATTERNS as DATE_PATTERNS, TimeLimit, read_time_limit
from triage.labels import CATEGORIES, EXCLUSIONS, SERVICE_AREAS
from triage.prefilter import Prefilter
from triage.scoring import Scorer
from triage.signals import AREAS, SIGNALS, URGENT, Hit, find, find_urgent
from triage.text import readable

VERSION = "5"  # bump when the features or architecture change
GROUPS: dict[str, tuple[str, ...]] = {
    "category": CATEGORIES,
    "exclusion": (*EXCLUSIONS, "none"),
    "service_area": SERVICE_AREAS,
    "urgent": ("yes", "no"),
}
BOW = {
    "@architectures": "spacy.TextCatBOW.v3",
    "exclusive_classes": True,
    "ngram_size": 1,
    "no_output_layer": False,
    "length": 65536,
}


@dataclass(frozen=True)
class Reading:
    """One pass of the rules over a contact: what the model is given and the decision uses."""

    text: str  # bounded, cleaned, lower-cased
    signals: list[Hit]
    urgent: list[Hit]
    areas: list[Hit]
    limit: TimeLimit

    def features(self) -> str:
        """The words the model reads: the contact, then one word per fired rule. The
        safeguarding rules are left out: the urgent classifier is a second net for what
        they miss, so it must learn the words of risk, not lean on the rules' own verdict."""
        words = [f"sig_{hit.rule}" for hit in self.signals]
        words += [f"area_{hit.rule}" for hit in self.areas]
        if self.limit.over_limit:
            words.append("sig_over_12_months")
        elif self.limit.within_limit:
            words.append("sig_within_12_months")
        if self.limit.good_reason:
            words.append("sig_good_reason_for_delay")
        return f"{self.text} {' '.join(words)}"


# Every rule and date pattern, for one scan of a contact that tells which could match.
_PREFILTER = Prefilter([rule.pattern for rule in (*SIGNALS, *URGENT, *AREAS)]
                       + [pattern for _kind, pattern, _needs in DATE_PATTERNS] + [GOOD_REASON])


def read(subject: str | None, text: str, received_at: datetime) -> Reading:
    body = readable(subject, text).lower()
    possible = _PREFILTER.possible(body)
    return Reading(body, find(SIGNALS, body, possible), find_urgent(body, possible), find(AREAS, body, possible),
                   read_time_limit(body, received_at.date(), possible))


def feature_text(subject: str | None, text: str, received_at: datetime) -> str:
    return read(subject, text, received_at).features()


def build() -> Language:
    nlp = spacy.blank("en")
    for group in GROUPS:
        nlp.add_pipe("textcat", name=group, config={"model": BOW, "threshold": 0.5})
    return nlp


def gold_cats(example: Example, group: str) -> dict[str, float]:
    truth = {
        "category": example.category,
        "exclusion": example.exclusion or "none",
        "service_area": example.service_area,
        "urgent": "yes" if example.urgent else "no",
    }[group]
    return {f"{group}:{label}": float(truth == label) for label in GROUPS[group]}


def probabilities(cats: dict[str, float], temperatures: dict[str, float] | None = None) -> dict[str, dict[str, float]]:
    """doc.cats split per group, temperature-scaled so the confidences are calibrated."""
    result = {}
    for group, labels in GROUPS.items():
        scores = [max(cats.get(f"{group}:{label}", 0.0), 1e-9) for label in labels]
        t = (temperatures or {}).get(group, 1.0)
        logits = [math.log(s) / t for s in scores]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        result[group] = {label: e / total for label, e in zip(labels, exp)}
    return result


@dataclass(frozen=True)
class Trained:
    nlp: Language
    lexical: lexical_model.Lexical
    temperatures: dict[str, float]
    epochs: dict[str, int]
    dev_scores: dict[str, float]


def fit_lexical(examples: Sequence[Example]) -> lexical_model.Lexical:
    readings = [read(e.subject, e.text, e.received_at) for e in examples]
    return lexical_model.fit([r.text for r in readings], {
        "category": [e.category for e in examples], "service_area": [e.service_area for e in examples],
        "urgent": ["yes" if e.urgent else "no" for e in examples]})


def _examples(nlp: Language, examples: Sequence[Example]) -> dict[str, list[SpacyExample]]:
    """One set of spaCy examples per classifier: each learns only its own group's labels."""
    docs = [nlp.make_doc(feature_text(e.subject, e.text, e.received_at)) for e in examples]
    return {
        group: [SpacyExample.from_dict(doc, {"cats": gold_cats(e, group)}) for doc, e in zip(docs, examples)]
        for group in GROUPS
    }


def _dev_scores(nlp: Language, dev: Sequence[Example]) -> dict[str, float]:
    """Each group's dev score: macro-F1 for category and exclusion, accuracy for the area,
    F1 of `yes` for urgent."""
    from triage.metrics import accuracy, macro_f1, per_label

    predicted = [probabilities(doc.cats) for doc in nlp.pipe(feature_text(e.subject, e.text, e.received_at) for e in dev)]

    def top(group: str) -> list[str]:
        return [max(p[group], key=p[group].get) for p in predicted]

    excluded = [i for i, e in enumerate(dev) if e.exclusion]
    exclusion_top = top("exclusion")
    return {
        "category": macro_f1([e.category for e in dev], top("category"), CATEGORIES),
        "exclusion": accuracy([dev[i].exclusion or "" for i in excluded], [exclusion_top[i] for i in excluded]),
        "service_area": accuracy([e.service_area for e in dev], top("service_area")),
        "urgent": per_label(["yes" if e.urgent else "no" for e in dev], top("urgent"), ["yes"])["yes"]["f1"],
    }


class _Run:
    """One training run: a fresh pipeline, its examples and optimiser, all seeded."""

    def __init__(self, examples_set: Sequence[Example], seed: int) -> None:
        fix_random_seed(seed)
        self.nlp = build()
        self.examples = _examples(self.nlp, examples_set)
        for group, group_examples in self.examples.items():
            self.nlp.get_pipe(group).initialize(lambda group_examples=group_examples: group_examples, nlp=self.nlp)
        self.optimizer = self.nlp.create_optimizer()
        self.rng = random.Random(seed)

    def epoch(self, groups: Iterable[str]) -> None:
        for group in sorted(groups):
            group_examples = self.examples[group]
            self.rng.shuffle(group_examples)
            component = self.nlp.get_pipe(group)
            for batch in minibatch(group_examples, size=16):
                component.update(batch, drop=0.1, sgd=self.optimizer)


def train(train_set: Sequence[Example], dev_set: Sequence[Example], *, seed: int = 7, max_epochs: int = 24, patience: int = 5) -> Trained:
    """Train each classifier, keeping the epoch its dev score was best at (never looking at
    the test split), then calibrate the confidences on dev."""
    run = _Run(train_set, seed)
    best: dict[str, tuple[float, int, bytes]] = {}
    active = set(GROUPS)
    for epoch in range(1, max_epochs + 1):
        run.epoch(active)
        scores = _dev_scores(run.nlp, dev_set)
        for group in sorted(active):
            if group not in best or scores[group] > best[group][0]:
                best[group] = (scores[group], epoch, run.nlp.get_pipe(group).to_bytes())
            elif epoch - best[group][1] >= patience:
                active.discard(group)
        if not active:
            break
    for group, (_score, _epoch, weights) in best.items():
        run.nlp.get_pipe(group).from_bytes(weights)
    epochs = {group: value[1] for group, value in best.items()}
    lexical = fit_lexical(train_set)
    return Trained(run.nlp, lexical, calibrate(run.nlp, lexical, dev_set), epochs,
                   {group: value[0] for group, value in best.items()})


def refit(trained: Trained, examples_set: Sequence[Example], seed: int = 7) -> Trained:
    """The same training from scratch on more data (train and dev) for the epochs dev
    chose, keeping dev's calibration. The test split is never seen."""
    run = _Run(examples_set, seed)
    for epoch in range(1, max(trained.epochs.values()) + 1):
        run.epoch(group for group, last in trained.epochs.items() if epoch <= last)
    return Trained(run.nlp, fit_lexical(examples_set), trained.temperatures, trained.epochs, trained.dev_scores)


def calibrate(nlp: Language, lexical: lexical_model.Lexical, dev: Sequence[Example]) -> dict[str, float]:
    """One temperature per label group, fitted on dev by minimising the negative log-likelihood
    of the blended scores the pipeline will give."""
    readings = [read(e.subject, e.text, e.received_at) for e in dev]
    cats = list(_scores(nlp, lexical, readings))
    truth = [{"category": e.category, "exclusion": e.exclusion or "none", "service_area": e.service_area,
              "urgent": "yes" if e.urgent else "no"} for e in dev]
    temperatures = {}
    for group in GROUPS:
        def nll(t: float) -> float:
            return -sum(math.log(max(probabilities(c, {group: t})[group][g[group]], 1e-12)) for c, g in zip(cats, truth))
        candidates = [0.25 * i for i in range(1, 41)]  # 0.25 .. 10
        temperatures[group] = min(candidates, key=nll)
    return temperatures


def save(trained: Trained, path: Path, meta: dict[str, Any]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    trained.nlp.to_disk(path / "pipeline")
    lexical_model.save(trained.lexical, path / "lexical")
    full = {**meta, "version": VERSION, "temperatures": trained.temperatures, "epochs": trained.epochs,
            "dev_scores": trained.dev_scores}
    (path / "heard-triage.json").write_text(json.dumps(full, indent=2, sort_keys=True) + "\n")


def _scores(nlp: Language, lexical: lexical_model.Lexical, readings: Sequence[Reading]) -> Iterable[dict[str, float]]:
    """Each reading's doc.cats, with category and service area blended with the lexical model."""
    lexical_scores = lexical.predict([r.text for r in readings])
    for doc, extra in zip(nlp.pipe(r.features() for r in readings), lexical_scores):
        yield lexical_model.blend(doc.cats, extra)


@dataclass(frozen=True)
class Loaded:
    nlp: Language
    lexical: lexical_model.Lexical
    meta: dict[str, Any]

    @property
    def name(self) -> str:
        return f"spacy-bow+tfidf@{self.meta['version']}+{self.meta['data_digest'][:12]}"

    def predict(self, readings: Iterable[Reading], batch_size: int = 256) -> Iterable[dict[str, dict[str, float]]]:
        batch: list[Reading] = []
        for reading in readings:
            batch.append(reading)
            if len(batch) >= batch_size:
                yield from self._predict_batch(batch)
                batch = []
        if batch:
            yield from self._predict_batch(batch)

    @cached_property
    def scorer(self) -> Scorer:
        return Scorer(self.nlp, self.lexical, GROUPS, self.meta.get("temperatures"))

    def _predict_batch(self, batch: Sequence[Reading]) -> Iterable[dict[str, dict[str, float]]]:
        """What `probabilities(_scores(...))` gives each reading, for the batch at once."""
        return self.scorer([r.features() for r in batch], [r.text for r in batch])


def load(path: Path) -> Loaded:
    meta_path = path / "heard-triage.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"no trained triage model at {path}: run `heard triage train` (make run does)")
    meta = json.loads(meta_path.read_text())
    loaded = Loaded(spacy.load(path / "pipeline"), lexical_model.load(path / "lexical"), meta)
    _ = loaded.scorer  # built now, before a worker forks
    return loaded
