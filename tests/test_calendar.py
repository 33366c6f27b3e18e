"""Working days in England and Wales, checked by hand and by property."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.calendar import WorkingCalendar, bank_holidays, last_covered_year

CALENDAR = WorkingCalendar()
# Starts that keep every result inside the years the bundled bank-holiday data covers.
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 6, 30))
COUNTS = st.integers(min_value=0, max_value=60)
# Closure days near the dates under test (within about four months), so that they matter.
OFFSETS = st.frozensets(st.integers(min_value=-10, max_value=120), max_size=40)


def closures_near(day: date, offsets: frozenset[int]) -> frozenset[date]:
    return frozenset(day + timedelta(days=n) for n in offsets)


def test_the_bundled_data_has_the_holidays_the_table_assumes():
    """Checked against govuk-bank-holidays' bundled GOV.UK data before the table was trusted."""
    holidays = bank_holidays()
    christmas_2026 = {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)}  # Boxing Day falls on a Saturday
    easter_2027 = {date(2027, 3, 26), date(2027, 3, 29)}
    christmas_2027 = {date(2027, 12, 27), date(2027, 12, 28), date(2028, 1, 3)}  # all three substitutes
    assert christmas_2026 | easter_2027 | christmas_2027 <= holidays
    assert date(2026, 12, 26) not in holidays and date(2027, 12, 25) not in holidays  # the weekend days themselves
    assert {h for h in holidays if date(2026, 12, 1) <= h <= date(2027, 4, 30)} == christmas_2026 | easter_2027


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Christmas 2026: Fri 25 and Mon 28 Dec (Boxing Day substitute), Fri 1 Jan 2027.
        (date(2026, 12, 22), 5, date(2026, 12, 31)),
        (date(2026, 12, 23), 5, date(2027, 1, 4)),
        (date(2026, 12, 23), 10, date(2027, 1, 11)),
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 24), 3, date(2026, 12, 31)),
        (date(2026, 12, 25), 5, date(2027, 1, 5)),  # received on Christmas Day
        (date(2026, 12, 26), 1, date(2026, 12, 29)),  # a Saturday, before the Monday holiday
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        (date(2026, 12, 31), 10, date(2027, 1, 15)),
        (date(2026, 12, 21), 20, date(2027, 1, 21)),
        # Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr.
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 3, 30), 10, date(2026, 4, 15)),
        # Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar.
        (date(2027, 3, 22), 10, date(2027, 4, 7)),
        (date(2027, 3, 24), 5, date(2027, 4, 2)),
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 3, 25), 3, date(2027, 4, 1)),
        (date(2027, 3, 25), 20, date(2027, 4, 26)),
        (date(2027, 3, 26), 1, date(2027, 3, 30)),  # received on Good Friday
        (date(2027, 3, 27), 5, date(2027, 4, 5)),  # the Saturday between
        # Christmas 2027: Mon 27 and Tue 28 Dec are the substitute days, Mon 3 Jan 2028 too.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        (date(2027, 12, 23), 5, date(2028, 1, 4)),
        # A Saturday receipt: day one is Monday.
        (date(2026, 11, 21), 5, date(2026, 11, 27)),
        (date(2026, 11, 18), 0, date(2026, 11, 18)),
    ],
)
def test_hand_checked_dates(start: date, days: int, expected: date):
    assert CALENDAR.add_working_days(start, days) == expected
    if days:
        assert CALENDAR.working_days_between(start, expected) == days
        assert CALENDAR.subtract_working_days(expected, days) <= start


