"""The d/m/yyyy date reader: table of edge cases plus properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetcheck.dates import EARLIEST, format_dmy, parse_dmy


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1/3/2025", dt.date(2025, 3, 1)),
        ("01/03/2025", dt.date(2025, 3, 1)),
        ("1/03/2025", dt.date(2025, 3, 1)),
        ("01/3/2025", dt.date(2025, 3, 1)),
        (" 1/3/2025 ", dt.date(2025, 3, 1)),
        ("29/2/2024", dt.date(2024, 2, 29)),
        ("29/2/2000", dt.date(2000, 2, 29)),
        ("1/1/1970", dt.date(1970, 1, 1)),
        ("31/12/9999", dt.date(9999, 12, 31)),
        (dt.datetime(2025, 3, 1, 0, 0), dt.date(2025, 3, 1)),
        (dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
    ],
)
def test_accepted(value: object, expected: dt.date) -> None:
    """Real dates and d/m/yyyy text with or without zero padding."""
    assert parse_dmy(value).date == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("29/2/2025", "not a real date"),
        ("29/2/1900", "not a real date"),
        ("31/4/2025", "not a real date"),
        ("0/1/2025", "not a real date"),
        ("31/12/1969", "before 1/1/1970"),
        (dt.date(1969, 12, 31), "before 1/1/1970"),
        ("1/3/25", "two-digit year"),
        ("2025-03-01", "year-month-day"),
        ("2025-03-01T10:00:00", "time of day"),
        ("1/3/2025 10:00", "time of day"),
        ("1/3/2025 10:00 PM", "time of day"),
        (dt.datetime(2025, 3, 1, 0, 0, 1), "time of day"),
        (dt.time(9, 0), "time of day"),
        ("1-3-2025", "separator"),
        ("1.3.2025", "separator"),
        ("12/13/2025", "month/day/year"),
        ("tomorrow", "not a date"),
        (3.5, "number"),
        (True, "TRUE/FALSE"),
    ],
)
def test_rejected_with_reason(value: object, reason: str) -> None:
    """Each rejection says why in words a user understands."""
    verdict = parse_dmy(value)
    assert verdict.date is None
    assert reason in verdict.reason


@given(st.dates(min_value=EARLIEST))
def test_every_date_round_trips_through_text(day: dt.date) -> None:
    """format_dmy and parse_dmy agree on every date from 1970 on, padded or not."""
    assert parse_dmy(format_dmy(day)).date == day
    assert parse_dmy(f"{day.day:02d}/{day.month:02d}/{day.year}").date == day


@given(st.dates(max_value=EARLIEST - dt.timedelta(days=1), min_value=dt.date(1000, 1, 1)))
def test_dates_before_1970_are_rejected(day: dt.date) -> None:
    assert parse_dmy(format_dmy(day)).date is None


@given(st.text(max_size=40))
def test_any_text_gives_a_verdict_never_an_exception(text: str) -> None:
    """Arbitrary text: a date or a reason; a suggestion is itself valid d/m/yyyy."""
    verdict = parse_dmy(text)
    assert verdict.ok or verdict.reason
    if verdict.suggestion:
        assert parse_dmy(verdict.suggestion).ok


@given(st.datetimes(min_value=dt.datetime(1970, 1, 1)))
def test_datetimes_pass_only_at_midnight(moment: dt.datetime) -> None:
    assert parse_dmy(moment).ok == (moment.time() == dt.time(0, 0))
