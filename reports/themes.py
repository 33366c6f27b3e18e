"""What people write about: recurring topics in the text of complaints and compliments.

TF-IDF over words and two-word phrases, then non-negative matrix factorisation (NMF): each
theme is a weighted list of phrases, and each case belongs to the theme that explains most
of its text. A theme is shown with its top phrases and the references of the cases that
show it best, so a person can open them and judge. The pipeline's spaCy model is blank
English (no parser, so no noun chunks), which is why this uses scikit-learn.

Reviewable: the same cases give the same themes (a deterministic initialisation, a fixed
seed, cases in a fixed order). Bounded: at most `MAX_DOCUMENTS` of the period's cases,
an even sample across it, are read, with a capped vocabulary, whatever the period holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from models.cases import Case
from models.intake import Contact
from reports.period import Period

MAX_DOCUMENTS = 1500
MAX_FEATURES = 3000
MAX_THEMES = 6
TOP_TERMS = 6
EXAMPLES = 3
SEED = 0
# Words every complaint or compliment uses whatever it is about, and names of the kinds
# themselves: they say nothing about the topic.
COUNCIL_WORDS = frozenset("""
    council councils hdc hart huntingdonshire district please thank thanks thankyou regards dear sir madam hello
    complaint complain complaining compliment feedback want wanted like just really told tell asked ask
    week weeks day days month months time times today yesterday ago year years did does don didn doesn
    got get getting going went said say says im ive id dont cant wont ll ve
""".split())
_WORDS = r"(?u)\b[^\W\d_][^\W\d_]+\b"  # letters only: no references, dates or numbers


@dataclass(frozen=True)
class Theme:
    terms: tuple[str, ...]  # the phrases that define it, strongest first
    cases: int  # cases for which it is the main theme
    examples: tuple[str, ...]  # references of the cases that show it best

    @property
    def label(self) -> str:
        return ", ".join(self.terms[:3])


def find_themes(documents: Sequence[tuple[str, str]], max_themes: int = MAX_THEMES) -> list[Theme]:
    """Themes in `documents` ((reference, text) pairs, in a fixed order), largest first."""
    import numpy
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
    from threadpoolctl import threadpool_limits

    documents = [(ref, _clean(text)) for ref, text in documents if text and text.strip()]
    if len(documents) < 3:
        return []
    vectoriser = TfidfVectorizer(
        ngram_range=(1, 2), stop_words=sorted(ENGLISH_STOP_WORDS | COUNCIL_WORDS), token_pattern=_WORDS,
        lowercase=True, min_df=2 if len(documents) >= 10 else 1, max_df=0.9, max_features=MAX_FEATURES,
        sublinear_tf=True, dtype=numpy.float64)
    try:
        matrix = vectoriser.fit_transform([text for _ref, text in documents])
    except ValueError:  # nothing left after the stop words
        return []
    vocabulary = vectoriser.get_feature_names_out()
    count = min(max_themes, max(1, len(documents) // 4), len(vocabulary))
    model = NMF(n_components=count, init="nndsvda", random_state=SEED, max_iter=300, tol=1e-3)
    with threadpool_limits(limits=1):  # small matrices: BLAS threads only fight the web workers for the cores
        weights = model.fit_transform(matrix)
    main = weights.argmax(axis=1)
    has_theme = weights.max(axis=1) > 0
    themes = []
    for index, component in enumerate(model.components_):
        members = [row for row in range(len(documents)) if has_theme[row] and main[row] == index]
        if not members:
            continue
        terms = tuple(str(vocabulary[i]) for i in component.argsort()[::-1][:TOP_TERMS] if component[i] > 0)
        best = sorted(members, key=lambda row: (-weights[row, index], row))[:EXAMPLES]
        themes.append(Theme(terms, len(members), tuple(documents[row][0] for row in best)))
    return sorted(themes, key=lambda theme: (-theme.cases, theme.terms))


def _clean(text: str) -> str:
    return re.sub(r"\S+@\S+|https?://\S+", " ", text)  # addresses are not topics


def themes(db: Session, period: Period, kind: str, max_themes: int = MAX_THEMES) -> list[Theme]:
    """Themes in the text of the period's cases of `kind` (complaint or compliment)."""
    where = and_(Case.kind == kind, Case.merged_into_id.is_(None), Case.received_at >= period.start_utc,
                 Case.received_at < period.end_utc, Case.anonymised_at.is_(None))
    total = db.scalar(select(func.count()).select_from(Case).where(where)) or 0
    every = -(-total // MAX_DOCUMENTS)  # a sample spread over the whole period, the same each time
    if every > 1:
        where = and_(where, Case.id % every == 0)
    rows = db.execute(select(Case.reference, Contact.text).join(Contact, Contact.id == Case.contact_id)
                      .where(where).order_by(Case.id).limit(MAX_DOCUMENTS)).all()
    return find_themes(sorted((ref, text) for ref, text in rows), max_themes)
