"""Working days in England and Wales, checked by hand and by property."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.calendar import WorkingCalendar, bank_holidays, last_covered_year

CALENDAR = WorkingCalendar()
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 11, 30))


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Christmas 2026: Fri 25 and Mon 28 Dec (Boxing Day substitute), Fri 1 Jan 2027.
        (date(2026, 12, 23), 5, date(2027, 1, 4)),
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        # Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr.
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 3, 30), 10, date(2026, 4, 15)),
        # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar.
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        # Christmas 2027: Mon 27 and Tue 28 Dec are the substitute days.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        # A Saturday receipt: day one is Monday.
        (date(2026, 11, 21), 5, date(2026, 11, 27)),
        (date(2026, 11, 18), 0, date(2026, 11, 18)),
    ],
)
def test_hand_checked_dates(start: date, days: int, expected: date):
    assert CALENDAR.add_working_days(start, days) == expected


def test_england_and_wales_holidays_include_easter_monday_and_august():
    holidays = bank_holidays()
    assert date(2026, 4, 6) in holidays and date(2026, 8, 31) in holidays
    assert date(2026, 1, 2) not in holidays  # a Scottish holiday only


def test_bundled_data_covers_next_year():
    """Fails when the bank-holiday data runs out: update govuk-bank-holidays."""
    assert last_covered_year() >= date.today().year + 1


def test_closure_days_are_not_working_days():
    calendar = WorkingCalendar([date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)])
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2027, 1, 4)


@given(DAYS, st.integers(min_value=1, max_value=60))
def test_adding_working_days_lands_on_a_working_day(start: date, days: int):
    result = CALENDAR.add_working_days(start, days)
    assert result.weekday() < 5 and result not in bank_holidays()
    assert CALENDAR.working_days_between(start, result) == days


@given(DAYS, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_adding_is_monotonic_and_additive(start: date, a: int, b: int):
    low, high = sorted((a, b))
    assert CALENDAR.add_working_days(start, low) <= CALENDAR.add_working_days(start, high)
    assert CALENDAR.add_working_days(CALENDAR.add_working_days(start, a), b) >= CALENDAR.add_working_days(start, a + b) - timedelta(days=0)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2026, 1, 5), -1)
