"""Dates and durations in a contact, resolved against when it was received, for the
12-month time limit on complaints.

Every mention is read as the *latest* date it could mean ("in 2024" is read as 31 December
2024), so a contact is only ever called out of time when every reading of it is. The
most recent mention wins: "it started in 2022 and happened again last week" is in time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date

MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name} | {
    name: i for i, name in enumerate(calendar.month_abbr) if name
} | {"sept": 9}
MONTHS = {k.lower(): v for k, v in MONTHS.items()}
SEASON_END = {"winter": (2, 28), "spring": (5, 31), "summer": (8, 31), "autumn": (11, 30), "fall": (11, 30)}
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "several": 3, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3,
}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
SPOKEN_UNITS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
                **_UNITS, **{f"twenty {word}": 20 + n for word, n in _UNITS.items()}}

_month = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_spoken_year = r"(?:twenty|two thousand(?: and)?) (?P<spoken>" + "|".join(sorted(SPOKEN_UNITS, key=len, reverse=True)) + r")"
_year = rf"(?:(?P<year>(?:19|20)\d\d)|{_spoken_year})"
_count = r"(?P<count>\d+|" + "|".join(sorted((re.escape(k) for k in NUMBERS), key=len, reverse=True)) + r")"

_DIGITS = tuple("0123456789")
_YEARS = (*_DIGITS, "twenty", "thousand")
_SEASONS = ("winter", "spring", "summer", "autumn", "fall")
# (kind, pattern, words one of which must be in the text for the pattern to be tried at all):
# a substring test costs a fraction of a regular-expression scan, and most contacts name no date.
PATTERNS: list[tuple[str, re.Pattern[str], tuple[str, ...] | None]] = [
    ("day_month_year", re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?: of)? {_month},? {_year}\b"), _DIGITS),
    ("month_year", re.compile(rf"\b{_month}(?: of)?,? {_year}\b"), _YEARS),
    ("season_year", re.compile(rf"\b(?P<season>winter|spring|summer|autumn|fall)(?: of)? {_year}\b"), _SEASONS),
    ("season_last_year", re.compile(r"\b(?P<season>winter|spring|summer|autumn|fall) (?:of )?last year\b"), ("last year",)),
    ("numeric", re.compile(r"\b(?P<day>\d{1,2})[/.](?P<nmonth>\d{1,2})[/.](?P<year>(?:20)?\d\d)\b"), _DIGITS),
    ("iso", re.compile(r"\b(?P<year>20\d\d)-(?P<nmonth>\d\d)-(?P<day>\d\d)\b"), _DIGITS),
    ("years_ago", re.compile(rf"\b(?:over |more than |about |around |nearly |almost |some )?{_count} years? ago\b"), ("year ago", "years ago")),
    ("months_ago", re.compile(rf"\b(?:over |more than |about |around |nearly |almost |some )?{_count} months? ago\b"), ("month ago", "months ago")),
    ("over_a_year", re.compile(r"\b(?:over|more than) (?:a|one) year ago\b"), ("year ago",)),
    ("last_year", re.compile(r"\blast year\b"), ("last year",)),
    ("recent", re.compile(
        r"\b(?:yesterday|today|tonight|this (?:morning|afternoon|evening|week|month)|last (?:night|week|weekend|month|"
        r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(?:\d+|a few|few|couple of|two|three) (?:days|weeks) ago|"
        r"recently|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|again (?:this|last) (?:week|month))\b"), None),
    ("year", re.compile(rf"\b(?:in|since|from|during|back in|early|late|mid|of|around) {_year}\b"), _YEARS),
]

GOOD_REASON = re.compile(
    r"\b(?:in(?:to)? hospital|was (?:very |seriously |too )?(?:ill|unwell|poorly|sick)|illness|incapacit\w*|stroke|"
    r"cancer|chemo\w*|bereave\w*|passed away|sectioned|only (?:just |recently )?(?:found|discovered|realised|realized|learn[te]d?|became aware|come to light|came to light|got)|"
    r"just (?:found out|discovered|realised|realized|learn[te]d)|(?:found|find) out (?:only )?(?:last|this) (?:week|month)|"
    r"new (?:information|evidence|documents?)|came to light|come to light|didn'?t know (?:until|till)|wasn'?t aware (?:until|till)|"
    r"(?:abroad|away) caring|went to (?:my |our )?old address|subject access request (?:showed|revealed))",
)

LIMIT_DAYS = 365


@dataclass(frozen=True)
class DateMention:
    text: str
    latest: date  # the latest date the words could mean

    def age_days(self, received: date) -> int:
        return (received - self.latest).days


@dataclass(frozen=True)
class TimeLimit:
    mentions: tuple[DateMention, ...]
    most_recent: DateMention | None
    age_days: int | None  # of the most recent mention, at receipt
    good_reason: str | None

    @property
    def over_limit(self) -> bool:
        return self.age_days is not None and self.age_days > LIMIT_DAYS

    @property
    def out_of_time(self) -> bool:
        """Over 12 months old with no good reason given for the delay."""
        return self.over_limit and self.good_reason is None

    @property
    def within_limit(self) -> bool:
        return self.age_days is not None and self.age_days <= LIMIT_DAYS


def _year(match: re.Match[str], received: date) -> int | None:
    groups = match.groupdict()
    if groups.get("year"):
        year = int(groups["year"])
        return year + 2000 if year < 100 else year
    if groups.get("spoken"):
        return 2000 + SPOKEN_UNITS[" ".join(groups["spoken"].lower().split())]
    return None


def _count(text: str) -> int:
    text = text.lower()
    return int(text) if text.isdigit() else NUMBERS.get(text, 1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _minus_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _resolve(kind: str, match: re.Match[str], received: date) -> date | None:
    g = match.groupdict()
    try:
        if kind in ("day_month_year",):
            year = _year(match, received)
            return date(year, MONTHS[g["month"].lower().rstrip(".")], int(g["day"])) if year else None
        if kind == "month_year":
            year = _year(match, received)
            return _month_end(year, MONTHS[g["month"].lower().rstrip(".")]) if year else None
        if kind == "season_year":
            year = _year(match, received)
            month, day = SEASON_END[g["season"].lower()]
            return date(year, month, day) if year else None
        if kind == "season_last_year":
            month, day = SEASON_END[g["season"].lower()]
            return date(received.year - 1, month, day)
        if kind in ("numeric", "iso"):
            year = _year(match, received)
            return date(year, int(g["nmonth"]), int(g["day"])) if year else None  # UK order: day/month
        if kind == "years_ago":
            return _minus_months(received, 12 * _count(g["count"]))
        if kind == "months_ago":
            return _minus_months(received, _count(g["count"]))
        if kind == "over_a_year":
            return _minus_months(received, 12) - _one_day
        if kind == "recent":
            return received
        if kind == "last_year":
            return date(received.year - 1, 12, 31)
        if kind == "year":
            year = _year(match, received)
            return date(year, 12, 31) if year else None
    except (ValueError, KeyError):
        return None
    return None


_one_day = date(2000, 1, 2) - date(2000, 1, 1)


def read_time_limit(text: str, received: date, possible: Container[int] | None = None) -> TimeLimit:
    """Read the dates in `text`, which must be lower-cased, against the date received.
    Given `possible` (`Prefilter.possible`: pattern ids), patterns not in it are skipped:
    they cannot match."""
    mentions: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, needs in PATTERNS:  # more specific patterns first; later ones skip their spans
        if possible is not None and id(pattern) not in possible:
            continue
        if needs is not None and not any(word in text for word in needs):
            continue
        for match in pattern.finditer(text):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            resolved = _resolve(kind, match, received)
            if resolved is None or resolved > received:
                continue
            taken.append(span)
            mentions.append(DateMention(match.group(0), resolved))
    most_recent = max(mentions, key=lambda m: m.latest, default=None)
    reason = GOOD_REASON.search(text) if possible is None or id(GOOD_REASON) in possible else None
    return TimeLimit(
        mentions=tuple(mentions),
        most_recent=most_recent,
        age_days=most_recent.age_days(received) if most_recent else None,
        good_reason=reason.group(0) if reason else None,
    )
