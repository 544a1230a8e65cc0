"""Dates as the bundled packs' target systems want them: d/m/yyyy, day first, four-digit year, no time.

A cell passes when it is a real spreadsheet date (no time of day) or text in d/m/yyyy with or
without zero padding. Everything else is rejected with a short reason and, where one can be
guessed safely, the date the person probably meant, already written as d/m/yyyy.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

EARLIEST = dt.date(1970, 1, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1/1/1900 with Excel's leap-year bug folded in

_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DMY_SHORT_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2})")
_DMY_OTHER_SEP = re.compile(r"(\d{1,2})[.\-\s](\d{1,2})[.\-\s](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME_TAIL = re.compile(
    r"(.+?)[\sT]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?(Z|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True, slots=True)
class DateVerdict:
    """The outcome of reading one date cell.

    ``date`` is set when the cell is acceptable. Otherwise ``reason`` says why in a few words
    and ``suggestion`` (possibly empty) is the likely intended date as d/m/yyyy. ``kind`` names
    how the cell was written (:data:`CERTAIN_KINDS` are those whose suggestion is certain;
    ``"month-first"`` is a date that only reads as month/day/year).
    """

    date: dt.date | None
    reason: str = ""
    suggestion: str = ""
    kind: str = ""

    @property
    def ok(self) -> bool:
        return self.date is not None


#: The ways of writing a date whose suggestion is certain: a time of day after a valid date,
#: year-month-day, day-first with dots, dashes or spaces. Month-first, two-digit years, serial
#: numbers and month names are guesses.
CERTAIN_KINDS = frozenset({"time", "iso", "separator"})


def format_dmy(day: dt.date) -> str:
    """1 March 2025 -> '1/3/2025' (no zero padding, four-digit year)."""
    return f"{day.day}/{day.month}/{day.year}"


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _accept(day: dt.date, earliest: dt.date) -> DateVerdict:
    if day < earliest:
        return DateVerdict(
            None, f"is before {format_dmy(earliest)}, which the target does not accept"
        )
    return DateVerdict(day)


def _suggest(day: dt.date | None, earliest: dt.date) -> str:
    return format_dmy(day) if day is not None and day >= earliest else ""


def parse_dmy(value: object, earliest: dt.date = EARLIEST) -> DateVerdict:
    """Read one cell of a date column. Empty cells are the caller's business (not passed here).

    Dates before ``earliest`` (1/1/1970 unless a column says otherwise, as birth dates do)
    are rejected.
    """
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            return DateVerdict(
                None,
                "has a time of day, which the target does not accept",
                _suggest(value.date(), earliest),
                "time",
            )
        return _accept(value.date(), earliest)
    if isinstance(value, dt.date):
        return _accept(value, earliest)
    if isinstance(value, dt.time):
        return DateVerdict(None, "is a time of day, not a date")
    if isinstance(value, bool):
        return DateVerdict(None, "is TRUE/FALSE, not a date")
    if isinstance(value, (int, float)):
        return _parse_number(value, earliest)
    if isinstance(value, str):
        return _parse_text(value.strip(), earliest)
    return DateVerdict(None, f"is {value}, not a date")


def _parse_number(value: float, earliest: dt.date) -> DateVerdict:
    # A number in a date column is usually a date whose cell lost its date format on export.
    if float(value).is_integer() and 1 <= value <= 2958465:
        day = EXCEL_EPOCH + dt.timedelta(days=int(value))
        return DateVerdict(
            None,
            "is a number, not a date (it may be an Excel date serial)",
            _suggest(day, earliest),
        )
    return DateVerdict(None, "is a number, not a date")


def _parse_text(text: str, earliest: dt.date) -> DateVerdict:
    if not text:
        return DateVerdict(None, "is blank")
    match = _DMY.fullmatch(text)
    if match:
        day_, month, year = (int(g) for g in match.groups())
        parsed = _make(year, month, day_)
        if parsed is not None:
            return _accept(parsed, earliest)
        swapped = _make(year, day_, month)  # only valid as m/d/yyyy?
        if swapped is not None:
            return DateVerdict(
                None,
                "is not a real date as day/month/year (it looks like month/day/year)",
                _suggest(swapped, earliest),
                "month-first",
            )
        return DateVerdict(None, "is not a real date (no such day in that month)")
    match = _TIME_TAIL.fullmatch(text)
    if match:
        inner = _parse_text(match.group(1).strip(), earliest)
        guess = format_dmy(inner.date) if inner.date else inner.suggestion
        kind = "time" if inner.ok else inner.kind
        return DateVerdict(None, "has a time of day, which the target does not accept", guess, kind)
    match = _ISO.fullmatch(text)
    if match:
        year, month, day_ = (int(g) for g in match.groups())
        return DateVerdict(
            None,
            "is written year-month-day; the target reads d/m/yyyy",
            _suggest(_make(year, month, day_), earliest),
            "iso",
        )
    match = _DMY_SHORT_YEAR.fullmatch(text)
    if match:
        day_, month, year = (int(g) for g in match.groups())
        return DateVerdict(
            None,
            "has a two-digit year; write all four digits",
            _suggest(_make(2000 + year, month, day_), earliest),
            "two-digit-year",
        )
    match = _DMY_OTHER_SEP.fullmatch(text)
    if match:
        day_, month, year = (int(g) for g in match.groups())
        parsed = _make(year, month, day_)
        swapped = _make(year, day_, month) if parsed is None else None
        return DateVerdict(
            None,
            "uses the wrong separator; use slashes (d/m/yyyy)",
            _suggest(parsed, earliest),
            "month-first" if swapped is not None else "separator",
        )
    return DateVerdict(None, "is not a date in d/m/yyyy", _suggest(_guess_words(text), earliest))


def _guess_words(text: str) -> dt.date | None:
    """'1 March 2025', 'Mar 1, 2025': read day-first, only when a month name is written."""
    if not re.search(r"[A-Za-z]{3,}", text) or not re.search(r"\d{4}", text):
        return None
    from dateutil import parser  # imported here: rarely needed, and slow to import

    try:
        return parser.parse(text, dayfirst=True, default=dt.datetime(1900, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def iso_date_argument(text: str) -> dt.date:
    """The command line's YYYY-MM-DD dates (--import-date, --cutoff), as an argparse type."""
    import argparse

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD: {text!r}") from None
