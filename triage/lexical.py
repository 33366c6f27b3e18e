"""A second reader for category, service area and urgency: TF-IDF over words, word pairs
and the letters inside words, with naive Bayes weighted logistic regression (scikit-learn).

The letter sequences (2 to 5 characters within each word, scikit-learn's `char_wb`) let it
read what the word model cannot: misspellings, speech-recognition slips ("counts a tax"),
run-together and inflected words. On the dev split they added about one point of
service-area accuracy and half a point of category macro-F1 to this model alone.

Each label has its own regression, that label against the rest, on features scaled by how
much likelier each term is in that label's texts than in the others' (NBSVM, Wang and
Manning 2012, with logistic regression in place of the SVM). A term that names one service
("brown bin", "pcn") is then worth more from the start than one every label uses.

The spaCy bag-of-words classifiers and this model make different mistakes, so their
averaged probabilities are right more often than either alone. In 5-fold cross-validation
on train and dev (8,944 contacts, 2026-11-23; never test), category macro-F1 was 0.902 for
spaCy alone, 0.912 for this model alone and 0.917 for the blend; with plain logistic
regression here the blend had 0.910. Service-area accuracy was 0.914, 0.939 and 0.942,
against 0.930. The blend was ahead of the plain one on both in each of the five folds.

It is saved as plain arrays and JSON, never pickled, so loading a model directory cannot
run code.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack

from triage.labels import CATEGORIES, SERVICE_AREAS

GROUP_LABELS = {"category": CATEGORIES, "service_area": SERVICE_AREAS, "urgent": ("yes", "no")}
SPACY_WEIGHT = 0.5  # spaCy's share of the blend; in that cross-validation 0.3 came within 0.1 points, 0 up to 0.5 lower
C = 30.0  # inverse regularisation strength, chosen on dev
NB_SMOOTHING = 1.0  # added to every document frequency, so a term unseen in a label has a finite ratio
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
CHARS = (2, 5)  # letter sequence lengths
CHAR_MIN_DF = 2  # a letter sequence seen in one training contact only is noise


def terms(text: str) -> list[str]:
    """Words and adjacent word pairs, as scikit-learn's TfidfVectorizer(ngram_range=(1, 2)) makes them."""
    words = TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def char_terms(text: str) -> list[str]:
    """Letter sequences inside each space-padded word, as TfidfVectorizer(analyzer="char_wb",
    ngram_range=CHARS) makes them: a word shorter than a length gives itself once."""
    grams = []
    low, high = CHARS
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


@dataclass(frozen=True)
class Vocabulary:
    """One TF-IDF transform: its terms' columns and inverse document frequencies."""

    columns: dict[str, int]
    idf: np.ndarray

    def transform(self, texts: Sequence[str], analyse: Callable[[str], list[str]]) -> csr_matrix:
        """Sublinear TF-IDF, L2-normalised per text: one sparse row per text."""
        indptr, columns, counts = [0], [], []
        vocabulary = self.columns
        for text in texts:
            # Counted as strings first, so each distinct term is looked up once in the large
            # vocabulary (most of this loop's time); first-seen order as before.
            found = Counter(analyse(text))
            for column, count in zip(map(vocabulary.get, found), found.values()):
                if column is not None:  # terms the model never saw are dropped
                    columns.append(column)
                    counts.append(count)
            indptr.append(len(columns))
        return _tfidf(np.asarray(columns, dtype=np.int64), np.asarray(counts, dtype=np.float64), indptr, self.idf)


def _tfidf(columns: np.ndarray, counts: np.ndarray, indptr: list[int], idf: np.ndarray) -> csr_matrix:
    """Rows of sublinear TF-IDF, each L2-normalised, from each row's term columns and counts."""
    data = (1.0 + np.log(counts)) * idf[columns]
    lengths = np.diff(indptr)
    if data.size:
        # A zero on the end, so that a row without terms at the end of the batch (which
        # starts at data.size) is a valid index; its norm is replaced by 1 below.
        norms = np.sqrt(np.add.reduceat(np.append(data * data, 0.0), indptr[:-1]))
        norms = np.where((lengths > 0) & (norms > 0), norms, 1.0)
        data /= np.repeat(norms, lengths)
    return csr_matrix((data, columns, np.asarray(indptr)), shape=(len(indptr) - 1, len(idf)))


