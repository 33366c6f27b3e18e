"""`heard triage eval`: the model against the held-out split, beside two baselines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from triage.baselines import TfidfBaseline, keyword_area, keyword_category
from triage.pipeline import classify_many, load_model
from triage.dataset import Example, by_split, load
from triage.labels import CATEGORIES, EXCLUSIONS, SERVICE_AREAS
from triage.metrics import accuracy, confusion, expected_calibration_error, macro_f1, per_label
from triage.types import TriageInput


def _inputs(examples: Sequence[Example]) -> list[TriageInput]:
    return [TriageInput(id=e.id, text=e.text, subject=e.subject, channel=e.channel, received_at=e.received_at) for e in examples]


def _scores(gold_category: list[str], category: list[str], gold_area: list[str], area: list[str]) -> dict[str, Any]:
    return {
        "category_macro_f1": macro_f1(gold_category, category, CATEGORIES),
        "category_accuracy": accuracy(gold_category, category),
        "service_area_accuracy": accuracy(gold_area, area),
        "service_area_macro_f1": macro_f1(gold_area, area, SERVICE_AREAS),
    }


def evaluate(split: str = "test") -> dict[str, Any]:
    splits = by_split(load())
    examples = splits[split]
    results = list(classify_many(_inputs(examples)))
    gold_category = [e.category for e in examples]
    gold_area = [e.service_area for e in examples]
    category = [r.category for r in results]
    area = [r.service_area for r in results]

    excluded = [(e, r) for e, r in zip(examples, results) if e.category == "excluded" and r.category == "excluded"]
    urgent_gold = [e.urgent for e in examples]
    urgent_predicted = [r.urgent for r in results]
    non_urgent = sum(1 for u in urgent_gold if not u)
    report: dict[str, Any] = {
        "split": split,
        "size": len(examples),
        "model": {
            "name": load_model().name,
            **_scores(gold_category, category, gold_area, area),
            "category_per_label": per_label(gold_category, category, CATEGORIES),
            "category_confusion": {"labels": list(CATEGORIES), "rows": confusion(gold_category, category, CATEGORIES)},
            "service_area_per_label": per_label(gold_area, area, SERVICE_AREAS),
            "exclusion_accuracy_when_both_excluded": accuracy([e.exclusion or "" for e, _ in excluded], [r.exclusion or "" for _, r in excluded]),
            "exclusion_per_label": per_label([e.exclusion or "none" for e in examples], [r.exclusion or "none" for r in results], EXCLUSIONS),
            "urgent_recall": (sum(1 for g, p in zip(urgent_gold, urgent_predicted) if g and p) / max(1, sum(urgent_gold))),
            "urgent_false_alarm_rate": sum(1 for g, p in zip(urgent_gold, urgent_predicted) if p and not g) / max(1, non_urgent),
            "urgent_missed": [e.id for e, p in zip(examples, urgent_predicted) if e.urgent and not p],
            "category_calibration_error": expected_calibration_error(
                [r.confidence["category"] for r in results], [g == p for g, p in zip(gold_category, category)]),
            "sent_to_review": sum(r.needs_review for r in results) / max(1, len(results)),
        },
    }
    report["keyword_rules"] = _scores(gold_category, [keyword_category(e) for e in examples],
                                      gold_area, [keyword_area(e) for e in examples])
    # The baselines learn from what the model was finally fitted on (train and dev; dev
    # chose only the model's epochs and calibration), so neither side has more data.
    train = splits["train"] + splits["dev"]
    report["tfidf_logistic_regression"] = _scores(
        gold_category, TfidfBaseline(train, "category").predict(examples),
        gold_area, TfidfBaseline(train, "service_area").predict(examples),
    )
    return report


def format_report(report: dict[str, Any]) -> str:
    model = report["model"]
    lines = [f"Triage evaluation on the {report['split']} split ({report['size']} contacts), model {model['name']}", ""]
    if report["split"] == "dev":
        lines[-1:] = ["Note: the final model is refit on train and dev, so dev figures are not held out.", ""]
    lines.append(f"{'':28}{'category macro-F1':>19}{'category acc':>14}{'area acc':>10}{'area macro-F1':>15}")
    for name, key in (("model (spaCy + rules)", "model"), ("baseline: TF-IDF + LR", "tfidf_logistic_regression"), ("baseline: keyword rules", "keyword_rules")):
        s = report[key]
        lines.append(f"{name:28}{s['category_macro_f1']:>19.3f}{s['category_accuracy']:>14.3f}{s['service_area_accuracy']:>10.3f}{s['service_area_macro_f1']:>15.3f}")
    lines += ["", "Category, per label:", f"  {'label':18}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}"]
    for label, s in model["category_per_label"].items():
        lines.append(f"  {label:18}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}{s['support']:>5}")
    labels = model["category_confusion"]["labels"]
    lines += ["", "Category confusion (rows: truth, columns: predicted):", "  " + " " * 16 + "".join(f"{l[:8]:>9}" for l in labels)]
    for label, row in zip(labels, model["category_confusion"]["rows"]):
        lines.append(f"  {label:16}" + "".join(f"{n:>9}" for n in row))
    lines += ["", "Service area, per label:"]
    for label, s in model["service_area_per_label"].items():
        lines.append(f"  {label:22}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}{s['support']:>5}")
    lines += ["", "Exclusion, per label (over all contacts; 'none' not shown):"]
    for label, s in model["exclusion_per_label"].items():
        lines.append(f"  {label:22}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}{s['support']:>5}")
    lines += [
        "",
        f"Exclusion reason right when both say excluded: {model['exclusion_accuracy_when_both_excluded']:.3f}",
        f"Urgent: recall {model['urgent_recall']:.3f}, false alarms {model['urgent_false_alarm_rate']:.3%} of non-urgent contacts"
        + (f"; missed {', '.join(model['urgent_missed'])}" if model["urgent_missed"] else ""),
        f"Category confidence calibration error (ECE, 10 bins): {model['category_calibration_error']:.3f}",
        f"Sent to officer review: {model['sent_to_review']:.1%}",
    ]
    return "\n".join(lines)
