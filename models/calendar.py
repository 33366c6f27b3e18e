"""Working days in England and Wales: weekends, bank holidays and a council's closure days.

Bank holidays come from `govuk-bank-holidays` with its bundled GOV.UK data
(`use_cached_holidays=True`: never a network call) and always with the England and Wales
division named, since without one only the holidays common to every UK nation are used and
Easter Monday and the August bank holiday silently disappear.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

from govuk_bank_holidays.bank_holidays import BankHolidays

DIVISION = BankHolidays.ENGLAND_AND_WALES
WEEKEND = (5, 6)  # Saturday, Sunday


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    data = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in data.get_holidays(division=DIVISION))


def last_covered_year() -> int:
    """The last year the bundled bank-holiday data covers; a test warns before it runs out."""
    return max(bank_holidays()).year


class WorkingCalendar:
    """Working-day arithmetic for one council: bank holidays plus its own closure days."""

    def __init__(self, closures: Iterable[date] = ()) -> None:
        self.closed = bank_holidays() | frozenset(closures)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in WEEKEND and day not in self.closed

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself is day 0, whatever it is).

        "Within 5 working days of receipt" for a contact received on `start` means by
        `add_working_days(start, 5)`.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def subtract_working_days(self, end: date, days: int) -> date:
        """The working day `days` working days before `end`: when to remind an owner ahead of
        a deadline. For a working day `end`, adding `days` back gives `end` again."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = end
        counted = 0
        while counted < days:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall after `start` up to and including `end` (0 if `end` is
        not after `start`): how late a response was, or how long a stage took."""
        if end <= start:
            return 0
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))
