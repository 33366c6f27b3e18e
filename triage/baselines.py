"""Two baselines trained on the same split in the same run, so the model's figures mean
something: keyword rules, and TF-IDF with logistic regression (scikit-learn)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from triage.dataset import Example
from triage.signals import AREAS, find
from triage.text import readable

KEYWORD_CATEGORY = (
    ("excluded", re.compile(r"\b(?:appeal|pcn|penalty charge|freedom of information|foi|subject access|councillor|cllr|"
                            r"compensation|claim|ombudsman|tribunal|court|pothole|street ?light|school|police)\b", re.I)),
    ("complaint", re.compile(r"\b(?:complain\w*|again|still|never|rude|ignored|disgust\w*|unacceptable|third time)\b", re.I)),
    ("compliment", re.compile(r"\b(?:thank\w*|brilliant|excellent|fantastic|helpful|well done)\b", re.I)),
    ("comment", re.compile(r"\b(?:suggest\w*|would be (?:good|nice)|idea|feedback)\b", re.I)),
)


def keyword_category(example: Example) -> str:
    text = readable(example.subject, example.text)
    for label, pattern in KEYWORD_CATEGORY:
        if pattern.search(text):
            return label
    return "service_request"


def keyword_area(example: Example) -> str:
    hits = find(AREAS, readable(example.subject, example.text).lower())
    return hits[0].rule if hits else "customer_services"


class TfidfBaseline:
    def __init__(self, train: Sequence[Example], target: str) -> None:
        self.target = target
        self.pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            LogisticRegression(max_iter=2000, C=10.0),
        )
        self.pipeline.fit([self._text(e) for e in train], [getattr(e, target) for e in train])

    @staticmethod
    def _text(example: Example) -> str:
        return readable(example.subject, example.text).lower()

    def predict(self, examples: Sequence[Example]) -> list[str]:
        return list(self.pipeline.predict([self._text(e) for e in examples]))
