"""Precision, recall, F1 and confusion matrices, small enough to read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def per_label(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, float]]:
    pairs = Counter(zip(gold, predicted))
    result = {}
    for label in labels:
        tp = pairs[(label, label)]
        fp = sum(n for (g, p), n in pairs.items() if p == label and g != label)
        fn = sum(n for (g, p), n in pairs.items() if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return result


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    scores = per_label(gold, predicted, labels)
    present = [label for label in labels if scores[label]["support"]]
    return sum(scores[label]["f1"] for label in present) / len(present) if present else 0.0


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0


def confusion(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    pairs = Counter(zip(gold, predicted))
    return [[pairs[(g, p)] for p in labels] for g in labels]


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    total = len(confidences)
    if not total:
        return 0.0
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if low < c <= high or (b == 0 and c == 0)]
        if members:
            confidence = sum(confidences[i] for i in members) / len(members)
            hit_rate = sum(correct[i] for i in members) / len(members)
            error += len(members) / total * abs(confidence - hit_rate)
    return error
