"""The d/m/yyyy date reader: table of edge cases plus properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetcheck.dates import DMY, EARLIEST, DateFormat, format_dmy, parse_dmy
from sheetcheck.errors import PackError
from sheetcheck.packs import bundled_pack_names, compile_pack, load_pack


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


# --------------------------------------------------------------------------- other formats

PATTERNS = ["d/m/yyyy", "m/d/yyyy", "yyyy-mm-dd", "dd.mm.yyyy", "yyyy/m/d", "mm-dd-yyyy"]


@pytest.mark.parametrize(
    ("pattern", "day", "text"),
    [
        ("d/m/yyyy", dt.date(2025, 3, 1), "1/3/2025"),
        ("m/d/yyyy", dt.date(2025, 3, 1), "3/1/2025"),
        ("yyyy-mm-dd", dt.date(2025, 3, 1), "2025-03-01"),
        ("dd.mm.yyyy", dt.date(2025, 3, 1), "01.03.2025"),
        ("yyyy/m/d", dt.date(2025, 12, 9), "2025/12/9"),
        ("mm-dd-yyyy", dt.date(1999, 1, 2), "01-02-1999"),
    ],
)
def test_format_writes_the_pattern(pattern: str, day: dt.date, text: str) -> None:
    assert DateFormat.from_pattern(pattern).format(day) == text


@pytest.mark.parametrize(
    ("pattern", "value", "expected", "reason", "suggestion"),
    [
        ("yyyy-mm-dd", "2025-03-01", dt.date(2025, 3, 1), "", ""),
        ("yyyy-mm-dd", " 2024-02-29 ", dt.date(2024, 2, 29), "", ""),
        ("yyyy-mm-dd", "2025-3-1", None, "needs a two-digit day and month", "2025-03-01"),
        ("yyyy-mm-dd", "2025-02-29", None, "not a real date", ""),
        ("yyyy-mm-dd", "1969-12-31", None, "before 1970-01-01", ""),
        ("yyyy-mm-dd", "13/3/2025", None, "year last; the target reads yyyy-mm-dd", "2025-03-13"),
        ("yyyy-mm-dd", "3/13/2025", None, "year last", "2025-03-13"),
        ("yyyy-mm-dd", "1/3/2025", None, "year last", ""),  # which is the day? no guess
        ("yyyy-mm-dd", "2025/03/01", None, "use hyphens (yyyy-mm-dd)", "2025-03-01"),
        ("yyyy-mm-dd", "2025-03-01T10:00", None, "time of day", "2025-03-01"),
        ("yyyy-mm-dd", 45717, None, "Excel date serial", "2025-03-01"),
        ("yyyy-mm-dd", "March 1, 2025", None, "not a date in yyyy-mm-dd", "2025-03-01"),
        ("m/d/yyyy", "3/1/2025", dt.date(2025, 3, 1), "", ""),
        (
            "m/d/yyyy",
            "13/3/2025",
            None,
            "as month/day/year (it looks like day/month/year)",
            "3/13/2025",
        ),
        ("m/d/yyyy", "2025-03-01", None, "year-month-day; the target reads m/d/yyyy", "3/1/2025"),
        ("m/d/yyyy", "3/1/25", None, "two-digit year", "3/1/2025"),
        ("m/d/yyyy", "3.1.2025", None, "use slashes (m/d/yyyy)", "3/1/2025"),
        ("dd.mm.yyyy", "01.03.2025", dt.date(2025, 3, 1), "", ""),
        ("dd.mm.yyyy", "1.3.2025", None, "two-digit day and month", "01.03.2025"),
        ("dd.mm.yyyy", "01/03/2025", None, "use dots (dd.mm.yyyy)", "01.03.2025"),
    ],
)
def test_other_formats_read_and_explain(
    pattern: str, value: object, expected: dt.date | None, reason: str, suggestion: str
) -> None:
    """Each format accepts its own layout and says, in its own terms, what is wrong."""
    verdict = DateFormat.from_pattern(pattern).parse(value)
    assert verdict.date == expected
    assert reason in verdict.reason
    assert verdict.suggestion == suggestion


@pytest.mark.parametrize(
    "pattern", ["d/m/yy", "y-m-d", "yyyy-dd", "d/m-yyyy", "d/yyyy/m", "dd/mm/yyyy/", "d m yyyy", ""]
)
def test_unsupported_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="is not supported"):
        DateFormat.from_pattern(pattern)


@given(st.sampled_from(PATTERNS), st.dates(min_value=dt.date(1970, 1, 1)))
def test_every_format_round_trips(pattern: str, day: dt.date) -> None:
    dates = DateFormat.from_pattern(pattern)
    assert dates.parse(dates.format(day)).date == day
    assert dates.read_text(dates.format(day)) == day


@given(st.sampled_from(PATTERNS), st.text(max_size=30))
def test_any_text_in_any_format_gives_a_verdict(pattern: str, text: str) -> None:
    """A suggestion is always valid in the format that made it."""
    dates = DateFormat.from_pattern(pattern)
    verdict = dates.parse(text)
    assert verdict.ok or verdict.reason
    if verdict.suggestion:
        assert dates.parse(verdict.suggestion).ok


def test_the_default_is_the_bundled_packs_format() -> None:
    assert DMY.pattern == "d/m/yyyy"
    assert {load_pack(name).date_format for name in bundled_pack_names()} == {DMY}


@pytest.mark.parametrize(
    ("where", "pattern", "pointer"),
    [
        ("pack", "yyyy-dd", "/x-sheetcheck/date_format"),
        ("pack", "d/yyyy/m", "/x-sheetcheck/date_format"),
        ("column", "yyyy/dd", "/properties/Start/x-sheetcheck/args/date_format"),
    ],
)
def test_a_bad_date_format_names_its_pointer(where: str, pattern: str, pointer: str) -> None:
    data = _small_pack()
    if where == "pack":
        data["x-sheetcheck"]["date_format"] = pattern
    else:
        data["properties"]["Start"]["x-sheetcheck"]["args"] = {"date_format": pattern}
    with pytest.raises(PackError) as caught:
        compile_pack(data, "small")
    assert caught.value.pointer == pointer


def test_a_column_may_keep_its_own_format() -> None:
    """The pack's format fills in only where a column names none."""
    data = _small_pack()
    data["x-sheetcheck"]["date_format"] = "yyyy-mm-dd"
    data["properties"]["Start"]["x-sheetcheck"]["args"] = {"date_format": "m/d/yyyy"}
    pack = compile_pack(data, "small")
    assert pack.column("Start").date_format == DateFormat.from_pattern("m/d/yyyy")
    assert pack.column("Start").args == {"date_format": "m/d/yyyy"}
    data["properties"]["Start"]["x-sheetcheck"].pop("args")
    column = compile_pack(data, "small").column("Start")
    assert (column.args, column.function_args) == ({}, {"date_format": "yyyy-mm-dd"})


def _small_pack() -> dict[str, Any]:
    rule = {"severity": "error", "title": "T", "message": "M", "why": "W", "fix": "F"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Small",
        "type": "object",
        "properties": {
            "Start": {
                "description": "A date.",
                "type": "string",
                "x-sheetcheck": {"function": "dmy-date", "rule": "bad-date"},
            }
        },
        "x-sheetcheck": {
            "version": 1,
            "name": "small",
            "rules": {"missing-column": rule, "bad-date": rule},
        },
    }