@pytest.mark.parametrize(
    ("end", "days", "expected"),
    [
        (date(2027, 1, 4), 1, date(2026, 12, 31)),
        (date(2026, 12, 29), 1, date(2026, 12, 24)),
        (date(2027, 1, 5), 5, date(2026, 12, 24)),
        (date(2027, 3, 30), 1, date(2027, 3, 25)),
        (date(2027, 4, 5), 5, date(2027, 3, 25)),
        (date(2027, 3, 29), 0, date(2027, 3, 29)),
    ],
)
def test_hand_checked_reminder_dates(end: date, days: int, expected: date):
    assert CALENDAR.subtract_working_days(end, days) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 12, 24), date(2027, 1, 4), 4),  # 29, 30, 31 Dec and 4 Jan
        (date(2027, 3, 25), date(2027, 3, 30), 1),
        (date(2026, 12, 25), date(2026, 12, 28), 0),
        (date(2027, 1, 4), date(2026, 12, 24), 0),  # backwards counts nothing
    ],
)
def test_hand_checked_counts(start: date, end: date, expected: int):
    assert CALENDAR.working_days_between(start, end) == expected


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
    assert calendar.subtract_working_days(date(2027, 1, 4), 1) == date(2026, 12, 24)
    assert calendar.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 1


def _is_closed(day: date, closures: frozenset[date]) -> bool:
    """The oracle, worked out apart from the calendar under test."""
    return day.weekday() >= 5 or day in bank_holidays() or day in closures


@given(DAYS, st.integers(min_value=1, max_value=60), OFFSETS)
def test_adding_working_days_never_lands_on_a_weekend_holiday_or_closure(start: date, days: int, offsets: frozenset[int]):
    closures = closures_near(start, offsets)
    calendar = WorkingCalendar(closures)
    result = calendar.add_working_days(start, days)
    assert not _is_closed(result, closures)
    assert calendar.working_days_between(start, result) == days


@given(DAYS, COUNTS, COUNTS, OFFSETS)
def test_adding_is_monotonic_in_the_days_and_additive(start: date, a: int, b: int, offsets: frozenset[int]):
    calendar = WorkingCalendar(closures_near(start, offsets))
    low, high = sorted((a, b))
    assert calendar.add_working_days(start, low) <= calendar.add_working_days(start, high)
    if low < high:
        assert calendar.add_working_days(start, low) < calendar.add_working_days(start, high)
    assert calendar.add_working_days(calendar.add_working_days(start, a), b) == calendar.add_working_days(start, a + b)


@given(DAYS, st.integers(min_value=0, max_value=30), COUNTS, OFFSETS)
def test_adding_is_monotonic_in_the_start(start: date, later_by: int, days: int, offsets: frozenset[int]):
    calendar = WorkingCalendar(closures_near(start, offsets))
    early, late = start, start + timedelta(days=later_by)
    assert calendar.add_working_days(early, days) <= calendar.add_working_days(late, days)


@given(DAYS, st.integers(min_value=0, max_value=120), OFFSETS)
def test_counting_between_two_dates_agrees_with_adding(start: date, apart: int, offsets: frozenset[int]):
    """`working_days_between(a, b)` is the most working days that can be added to `a`
    without passing `b`, and exactly reaches `b` when `b` is a working day."""
    calendar = WorkingCalendar(closures_near(start, offsets))
    end = start + timedelta(days=apart)
    count = calendar.working_days_between(start, end)
    assert calendar.add_working_days(start, count) <= end < calendar.add_working_days(start, count + 1)
    if end > start and calendar.is_working_day(end):
        assert calendar.add_working_days(start, count) == end


@given(DAYS, st.integers(min_value=1, max_value=60), OFFSETS)
def test_subtracting_undoes_adding(end: date, days: int, offsets: frozenset[int]):
    closures = frozenset(end - timedelta(days=n) for n in offsets)
    calendar = WorkingCalendar(closures)
    earlier = calendar.subtract_working_days(end, days)
    assert not _is_closed(earlier, closures)
    # Counted back from a closed day, the first working day before it is already one.
    assert calendar.working_days_between(earlier, end) == (days if calendar.is_working_day(end) else days - 1)
    if calendar.is_working_day(end):
        assert calendar.add_working_days(earlier, days) == end
    else:
        assert calendar.add_working_days(earlier, days) > end


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        CALENDAR.subtract_working_days(date(2026, 1, 5), -1)
