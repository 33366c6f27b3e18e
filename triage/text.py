"""What the classifier reads: a bounded, cleaned text."""

from __future__ import annotations

import re
import unicodedata

# Only the first MAX_CHARS characters of subject and text are read: complaints state
# their point early, and a 1 MB paste must cost no more than a long letter.
MAX_CHARS = 5000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z]{2,}")


def readable(subject: str | None, text: str) -> str:
    """Subject and text, bounded, without control characters, whitespace collapsed."""
    combined = f"{subject}\n{text}" if subject else text
    combined = unicodedata.normalize("NFKC", combined[: MAX_CHARS * 2])[:MAX_CHARS]
    return _SPACE.sub(" ", _CONTROL.sub(" ", combined)).strip()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
