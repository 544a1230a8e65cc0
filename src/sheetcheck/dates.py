"""Dates as a rule pack's target system wants them: the pack's date format (d/m/yyyy unless it
says otherwise), a four-digit year, no time.

A cell passes when it is a real spreadsheet date (no time of day) or text in the pack's format
(day and month with or without zero padding, unless the format pads them). Everything else is
rejected with a short reason and, where one can be guessed safely, the date the person probably
meant, already written in the pack's format.

:class:`DateFormat` is the one API every reader and writer of dates uses
(``pack.date_format.format(day)``, ``pack.date_format.parse(value)``); :data:`DMY` is the
bundled packs' d/m/yyyy, and :func:`format_dmy` / :func:`parse_dmy` are its shorthands.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

EARLIEST = dt.date(1970, 1, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1/1/1900 with Excel's leap-year bug folded in

_YEAR_LAST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME_TAIL = re.compile(
    r"(.+?)[\sT]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?(Z|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True, slots=True)
class DateVerdict:
    """The outcome of reading one date cell.

    ``date`` is set when the cell is acceptable. Otherwise ``reason`` says why in a few words
    and ``suggestion`` (possibly empty) is the likely intended date in the pack's format.
    ``kind`` names how the cell was written (:data:`CERTAIN_KINDS` are those whose suggestion
    is certain; ``"month-first"`` is a date that only reads as month/day/year in a day-first
    format, ``"day-first"`` the reverse in a month-first one).
    """

    date: dt.date | None
    reason: str = ""
    suggestion: str = ""
    kind: str = ""

    @property
    def ok(self) -> bool:
        return self.date is not None


#: The ways of writing a date whose suggestion is certain: a time of day after a valid date,
#: year-month-day (in a year-last format), the format's order with other separators, a day or
#: month without the zero the format writes.
#: The other day/month order, two-digit years, serial numbers and month names are guesses.
CERTAIN_KINDS = frozenset({"time", "iso", "separator", "padding"})

_ORDERS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year-month-day"}
_SEPARATORS = {"/": "slashes", "-": "hyphens", ".": "dots"}
_OTHER_SEPARATORS = {sep: "".join(s for s in "/-. \t" if s != sep) for sep in _SEPARATORS}
_PATTERN = re.compile(r"(d{1,2}|m{1,2}|yyyy)([/.-])(d{1,2}|m{1,2}|yyyy)\2(d{1,2}|m{1,2}|yyyy)")
_EXAMPLE = dt.date(2025, 3, 1)


@dataclass(frozen=True, slots=True)
class DateFormat:
    """How a pack's target writes a date as text: ``d/m/yyyy``, ``m/d/yyyy``, ``yyyy-mm-dd``...

    Build one with :meth:`from_pattern`. ``d``/``m`` accept one or two digits and write none
    padded; ``dd``/``mm`` write (and require) two. The year is always four digits, first or
    last.
    """

    pattern: str
    order: str  # "dmy", "mdy" or "ymd"
    separator: str
    pad_day: bool
    pad_month: bool
    # Derived once (dates are read once per distinct value, but a column may hold many).
    _where: tuple[int, int, int] = field(init=False, repr=False, compare=False)
    _own_layout: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = (self.order.index("y"), self.order.index("m"), self.order.index("d"))
        object.__setattr__(self, "_where", where)
        object.__setattr__(self, "_own_layout", _layout(self.order, self.separator, 4))

    @classmethod
    def from_pattern(cls, pattern: str) -> DateFormat:
        """``"yyyy-mm-dd"`` -> the format; ValueError (its message says why) if unsupported."""
        return _from_pattern(pattern)

    @classmethod
    def _build(cls, pattern: str) -> DateFormat:
        match = _PATTERN.fullmatch(pattern)
        tokens = [match.group(1), match.group(3), match.group(4)] if match else []
        order = "".join(t[0] for t in tokens)
        if match is None or order not in _ORDERS:
            raise ValueError(
                f"date format {pattern!r} is not supported: use day, month and a four-digit "
                "year separated by /, - or . with the year first or last "
                "(d/m/yyyy, m/d/yyyy, dd.mm.yyyy, yyyy-mm-dd...)"
            )
        return cls(pattern, order, match.group(2), "dd" in tokens, "mm" in tokens)

    def __str__(self) -> str:
        return self.pattern

    # ---- writing
    def format(self, day: dt.date) -> str:
        """The date as the target reads it (1 March 2025 -> '1/3/2025' in d/m/yyyy)."""
        d = f"{day.day:02d}" if self.pad_day else str(day.day)
        m = f"{day.month:02d}" if self.pad_month else str(day.month)
        sep = self.separator
        if self.order == "dmy":
            return f"{d}{sep}{m}{sep}{day.year}"
        if self.order == "mdy":
            return f"{m}{sep}{d}{sep}{day.year}"
        return f"{day.year}{sep}{m}{sep}{d}"

    @property
    def example(self) -> str:
        """1 March 2025 in this format, for instructions and messages."""
        return self.format(_EXAMPLE)

    @property
    def order_words(self) -> str:
        return _ORDERS[self.order]

    @property
    def year_first(self) -> bool:
        return self.order == "ymd"

    @property
    def _swapped_kind(self) -> str:
        """The kind of a date that is real only with day and month the other way round."""
        return "month-first" if self.order == "dmy" else "day-first"

    # ---- reading
    def parse(self, value: object, earliest: dt.date = EARLIEST) -> DateVerdict:
        """Read one cell of a date column. Empty cells are the caller's business (not passed here).

        Dates before ``earliest`` (1/1/1970 unless a column says otherwise, as birth dates do)
        are rejected.
        """
        if isinstance(value, dt.datetime):
            if value.time() != dt.time(0, 0):
                return DateVerdict(
                    None,
                    "has a time of day, which the target does not accept",
                    self._suggest(value.date(), earliest),
                    "time",
                )
            return self._accept(value.date(), earliest)
        if isinstance(value, dt.date):
            return self._accept(value, earliest)
        if isinstance(value, dt.time):
            return DateVerdict(None, "is a time of day, not a date")
        if isinstance(value, bool):
            return DateVerdict(None, "is TRUE/FALSE, not a date")
        if isinstance(value, (int, float)):
            return self._parse_number(value, earliest)
        if isinstance(value, str):
            return self._parse_text(value.strip(), earliest)
        return DateVerdict(None, f"is {value}, not a date")

    def split(self, text: str) -> tuple[int, int, int] | None:
        """(year, month, day) of text laid out in this format (not necessarily a real day)."""
        match = self._own_layout.fullmatch(text.strip())
        return self._ymd(match.groups()) if match else None

    def read_text(self, text: str) -> dt.date | None:
        """Text in this format naming a real day (any year), else None: for files compared
        against, where the reasons do not matter."""
        parts = self.split(text)
        return _make(*parts) if parts else None

    def _accept(self, day: dt.date, earliest: dt.date) -> DateVerdict:
        if day < earliest:
            return DateVerdict(
                None, f"is before {self.format(earliest)}, which the target does not accept"
            )
        return DateVerdict(day)

    def _suggest(self, day: dt.date | None, earliest: dt.date) -> str:
        return self.format(day) if day is not None and day >= earliest else ""

    def _parse_number(self, value: float, earliest: dt.date) -> DateVerdict:
        # A number in a date column is usually a date whose cell lost its date format on export.
        if float(value).is_integer() and 1 <= value <= 2958465:
            day = EXCEL_EPOCH + dt.timedelta(days=int(value))
            return DateVerdict(
                None,
                "is a number, not a date (it may be an Excel date serial)",
                self._suggest(day, earliest),
            )
        return DateVerdict(None, "is a number, not a date")

    def _regex(self, separators: str, year_digits: int) -> re.Pattern[str]:
        return _layout(self.order, separators, year_digits)

    def _ymd(self, groups: tuple[str | Any, ...]) -> tuple[int, int, int]:
        year, month, day = self._where
        return int(groups[year]), int(groups[month]), int(groups[day])

    def _parse_text(self, text: str, earliest: dt.date) -> DateVerdict:
        if not text:
            return DateVerdict(None, "is blank")
        match = self._own_layout.fullmatch(text)
        if match:
            return self._own(match.groups(), earliest)
        match = _TIME_TAIL.fullmatch(text)
        if match:
            inner = self._parse_text(match.group(1).strip(), earliest)
            guess = self.format(inner.date) if inner.date else inner.suggestion
            kind = "time" if inner.ok else inner.kind
            return DateVerdict(
                None, "has a time of day, which the target does not accept", guess, kind
            )
        foreign = self._foreign(text, earliest)
        if foreign is not None:
            return foreign
        if not self.year_first:
            match = self._regex(self.separator, 2).fullmatch(text)
            if match:
                year, month, day_ = self._ymd(match.groups())
                return DateVerdict(
                    None,
                    "has a two-digit year; write all four digits",
                    self._suggest(_make(2000 + year, month, day_), earliest),
                    "two-digit-year",
                )
        match = self._regex(_OTHER_SEPARATORS[self.separator], 4).fullmatch(text)
        if match:
            year, month, day_ = self._ymd(match.groups())
            parsed = _make(year, month, day_)
            swapped = _make(year, day_, month) if parsed is None and not self.year_first else None
            return DateVerdict(
                None,
                f"uses the wrong separator; use {_SEPARATORS[self.separator]} ({self.pattern})",
                self._suggest(parsed, earliest),
                self._swapped_kind if swapped is not None else "separator",
            )
        return DateVerdict(
            None,
            f"is not a date in {self.pattern}",
            self._suggest(_guess_words(text, dayfirst=self.order != "mdy"), earliest),
        )

    def _own(self, groups: tuple[str | Any, ...], earliest: dt.date) -> DateVerdict:
        """Text laid out in this format: a real day, or why not."""
        year, month, day_ = self._ymd(groups)
        parsed = _make(year, month, day_)
        if parsed is not None:
            if (self.pad_day or self.pad_month) and self._unpadded(groups):
                return DateVerdict(
                    None,
                    f"needs a two-digit day and month ({self.pattern})",
                    self._suggest(parsed, earliest),
                    "padding",
                )
            return self._accept(parsed, earliest)
        if not self.year_first:
            swapped = _make(year, day_, month)  # valid with day and month the other way round?
            if swapped is not None:
                other = "mdy" if self.order == "dmy" else "dmy"
                return DateVerdict(
                    None,
                    f"is not a real date as {self.order_words} (it looks like {_ORDERS[other]})",
                    self._suggest(swapped, earliest),
                    self._swapped_kind,
                )
        return DateVerdict(None, "is not a real date (no such day in that month)")

    def _unpadded(self, groups: tuple[str | Any, ...]) -> bool:
        _, month, day = self._where
        return (self.pad_day and len(groups[day]) < 2) or (
            self.pad_month and len(groups[month]) < 2
        )

    def _foreign(self, text: str, earliest: dt.date) -> DateVerdict | None:
        """Text in a layout of another order: year first for a year-last format, else year last."""
        if not self.year_first:
            match = _ISO.fullmatch(text)
            if match is None:
                return None
            year, month, day_ = map(int, match.groups())
            return DateVerdict(
                None,
                f"is written year-month-day; the target reads {self.pattern}",
                self._suggest(_make(year, month, day_), earliest),
                "iso",
            )
        match = _YEAR_LAST.fullmatch(text)
        if match is None:
            return None
        first, second, year = map(int, match.groups())
        guess = None
        if first > 12 >= second:
            guess = _make(year, second, first)
        elif second > 12 >= first:
            guess = _make(year, first, second)
        return DateVerdict(
            None,
            f"is written with the year last; the target reads {self.pattern}",
            self._suggest(guess, earliest),
            "year-last",
        )


@functools.lru_cache(maxsize=64)
def _from_pattern(pattern: str) -> DateFormat:
    return DateFormat._build(pattern)


@functools.cache
def _layout(order: str, separators: str, year_digits: int) -> re.Pattern[str]:
    """Day, month and year in ``order``, separated by any of ``separators``."""
    parts = {"d": r"(\d{1,2})", "m": r"(\d{1,2})", "y": rf"(\d{{{year_digits}}})"}
    sep = f"[{re.escape(separators)}]"
    return re.compile(sep.join(parts[k] for k in order))


DMY = DateFormat.from_pattern("d/m/yyyy")  # the bundled packs' format, and the default


def format_dmy(day: dt.date) -> str:
    """1 March 2025 -> '1/3/2025' (no zero padding, four-digit year)."""
    return DMY.format(day)


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_dmy(value: object, earliest: dt.date = EARLIEST) -> DateVerdict:
    """Read one cell of a d/m/yyyy date column (:meth:`DateFormat.parse` of :data:`DMY`)."""
    return DMY.parse(value, earliest)


def _guess_words(text: str, *, dayfirst: bool = True) -> dt.date | None:
    """'1 March 2025', 'Mar 1, 2025': read day-first (unless the format is month-first), only
    when a month name is written."""
    if not re.search(r"[A-Za-z]{3,}", text) or not re.search(r"\d{4}", text):
        return None
    from dateutil import parser  # imported here: rarely needed, and slow to import

    try:
        return parser.parse(text, dayfirst=dayfirst, default=dt.datetime(1900, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def iso_date_argument(text: str) -> dt.date:
    """The command line's YYYY-MM-DD dates (--import-date, --cutoff), as an argparse type."""
    import argparse

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD: {text!r}") from None
