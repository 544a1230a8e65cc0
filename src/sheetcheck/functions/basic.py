"""The built-in check functions rule packs refer to by name.

Each yields bare findings (row index, column, message parameters); the engine turns them into
issues with the rule's id, severity, message and location.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..dates import DMY, EARLIEST, DateFormat
from ..values import display_value
from . import Context, Finding, TableView, ValueResult, check_function

_COLUMNS = {"type": "array", "items": {"type": "string"}, "minItems": 1}


@check_function(
    "dmy-date",
    "value",
    {
        "type": "object",
        "properties": {
            "earliest": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "date_format": {"type": "string"},
        },
        "additionalProperties": False,
    },
)
def dmy_date(value: Any, args: Mapping[str, Any]) -> ValueResult:
    """A date cell: a real date, or text in the pack's date format (``date_format``, filled in
    from the pack; d/m/yyyy by default); typed value is a ``datetime.date``. The name keeps
    its history: a pack with ISO dates uses it too.

    ``earliest`` (ISO, default 1970-01-01) is the first date accepted: birth dates need 1900.
    """
    earliest = dt.date.fromisoformat(args["earliest"]) if "earliest" in args else EARLIEST
    verdict = date_format_of(args).parse(value, earliest)
    if verdict.ok:
        return ValueResult(verdict.date)
    params = {"reason": verdict.reason, "suggestion": verdict.suggestion, "kind": verdict.kind}
    finding = Finding(params=params)
    return ValueResult(None, (finding,))


def date_format_of(args: Mapping[str, Any]) -> DateFormat:
    """The date format a value function was given (the pack's), d/m/yyyy when none was."""
    pattern = args.get("date_format")
    return DateFormat.from_pattern(pattern) if isinstance(pattern, str) else DMY


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
                "other_value": context.date_format.format(view.typed(names[earlier])[index]),
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
    columns: list[Sequence[Any]] = [view.folded(c) if fold else view.json(c) for c in args["key"]]
    rows = view.rows
    if not (isinstance(rows, range) and rows == range(len(columns[0]))):
        columns = [_pick(column, rows) for column in columns]
    keys = list(zip(*columns, strict=True))
    empty = (None,) * len(columns)
    positions = range(len(keys))
    # Each row's first occurrence, computed at C speed; a row is a repeat where it differs.
    seen: dict[tuple[Any, ...], int] = {}
    firsts: list[int] = list(map(seen.setdefault, keys, positions))
    for position in itertools.compress(positions, map(operator.ne, firsts, positions)):
        if keys[position] != empty:
            first_row = view.row_number(rows[firsts[position]])
            yield Finding(rows[position], None, {"first_row": first_row})


def _pick(values: Sequence[Any], rows: Sequence[int]) -> Sequence[Any]:
    """``values`` at ``rows``, in their order (picked at C speed)."""
    if len(rows) < 2:  # itemgetter of one index gives the bare value, of none fails
        return [values[i] for i in rows]
    return operator.itemgetter(*rows)(values)  # a tuple of the values


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
    "date_format_of",
    "date_older_than",
    "date_order",
    "display_value",
    "dmy_date",
    "duplicate_rows",
]
