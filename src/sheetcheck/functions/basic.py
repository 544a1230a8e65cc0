"""The built-in check functions rule packs refer to by name.

Each yields bare findings (row index, column, message parameters); the engine turns them into
issues with the rule's id, severity, message and location.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..dates import EARLIEST, format_dmy, parse_dmy
from ..values import display_value
from . import Context, Finding, TableView, ValueResult, check_function

_COLUMNS = {"type": "array", "items": {"type": "string"}, "minItems": 1}


@check_function(
    "dmy-date",
    "value",
    {
        "type": "object",
        "properties": {
            "earliest": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
        },
        "additionalProperties": False,
    },
)
def dmy_date(value: Any, args: Mapping[str, Any]) -> ValueResult:
    """A date cell: a real date, or text in d/m/yyyy; typed value is a ``datetime.date``.

    ``earliest`` (ISO, default 1970-01-01) is the first date accepted: birth dates need 1900.
    """
    earliest = dt.date.fromisoformat(args["earliest"]) if "earliest" in args else EARLIEST
    verdict = parse_dmy(value, earliest)
    if verdict.ok:
        return ValueResult(verdict.date)
    params = {"reason": verdict.reason, "suggestion": verdict.suggestion, "kind": verdict.kind}
    finding = Finding(params=params)
    return ValueResult(None, (finding,))


@check_function(
    "date-order",
    "table",
    {
        "type": "object",
        "required": ["columns"],
        "properties": {"columns": {**_COLUMNS, "minItems": 2}},
        "additionalProperties": False,
    },
    columns_from=("columns",),
)
def date_order(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """Dates that must not go backwards, in the order the columns are listed.

    Reported on every later column that is before an earlier one, naming the nearest such
    earlier column.
    """
    names = [c for c in args["columns"] if view.has(c)]
    rows = view.rows
    full = isinstance(rows, range) and rows == range(len(view.typed(names[0]) if names else []))
    columns = [view.typed(c) if full else [view.typed(c)[i] for i in rows] for c in names]
    found: dict[tuple[int, int], int] = {}  # (position in rows, later column) -> earlier column
    for later in range(1, len(names)):
        for earlier in range(later - 1, -1, -1):
            after = map(_after, columns[earlier], columns[later])
            for position in itertools.compress(itertools.count(), after):
                found.setdefault((position, later), earlier)
    for (position, later), earlier in sorted(found.items()):
        index = rows[position]
        yield Finding(
            index,
            names[later],
            {
                "other_column": view.label(names[earlier]),
                "other_value": format_dmy(view.typed(names[earlier])[index]),
                "other_cell": view.cell(names[earlier], index),
            },
        )


def _after(earlier: Any, later: Any) -> bool:
    """The earlier column's date is after the later column's (both present)."""
    return earlier is not None and later is not None and earlier > later


@check_function(
    "duplicate-rows",
    "table",
    {
        "type": "object",
        "required": ["key"],
        "properties": {"key": _COLUMNS, "ignore_case": {"type": "boolean"}},
        "additionalProperties": False,
    },
    columns_from=("key",),
)
def duplicate_rows(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """Rows sharing the key columns: every row after the first is reported, naming the first.

    Empty key cells take part as empty; rows whose key cells are all empty are ignored.
    """
    fold = bool(args.get("ignore_case"))
    columns = [_folded(view.json(c)) if fold else view.json(c) for c in args["key"]]
    keys = list(zip(*columns, strict=True))
    rows = view.rows
    if not (isinstance(rows, range) and rows == range(len(keys))):
        keys = [keys[i] for i in rows]
    empty = (None,) * len(columns)
    positions = range(len(keys))
    # Each row's first occurrence, computed at C speed; a row is a repeat where it differs.
    seen: dict[tuple[Any, ...], int] = {}
    firsts: list[int] = list(map(seen.setdefault, keys, positions))
    for position in itertools.compress(positions, map(operator.ne, firsts, positions)):
        if keys[position] != empty:
            first_row = view.row_number(rows[firsts[position]])
            yield Finding(rows[position], None, {"first_row": first_row})


class _FoldMemo(dict[Any, Any]):
    def __missing__(self, value: Any) -> Any:
        folded = self[value] = _fold(value) if value.__class__ is str else value
        return folded


def _fold(text: str) -> str:
    folded = text.casefold()
    return " ".join(folded.split()) if "  " in folded or "\t" in folded else folded


def _folded(values: list[Any]) -> list[Any]:
    """Text compared ignoring case and repeated spaces; each distinct value folded once."""
    return list(map(_FoldMemo().__getitem__, values))


@check_function(
    "date-after-import",
    "table",
    {
        "type": "object",
        "required": ["columns"],
        "properties": {"columns": _COLUMNS},
        "additionalProperties": False,
    },
    columns_from=("columns",),
)
def date_after_import(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Dates later than the import date."""
    limit = context.import_date
    for name in args["columns"]:
        for index in _rows_with(view, name, lambda day: day > limit):
            yield Finding(index, name)


@check_function(
    "date-older-than",
    "table",
    {
        "type": "object",
        "required": ["columns", "years"],
        "properties": {"columns": _COLUMNS, "years": {"type": "integer", "minimum": 1}},
        "additionalProperties": False,
    },
    columns_from=("columns",),
)
def date_older_than(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Dates more than ``years`` whole years before the import date."""
    years = args["years"]
    limit = _years_before(context.import_date, years)
    for name in args["columns"]:
        for index in _rows_with(view, name, lambda day: day < limit):
            yield Finding(index, name, {"years": years})


def _rows_with(view: TableView, column: str, test: Callable[[Any], bool]) -> Iterable[int]:
    """The rows (of those in view) whose typed value in ``column`` passes ``test``.

    ``test`` runs once per distinct value; the rows are then picked at C speed.
    """
    values = view.typed(column)
    hits = {v for v in set(values) if v is not None and test(v)}
    if not hits:
        return ()
    rows = view.rows
    if isinstance(rows, range) and rows == range(len(values)):
        return itertools.compress(itertools.count(), map(hits.__contains__, values))
    return [i for i in rows if values[i] in hits]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


__all__ = [
    "date_after_import",
    "date_older_than",
    "date_order",
    "display_value",
    "dmy_date",
    "duplicate_rows",
]