@dataclass(frozen=True)
class Head:
    """One label group's scorer: per label, weights over the terms and an intercept. The
    labels' scores are turned into probabilities by softmax, calibrated later by temperature.

    `coef` is kept in Fortran order, so that `coef.T` is the C-ordered matrix scipy's
    sparse product reads. Given a C-ordered `coef`, scipy copies the whole matrix on every
    call: one `classify` took 7.7 ms at the p50 instead of 1.1 to 1.9 (`make bench`)."""

    labels: list[str]
    coef: np.ndarray
    intercept: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "coef", np.asfortranarray(self.coef))  # no copy if it already is


class CharVocabulary:
    """The letter-sequence TF-IDF transform. A word's sequences are found once and kept as
    columns, so a repeated word costs one lookup instead of some twenty. That pays within a
    batch (`heard triage classify`, eval, training): 1,000 test contacts took 158 ms with
    it and 435 ms without. A triage job classifies one contact in a freshly forked work
    horse, so there the cache starts empty and the cost is the same (0.44 ms)."""

    CACHED_WORDS = 200_000  # bounds memory in a long batch; a council's contacts use fewer words

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._columns: dict[str, np.ndarray] = {}

    @property
    def columns(self) -> dict[str, int]:
        return self.vocabulary.columns

    @property
    def idf(self) -> np.ndarray:
        return self.vocabulary.idf

    def _word(self, word: str) -> np.ndarray:
        found = self._columns.get(word)
        if found is None:
            lookup = self.vocabulary.columns.get
            found = np.fromiter((c for c in map(lookup, char_terms(word)) if c is not None), dtype=np.int64)
            if len(self._columns) < self.CACHED_WORDS:
                self._columns[word] = found
        return found

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """What `Vocabulary.transform(texts, char_terms)` gives, summed word by word."""
        indptr, columns, counts = [0], [], []
        empty = np.zeros(0, dtype=np.int64)
        for text in texts:
            words = [self._word(word) for word in text.lower().split()]
            found, times = np.unique(np.concatenate(words) if words else empty, return_counts=True)
            columns.append(found)
            counts.append(times)
            indptr.append(indptr[-1] + len(found))
        return _tfidf(np.concatenate(columns) if columns else empty,
                      np.concatenate(counts).astype(np.float64) if counts else np.zeros(0), indptr, self.idf)


@dataclass(frozen=True)
class Lexical:
    """Scoring reimplements scikit-learn's transform in a few lines of numpy and scipy (a
    test checks they agree), because importing scikit-learn adds about 70 MB to every worker."""

    words: Vocabulary
    chars: CharVocabulary
    heads: dict[str, Head]

    def predict(self, texts: Sequence[str]) -> list[dict[str, dict[str, float]]]:
        """Per text, per group, a probability for each label the head was trained on."""
        if not texts:
            return []
        per_group = {group: matrix.tolist() for group, matrix in self.probabilities(texts).items()}
        return [{group: dict(zip(head.labels, per_group[group][i])) for group, head in self.heads.items()}
                for i in range(len(texts))]

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Per group, one row per text of probabilities in the order of the head's labels."""
        features = self._features(texts)
        per_group = {}
        for group, head in self.heads.items():
            logits = np.asarray(features @ head.coef.T) + head.intercept
            exp = np.exp(logits - logits.max(axis=1, keepdims=True))
            per_group[group] = exp / exp.sum(axis=1, keepdims=True)
        return per_group

    def _features(self, texts: Sequence[str]) -> csr_matrix:
        """The word and letter-sequence TF-IDF rows side by side, each normalised on its own."""
        return hstack([self.words.transform(texts, terms), self.chars.transform(texts)], format="csr")


