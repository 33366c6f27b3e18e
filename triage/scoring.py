"""Scoring a batch of contacts with whole arrays: the four spaCy classifiers, the lexical
model, the blend and the temperature scaling, without a dictionary per contact until the end.

It computes what `model.probabilities(lexical.blend(doc.cats, ...))` computes for each
contact (a test checks they agree to 1e-12); that per-contact form stays for training and
calibration, where speed does not matter.

spaCy's `nlp.pipe` runs each classifier's whole model, so the same words of a contact are
extracted four times (`extract_ngrams` is most of a bag-of-words classifier's time). When
all four are the architecture this was written for (extract_ngrams >> sparse_linear >>
softmax, as `model.BOW` builds them) with the same extraction, it is done once and each
classifier's own layers score it, so the scores are spaCy's to the bit. Any other
architecture goes through `nlp.pipe`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from spacy.language import Language

from triage import lexical as lexical_model

_BOW = "with_cpu(extract_ngrams>>resizable(sparse_linear))>>with_cpu(softmax_activation)"


def _layer(model: Any, name: str) -> Any:
    return next(layer for layer in model.walk() if layer.name == name)


class Scorer:
    def __init__(self, nlp: Language, lexical: lexical_model.Lexical, groups: Mapping[str, tuple[str, ...]],
                 temperatures: Mapping[str, float] | None) -> None:
        self.nlp = nlp
        self.lexical = lexical
        self.groups = dict(groups)
        self.temperatures = {group: float((temperatures or {}).get(group, 1.0)) for group in groups}
        self.components = {group: nlp.get_pipe(group) for group in groups}
        # Where each group's labels are among its classifier's and the lexical head's outputs.
        self.spacy_columns = {group: [_index(component.labels, f"{group}:{label}") for label in groups[group]]
                              for group, component in self.components.items()}
        self.lexical_columns = {group: [_index(head.labels, label) for label in lexical_model.GROUP_LABELS[group]]
                                for group, head in lexical.heads.items()}
        self.shared = self._shared_extraction()
        self.layers = {group: (_layer(component.model, "resizable(sparse_linear)"), component.model.layers[1])
                       for group, component in self.components.items()} if self.shared is not None else {}

    def _shared_extraction(self) -> Any | None:
        """The one word extraction all four classifiers use, or None if they differ or
        are another architecture."""
        models = [component.model for component in self.components.values()]
        if set(self.components) != set(self.nlp.pipe_names) or any(model.name != _BOW for model in models):
            return None
        extractions = [_layer(model, "extract_ngrams") for model in models]
        if len({tuple(sorted(layer.attrs.items())) for layer in extractions}) != 1:
            return None
        return extractions[0]

    def spacy_scores(self, features: Sequence[str]) -> dict[str, np.ndarray]:
        """Each group's classifier scores, one row per text, columns in `groups` order."""
        if self.shared is None:
            docs = list(self.nlp.pipe(features))
            return {group: np.array([[doc.cats.get(f"{group}:{label}", 0.0) for label in labels] for doc in docs],
                                    dtype=np.float64).reshape(len(docs), len(labels))
                    for group, labels in self.groups.items()}
        docs = [self.nlp.make_doc(text) for text in features]
        words = self.shared.predict(docs) if any(len(doc) for doc in docs) else None
        scores = {}
        for group, component in self.components.items():
            if words is None:  # as TextCategorizer.predict does when no doc has a token
                raw = np.zeros((len(docs), len(component.labels)))
            else:
                linear, activation = self.layers[group]
                raw = activation.predict(linear.predict(words))
            scores[group] = _columns(np.asarray(raw, dtype=np.float64), self.spacy_columns[group])
        return scores

    def __call__(self, features: Sequence[str], texts: Sequence[str]) -> list[dict[str, dict[str, float]]]:
        """Per contact, per group, a calibrated probability for every label."""
        if not texts:
            return []
        scores = self.spacy_scores(features)
        lexical = self.lexical.probabilities(texts)
        rows = {}
        for group, labels in self.groups.items():
            blended = scores[group]
            if group in lexical:
                extra = _columns(lexical[group], self.lexical_columns[group])
                blended = lexical_model.SPACY_WEIGHT * blended + (1 - lexical_model.SPACY_WEIGHT) * extra
            rows[group] = _calibrated(blended, self.temperatures[group]).tolist()
        return [{group: dict(zip(labels, rows[group][i])) for group, labels in self.groups.items()}
                for i in range(len(texts))]


def _index(labels: Sequence[str], label: str) -> int | None:
    return labels.index(label) if label in labels else None


def _columns(matrix: np.ndarray, columns: list[int | None]) -> np.ndarray:
    """The matrix's columns in the order given; a label it lacks scores 0."""
    result = np.zeros((matrix.shape[0], len(columns)))
    for target, source in enumerate(columns):
        if source is not None:
            result[:, target] = matrix[:, source]
    return result


def _calibrated(scores: np.ndarray, temperature: float) -> np.ndarray:
    """`model.probabilities` for a whole batch: temperature-scaled softmax of the log scores.
    The sum runs left to right, as Python's sum does."""
    logits = np.log(np.maximum(scores, 1e-9)) / temperature
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / np.cumsum(exp, axis=1)[:, -1:]
