"""The period a report covers: [start, end) in UK dates, and its bounds as UTC instants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from models.policy import UK, add_months

MAX_DAYS = 366 * 5  # a report over more than five years is a mistake, not a question
EARLIEST = date(2000, 1, 1)


class PeriodError(ValueError):
    """A period that cannot be reported on; the message says why, in words for the page,
    and `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "period") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    start: date  # the first day reported
    end: date  # the day after the last day reported
    label: str

    def __post_init__(self) -> None:
        if self.start < EARLIEST or self.end > date(2100, 1, 1):
            raise PeriodError("The dates must be between 2000 and 2099")
        if self.end <= self.start:
            raise PeriodError("The end date must be the same as or after the start date")
        if (self.end - self.start).days > MAX_DAYS:
            raise PeriodError("A report can cover at most five years")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_utc(self) -> datetime:
        return _uk_midnight(self.start)

    @property
    def end_utc(self) -> datetime:
        return _uk_midnight(self.end)

    def months(self) -> list[str]:
        """Every month the period touches, 'YYYY-MM', so a trend shows empty months too."""
        found, day = [], self.start.replace(day=1)
        while day < self.end:
            found.append(f"{day:%Y-%m}")
            day = add_months(day, 1)
        return found


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(timezone.utc)


def custom(first_day: date, last_day: date) -> Period:
    """From `first_day` to `last_day`, both included."""
    return Period(first_day, last_day + timedelta(days=1),
                  f"{first_day:%-d %B %Y} to {last_day:%-d %B %Y}")


def month(year: int, number: int) -> Period:
    if not 1 <= number <= 12:
        raise PeriodError("Choose a month from the list", "month")
    start = date(_year(year), number, 1)
    return Period(start, add_months(start, 1), f"{start:%B %Y}")


def financial_year(year: int) -> Period:
    """Councils report by financial year: 1 April `year` to 31 March the year after."""
    start = date(_year(year), 4, 1)
    return Period(start, date(start.year + 1, 4, 1), f"{year} to {year + 1} (1 April to 31 March)")


def quarter(year: int, number: int) -> Period:
    """Quarter 1 of financial year `year` is April to June `year`; quarter 4 is January to
    March the year after."""
    if not 1 <= number <= 4:
        raise PeriodError("Choose a quarter from the list", "quarter")
    start = add_months(date(_year(year), 4, 1), 3 * (number - 1))
    return Period(start, add_months(start, 3),
                  f"Quarter {number} of {year} to {year + 1} ({start:%B} to {add_months(start, 2):%B %Y})")


def _year(year: int) -> int:
    if not 2000 <= year <= 2098:
        raise PeriodError("Enter a year between 2000 and 2098", "year")
    return year


KINDS = ("month", "quarter", "year", "custom")


def _number(fields: Mapping[str, str], name: str, message: str) -> int:
    value = (fields.get(name) or "").strip()
    if not value.isdigit() or len(value) > 4:
        raise PeriodError(message, name)
    return int(value)


def _day(fields: Mapping[str, str], prefix: str, words: str) -> date:
    parts = [(fields.get(f"{prefix}-{part}") or "").strip() for part in ("day", "month", "year")]
    if not all(parts):
        raise PeriodError(f"Enter the {words} date, with a day, month and year", prefix)
    if not all(p.isdigit() and len(p) <= 4 for p in parts):
        raise PeriodError(f"The {words} date must be a real date, in numbers", prefix)
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise PeriodError(f"The {words} date must be a real date", prefix) from None


def parse(fields: Mapping[str, str]) -> Period:
    """A period from the report form's fields (`period` is month, quarter, year or custom)."""
    kind = fields.get("period")
    if kind not in KINDS:
        raise PeriodError("Choose the period to report on", "period")
    if kind == "custom":
        first, last = _day(fields, "from", "start"), _day(fields, "to", "end")
        if not (EARLIEST <= first and last < date(2099, 1, 1)):
            raise PeriodError("The dates must be between 2000 and 2098", "from")
        if last < first:
            raise PeriodError("The end date must be the same as or after the start date", "to")
        return custom(first, last)
    year = _number(fields, "year", "Enter the year as a number, like 2026")
    if kind == "year":
        return financial_year(year)
    if kind == "month":
        return month(year, _number(fields, "month", "Choose a month from the list"))
    return quarter(year, _number(fields, "quarter", "Choose a quarter from the list"))