def fit(texts: Sequence[str], targets: dict[str, Sequence[str]]) -> Lexical:
    from sklearn.feature_extraction.text import TfidfVectorizer  # training only: heavy to import

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHARS, sublinear_tf=True, min_df=CHAR_MIN_DF)
    features = hstack([words.fit_transform(texts), chars.fit_transform(texts)], format="csr")
    present = features.copy()
    present.data[:] = 1.0  # 1 where a text has the term
    heads = {group: _naive_bayes_weighted_head(features, present, list(labels)) for group, labels in targets.items()}
    return Lexical(_vocabulary(words), CharVocabulary(_vocabulary(chars)), heads)


def log_count_ratios(present: csr_matrix, positive: np.ndarray) -> np.ndarray:
    """Per term, how much likelier it is to appear in a text of the label than in one of
    the others: the log-ratio of its smoothed document frequencies in each. `present` has
    a 1 where a text (row) has a term (column); `positive` marks the label's texts."""
    inside = NB_SMOOTHING + np.asarray(present[positive].sum(axis=0)).ravel()
    outside = NB_SMOOTHING + np.asarray(present[~positive].sum(axis=0)).ravel()
    return np.log((inside / inside.sum()) / (outside / outside.sum()))


def _naive_bayes_weighted_head(features: csr_matrix, present: csr_matrix, targets: list[str]) -> Head:
    """One logistic regression per label, label against the rest, on the TF-IDF features
    each scaled by the label's log-count ratio. Scaling a feature and then weighting it is
    one weight, so the head stores ratio times weight and scoring stays one product."""
    from scipy.sparse import diags
    from sklearn.linear_model import LogisticRegression

    gold = np.asarray(targets)
    labels = sorted(set(targets))
    coef, intercept = [], []
    for label in labels:
        positive = gold == label
        ratios = log_count_ratios(present, positive)
        regression = LogisticRegression(max_iter=3000, C=C).fit(features @ diags(ratios), positive.astype(int))
        coef.append(regression.coef_[0] * ratios)
        intercept.append(regression.intercept_[0])
    return Head(labels, np.vstack(coef), np.asarray(intercept))


def _vocabulary(vectorizer: Any) -> Vocabulary:
    return Vocabulary({term: int(index) for term, index in vectorizer.vocabulary_.items()}, vectorizer.idf_)


def blend(spacy_scores: dict[str, float], lexical: dict[str, dict[str, float]]) -> dict[str, float]:
    """doc.cats with each blended group's scores averaged with this model's."""
    blended = dict(spacy_scores)
    for group, probabilities in lexical.items():
        for label in GROUP_LABELS[group]:
            key = f"{group}:{label}"
            blended[key] = SPACY_WEIGHT * spacy_scores.get(key, 0.0) + (1 - SPACY_WEIGHT) * probabilities.get(label, 0.0)
    return blended


def save(lexical: Lexical, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocabulary.json").write_text(json.dumps(
        {"words": lexical.words.columns, "chars": lexical.chars.columns}, sort_keys=True, ensure_ascii=False))
    arrays = {"words_idf": lexical.words.idf, "chars_idf": lexical.chars.idf}
    for group, head in lexical.heads.items():
        arrays[f"{group}_coef"], arrays[f"{group}_intercept"] = head.coef, head.intercept
    np.savez_compressed(directory / "weights.npz", **arrays)  # type: ignore[arg-type]
    (directory / "labels.json").write_text(json.dumps({group: head.labels for group, head in lexical.heads.items()}))


def load(directory: Path) -> Lexical:
    vocabularies = json.loads((directory / "vocabulary.json").read_text())
    labels = json.loads((directory / "labels.json").read_text())
    with np.load(directory / "weights.npz", allow_pickle=False) as arrays:
        heads = {group: Head(names, arrays[f"{group}_coef"], arrays[f"{group}_intercept"]) for group, names in labels.items()}
        words = Vocabulary(vocabularies["words"], arrays["words_idf"])
        chars = CharVocabulary(Vocabulary(vocabularies["chars"], arrays["chars_idf"]))
    return Lexical(words, chars, heads)
