"""Which of many regular expressions could match a text, from one multi-string scan.

Python's regex engine tries every rule at every position of the text, so forty rules cost
forty scans even when none of them match, which is the usual case. Each rule here is read
once, at import, for words that any match of it must contain: every branch of
`\\b(?:appeal\\w*|challeng\\w*|...)` starts with a fixed string, so a text holding none of
them cannot match. All those strings go into one Aho-Corasick automaton
(ahocorasick-rs); one scan of a contact tells which rules could match, and only those
are run. A rule is skipped only when it provably cannot match, so the results are exactly
those of running every rule; a rule whose matches need no fixed string is always run.

Strings are compared on the text with each run of non-word characters made one space and
every digit made 0. So a string that a `\\b` must precede or follow is required with a
space there ("ty" in the thanks rule must be a whole word, not the end of "city"), and
`\\d{8}` is the fixed string 00000000.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parse tree of a pattern: stable across 3.11-3.13
import re._parser as sre_parse
from collections.abc import Iterable, Sequence
from typing import Any

import ahocorasick_rs

_NON_WORD = re.compile(r"\W+")  # the same `\w` as a rule's `\b` uses (Unicode, str patterns)
_DIGIT = re.compile(r"\d")  # likewise the same `\d`
_UNSUPPORTED_FLAGS = re.IGNORECASE | re.ASCII | re.LOCALE
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_MAX_STRINGS = 64  # the most strings one fixed run of a pattern is expanded into
_MAX_REPEAT = 8  # `x{2}` and `x{1,8}` are expanded; `x+` and `x{9,}` are not

Items = Sequence[tuple[Any, Any]]  # a parsed pattern: (opcode, argument) pairs

Need = frozenset[str]  # a match contains at least one of these (normalised) strings


# For ASCII text `\w` is [A-Za-z0-9_] and `\d` is [0-9]: a translation table and a split
# give the same result as the regular expressions, several times faster.
_ASCII = str.maketrans({chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}
                       | {digit: "0" for digit in "123456789"})


def normalise(text: str) -> str:
    """`text` as the prefilter reads it: a space either side, every run of non-word
    characters one space, and every digit 0 (so `\\d{8}` is the fixed string 00000000)."""
    if text.isascii():
        return " ".join(("", *text.translate(_ASCII).split(), ""))
    return _NON_WORD.sub(" ", _DIGIT.sub("0", f" {text} "))


def _is_word(char: str) -> bool:
    return not _NON_WORD.fullmatch(char)


def _product(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > _MAX_STRINGS:
        return None
    return frozenset(a + b for a in left for b in right)


def _exact(op: Any, arg: Any) -> frozenset[str] | None:
    """Every string this one part of a pattern can match, when they are few and fixed:
    `pcns?` is {"pcn", "pcns"}; `\\w*` is not fixed."""
    if op is sre.LITERAL:
        return frozenset({chr(arg)})
    if op is sre.IN:
        if arg == [(sre.CATEGORY, sre.CATEGORY_DIGIT)]:
            return frozenset({"0"})  # any digit, as normalised text has it
        if len(arg) <= _MAX_STRINGS and all(kind is sre.LITERAL for kind, _ in arg):
            return frozenset(chr(code) for _, code in arg)
        return None
    if op is sre.BRANCH:
        union: set[str] = set()
        for alternative in arg[1]:
            strings = _exact_sequence(alternative)
            if strings is None or len(union | strings) > _MAX_STRINGS:
                return None
            union |= strings
        return frozenset(union)
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, inner = arg
        return None if add_flags & _UNSUPPORTED_FLAGS else _exact_sequence(inner)
    if op in _REPEATS:
        low, high, inner = arg
        strings = _exact_sequence(inner) if high <= _MAX_REPEAT else None
        if strings is None:
            return None
        repeated: set[str] = set()
        power: frozenset[str] | None = frozenset({""})
        for count in range(high + 1):  # every count from low to high: `\\d{1,2}` is {"0", "00"}
            if power is None or len(repeated) > _MAX_STRINGS:
                return None
            if count >= low:
                repeated |= power
            power = _product(power, strings)
        return frozenset(repeated) if len(repeated) <= _MAX_STRINGS else None
    return None  # classes, lookarounds, anchors, back-references: not a fixed string


def _exact_sequence(items: Items) -> frozenset[str] | None:
    strings: frozenset[str] | None = frozenset({""})
    for op, arg in items:
        piece = _exact(op, arg)
        strings = None if piece is None or strings is None else _product(strings, piece)
        if strings is None:
            return None
    return strings


def _anchored(strings: frozenset[str], after_boundary: bool, before_boundary: bool) -> Need:
    """The strings as they appear in a normalised text. A `\\b` before a word character
    means a non-word character (or the start) precedes it, so a space in normalised text;
    likewise after."""
    anchored = set()
    for text in strings:
        if text and after_boundary and _is_word(text[0]):
            text = " " + text
        if text and before_boundary and _is_word(text[-1]):
            text += " "
        anchored.add(_NON_WORD.sub(" ", _DIGIT.sub("0", text)))
    return frozenset(anchored)


def _quality(need: Need) -> tuple[int, int]:
    """Longer and fewer strings rule out more texts."""
    return min(map(len, need)), -len(need)


_BOUNDARY = (sre.AT, sre.AT_BOUNDARY)


def _sequence(items: Items, after_boundary: bool, before_boundary: bool) -> Need | None:
    """What any match of this sequence must contain, or None. Each part must match, so
    each part's requirement holds: runs of consecutive fixed parts give sets of whole
    strings ("toddler could ", "child could ", ...); other parts give their own
    requirement. The most selective one is kept."""
    best: Need | None = None

    def consider(need: Need | None) -> None:
        nonlocal best
        if need and all(need) and (best is None or _quality(need) > _quality(best)):
            best = need

    run: frozenset[str] | None = None  # the strings the current run of fixed parts can match
    run_after_boundary = False
    previous_boundary = after_boundary
    for index, (op, arg) in enumerate(items):
        next_boundary = items[index + 1] == _BOUNDARY if index + 1 < len(items) else before_boundary
        piece = _exact(op, arg)
        if piece is not None:
            joined = None if run is None else _product(run, piece)
            if joined is not None:
                run = joined
            else:
                if run is not None:  # too many strings: close the run, start another here
                    consider(_anchored(run, run_after_boundary, False))
                run, run_after_boundary = piece, previous_boundary and run is None
            previous_boundary = False
            continue
        if run is not None:
            consider(_anchored(run, run_after_boundary, (op, arg) == _BOUNDARY))
            run = None
        if op is sre.BRANCH:
            consider(_branch(arg[1], previous_boundary, next_boundary))
        elif op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, inner = arg
            if not add_flags & _UNSUPPORTED_FLAGS:
                consider(_sequence(inner, previous_boundary, next_boundary))
        elif op in _REPEATS:
            low, high, inner = arg
            if low >= 1:  # one repetition at least; only a single one sits between the same neighbours
                single = high == 1
                consider(_sequence(inner, previous_boundary and single, next_boundary and single))
        # Anything else (classes, lookarounds, anchors, back-references) requires nothing.
        previous_boundary = (op, arg) == _BOUNDARY
    if run is not None:
        consider(_anchored(run, run_after_boundary, before_boundary))
    return best


def _branch(alternatives: Iterable[Items], after_boundary: bool, before_boundary: bool) -> Need | None:
    """A match of an alternation matches one alternative: it needs one of their requirements."""
    union: set[str] = set()
    for alternative in alternatives:
        need = _sequence(alternative, after_boundary, before_boundary)
        if need is None:
            return None
        union |= need
    return frozenset(union)


def required(pattern: re.Pattern[str]) -> Need | None:
    """Strings one of which `normalise(text)` contains whenever `pattern.search(text)`
    matches, or None when the pattern needs no fixed string (or uses flags this does not
    read, such as case-insensitivity)."""
    if not isinstance(pattern.pattern, str) or pattern.flags & _UNSUPPORTED_FLAGS:
        return None
    return _sequence(list(sre_parse.parse(pattern.pattern, pattern.flags)), False, False)


class Prefilter:
    """One scan of a text for the fixed strings of many patterns. The patterns must live
    as long as this (they are module constants), since they are known by identity."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        owners: dict[str, set[int]] = {}
        always: set[int] = set()
        self._patterns = tuple(patterns)  # keeps them, and so their ids, alive
        for pattern in self._patterns:
            need = required(pattern)
            if need is None:
                always.add(id(pattern))
                continue
            for string in need:
                owners.setdefault(string, set()).add(id(pattern))
        self._always = frozenset(always)
        strings = sorted(owners)
        self._owners = [frozenset(owners[s]) for s in strings]
        self._automaton = ahocorasick_rs.AhoCorasick(strings, matchkind=ahocorasick_rs.MatchKind.Standard) if strings else None

    def possible(self, text: str) -> frozenset[int]:
        """The `id()`s of the patterns that could match `text`; every other one certainly
        does not. (By identity, because hashing a compiled pattern hashes its whole
        program, which costs more than many searches.)"""
        ids = set(self._always)
        if self._automaton is None:
            return frozenset(ids)
        found = self._automaton.find_matches_as_indexes(normalise(text), overlapping=True)
        for index in {index for index, _start, _end in found}:
            ids |= self._owners[index]
        return frozenset(ids)
