"""Check functions written for learner records between MIS systems (the ILR-style pack).

Most of them are generic and any pack may use them: ``checksum-mod11`` (check digits such as
the ULN's or the NHS number's; birth dates before 1970 use ``dmy-date`` with an ``earliest``
argument), ``export-date`` (lenient dates in another system's export),
``date-compare`` (one date against others, optionally shifted by whole years),
``conflicting-values`` (rows sharing a key but disagreeing elsewhere) and
``collection-period-shift`` (a later date moving a row into another monthly period of an
academic year). ``learner-reconciliation``, which compares the file with the old system's
export (``--against``), lives in :mod:`sheetcheck.functions.reconcile`.

Like the built-ins, each yields bare findings; the engine adds rule, severity and location.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..dates import format_dmy
from . import Context, Finding, TableView, ValueResult, check_function

_COLUMN = {"type": "string", "minLength": 1}
_COLUMNS = {"type": "array", "items": _COLUMN, "minItems": 1}
_ISO_DATE = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_DIGITS = re.compile(r"[0-9]+")
_DMY_TEXT = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_TEXT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


# --------------------------------------------------------------------------- value functions


@check_function(
    "checksum-mod11",
    "value",
    {
        "type": "object",
        "required": ["weights", "offset"],
        "properties": {
            "weights": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
            "offset": {"type": "integer", "minimum": 0, "maximum": 11},
            "leading_zero": {"type": "boolean"},
            "placeholders": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    },
)
def checksum_mod11(value: Any, args: Mapping[str, Any]) -> ValueResult:
    """A number with a modulus-11 check digit; the typed value is its digits as text.

    The digits before the last are multiplied by ``weights`` and summed; the last digit must
    equal ``(offset - sum) mod 11``, and a result of 10 means no digit can be right. The ULN
    uses weights 10..2 and offset 10 (sum mod 11 of 0 is invalid); the NHS number offset 11.
    ``placeholders`` are accepted as they are (the temporary ULN 9999999999);
    ``leading_zero: false`` rejects a first digit 0.
    """
    text = _digits_text(value)
    if text is None:
        return _bad("is not a number")
    if text in args.get("placeholders", ()):
        return ValueResult(text)
    weights: Sequence[int] = args["weights"]
    length = len(weights) + 1
    if not _DIGITS.fullmatch(text) or len(text) != length:
        return _bad(f"is not {length} digits")
    if not args.get("leading_zero", True) and text[0] == "0":
        return _bad("starts with 0")
    total = sum(map(operator.mul, map(int, text), weights))  # zip-like: stops at the weights
    check = (args["offset"] - total) % 11
    if check == 10 or int(text[-1]) != check:
        return _bad("fails the check-digit test, so at least one digit is wrong")
    return ValueResult(text)


def _digits_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else None
    if isinstance(value, str):
        return value.strip()
    return None


def _bad(reason: str) -> ValueResult:
    return ValueResult(None, (Finding(params={"reason": reason}),))


def _plain_date(value: Any) -> dt.date | None:
    """A real date cell (no time of day) or d/m/yyyy text naming a real day, else None."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0, 0) else None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = _DMY_TEXT.fullmatch(value.strip())
        if match:
            day, month, year = (int(g) for g in match.groups())
            return _make_date(year, month, day)
    return None


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _iso(text: str) -> dt.date:
    day = _make_date(*(int(p) for p in text.split("-")))
    if day is None:  # the args pattern lets 2025-02-30 through
        from ..errors import PackError

        raise PackError("check function arguments", "", f"{text!r} is not a real date")
    return day


@check_function("export-date", "value", {"type": "object", "additionalProperties": False})
def export_date(value: Any, args: Mapping[str, Any]) -> ValueResult:
    """A date as another system exports it: a date cell (any time of day ignored), d/m/yyyy
    or ISO yyyy-mm-dd text (with or without a time). For files we compare against, not for
    files we check: those must follow the template's format."""
    if isinstance(value, dt.datetime):
        return ValueResult(value.date())
    if isinstance(value, dt.date):
        return ValueResult(value)
    if isinstance(value, str):
        text = value.strip()
        match = _DMY_TEXT.fullmatch(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return _date_or_bad(_make_date(year, month, day))
        match = _ISO_TEXT.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return _date_or_bad(_make_date(year, month, day))
    return _bad("is not a date")


def _date_or_bad(day: dt.date | None) -> ValueResult:
    return ValueResult(day) if day is not None else _bad("is not a real date")


# --------------------------------------------------------------------------- dates


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in a year without one."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@check_function(
    "date-compare",
    "table",
    {
        "type": "object",
        "required": ["column", "op", "other"],
        "properties": {
            "column": _COLUMN,
            "op": {"enum": list(_OPS)},
            "other": {"oneOf": [_COLUMN, _COLUMNS]},
            "years": {"type": "integer"},
        },
        "additionalProperties": False,
    },
    columns_from=("column", "other"),
)
def date_compare(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """``column op other + years`` must hold; a row where it does not is reported on ``column``.

    ``other`` may list several columns: the row is reported once, for the first listed that
    fails. Rows where either date is empty or unusable are left to the other rules.
    Message parameters: ``other_column``, ``other_value``, ``other_cell``, ``limit`` (the
    shifted date, d/m/yyyy) and ``years``.
    """
    column = args["column"]
    others = [args["other"]] if isinstance(args["other"], str) else list(args["other"])
    compare = _OPS[args["op"]]
    years = int(args.get("years", 0))
    values = view.typed(column)
    other_values = [(name, view.typed(name)) for name in others]
    for index in view.rows:
        value = values[index]
        if not isinstance(value, dt.date):
            continue
        for name, typed in other_values:
            other = typed[index]
            if not isinstance(other, dt.date):
                continue
            limit = add_years(other, years) if years else other
            if not compare(value, limit):
                yield Finding(
                    index,
                    column,
                    {
                        "other_column": view.label(name),
                        "other_value": format_dmy(other),
                        "other_cell": view.cell(name, index),
                        "limit": format_dmy(limit),
                        "years": years,
                    },
                )
                break


def collection_period(day: dt.date, first_month: int = 8) -> tuple[int, int]:
    """(academic year it starts in, period 1..12): with August first, 31/7/2025 is (2024, 12)
    and 1/8/2025 is (2025, 1)."""
    start = day.year if day.month >= first_month else day.year - 1
    return start, (day.month - first_month) % 12 + 1


def period_label(period: tuple[int, int]) -> str:
    """(2025, 3) -> 'R03 2025/26'."""
    year, number = period
    return f"R{number:02d} {year}/{(year + 1) % 100:02d}"


@check_function(
    "collection-period-shift",
    "table",
    {
        "type": "object",
        "required": ["column", "later", "period"],
        "properties": {
            "column": _COLUMN,
            "later": _COLUMN,
            "period": {"enum": ["same", "different"]},
            "first_month": {"type": "integer", "minimum": 1, "maximum": 12},
        },
        "additionalProperties": False,
    },
    columns_from=("column", "later"),
)
def collection_period_shift(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Rows where ``later`` is after ``column``, so ``later`` is the date that counts.

    Collection periods are the months of an academic year starting in ``first_month``
    (default 8: R01 = August ... R12 = July). ``period: different`` reports the rows whose
    counting date falls in another period than ``column`` alone gives; ``period: same`` the
    rest. Reported on ``later``; parameters ``return_date``, ``return_period``,
    ``base_period``, ``base_value``.
    """
    first = int(args.get("first_month", 8))
    want_different = args["period"] == "different"
    base_values = view.typed(args["column"])
    later_values = view.typed(args["later"])
    for index in view.rows:
        base, later = base_values[index], later_values[index]
        if not isinstance(base, dt.date) or not isinstance(later, dt.date) or later <= base:
            continue
        base_period = collection_period(base, first)
        later_period = collection_period(later, first)
        if (base_period != later_period) == want_different:
            yield Finding(
                index,
                args["later"],
                {
                    "return_date": format_dmy(later),
                    "return_period": period_label(later_period),
                    "base_value": format_dmy(base),
                    "base_period": period_label(base_period),
                },
            )


# --------------------------------------------------------------------------- rows


@check_function(
    "conflicting-values",
    "table",
    {
        "type": "object",
        "required": ["key", "differ"],
        "properties": {
            "key": _COLUMNS,
            "differ": _COLUMNS,
            "ignore_case": {"type": "boolean"},
            "ignore": {"type": "array", "items": {"type": "string"}},
            "once_per_group": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    columns_from=("key", "differ"),
)
def conflicting_values(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Rows that share the ``key`` columns with an earlier row but differ in ``differ``.

    Each such row is reported on its first key column, naming the first row of the key and
    its values (``first_row``, ``first_value``). Rows with all key cells empty are ignored,
    and so are rows whose first key cell is listed in ``ignore`` (placeholders such as the
    temporary ULN, compared as text: a number cell 9999999999 matches "9999999999"); rows
    equal in ``differ`` are another rule's business (duplicates). With ``once_per_group``
    only the first row of each ``differ`` value is reported: a learner's several rows (one per
    learning aim) are one finding, as the ILR compares learners, not rows (R59).
    """
    fold = bool(args.get("ignore_case"))
    once = bool(args.get("once_per_group"))
    reported: set[tuple[Any, ...]] = set()
    ignore = {_fold_key(value, fold) for value in args.get("ignore", ())}
    keys = [view.json(c) for c in args["key"]]
    differ = [view.json(c) for c in args["differ"]]
    first: dict[tuple[Any, ...], int] = {}
    for index in view.rows:
        key = tuple(_fold_key(col[index], fold) for col in keys)
        if all(part is None for part in key) or key[0] in ignore:
            continue
        seen = first.setdefault(key, index)
        if seen == index:
            continue
        mine = tuple(_fold_key(col[index], fold) for col in differ)
        theirs = tuple(_fold_key(col[seen], fold) for col in differ)
        if mine != theirs:
            if once:
                if (key, mine) in reported:
                    continue
                reported.add((key, mine))
            yield Finding(
                index,
                args["key"][0],
                {
                    "first_row": view.row_number(seen),
                    "first_value": ", ".join(view.display(c, seen) for c in args["differ"]),
                },
            )


# --------------------------------------------------------------------------- learners and aims


@check_function(
    "learner-fields-agree",
    "table",
    {
        "type": "object",
        "required": ["key", "fields"],
        "properties": {
            "key": _COLUMN,
            "fields": _COLUMNS,
            "aim": _COLUMN,
            "part": {"enum": ["key", "fields", "aim"]},
        },
        "additionalProperties": False,
    },
    columns_from=("key", "fields"),
)
def learner_fields_agree(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """One learner, several rows: the rows sharing ``key`` (case and spacing ignored) are one
    learner's learning aims, and must agree on the learner-level ``fields``.

    ``part`` selects what is reported (one part per rule; default ``fields``):

    ``key``
        a row writes the key differently from the learner's first row (``AB1`` and ``ab1``):
        to the ILR these are two learners with one reference (R06);
    ``fields``
        a row's learner-level field differs from the learner's first row: one finding per
        field, on that cell (``first_row``, ``first_value``, ``field``);
    ``aim``
        a row repeats the ``aim`` column's value (AimSeqNumber) of an earlier row of the same
        learner: the learner is recorded twice (``first_row``). Absent ``aim`` column: nothing.

    Each finding names the learner's first row. Rows with an empty key are left to the
    ``required`` rule.
    """
    key, part = args["key"], args.get("part", "fields")
    keys = view.json(key)
    if part == "aim":
        aim = args.get("aim")
        if aim is None or not view.has(aim):
            return
        aims = view.json(aim)
        seen: dict[tuple[Any, Any], int] = {}
        for index in view.rows:
            folded = _fold_key(keys[index], True)
            if folded is None or aims[index] is None:
                continue
            first = seen.setdefault((folded, _fold_key(aims[index], True)), index)
            if first != index:
                yield Finding(index, aim, {"first_row": view.row_number(first)})
        return
    firsts: dict[Any, int] = {}
    columns = [key] if part == "key" else list(args["fields"])
    values = [(name, view.json(name)) for name in columns if view.has(name)]
    for index in view.rows:
        folded = _fold_key(keys[index], True)
        if folded is None:
            continue
        first = firsts.setdefault(folded, index)
        if first == index:
            continue
        for name, column in values:
            mine, theirs = column[index], column[first]
            if part == "key":
                mine, theirs = _fold_key(mine, False), _fold_key(theirs, False)
            elif _fold_key(mine, True) == _fold_key(theirs, True):
                continue
            if mine != theirs:
                yield Finding(
                    index,
                    name,
                    {
                        "first_row": view.row_number(first),
                        "first_value": view.display(name, first) or "empty",
                        "field": view.label(name),
                        "key_value": view.display(key, first),
                    },
                )


# --------------------------------------------------------------------------- collection year


def collection_year(context: Context) -> int:
    """The first calendar year of the collection (academic) year being checked.

    The ``collection_year`` option (``"2025-26"``, or a year number) when given; otherwise the
    academic year, 1 August to 31 July, that contains the import date.
    """
    value = context.options.get("collection_year")
    if value is None:
        return collection_period(context.import_date)[0]
    if isinstance(value, int):
        return value
    return int(str(value)[:4])


def year_label(start: int) -> str:
    """2025 -> '2025-26'."""
    return f"{start}-{(start + 1) % 100:02d}"


@check_function(
    "collection-year-date",
    "table",
    {
        "type": "object",
        "required": ["column", "op", "anchor"],
        "properties": {
            "column": _COLUMN,
            "op": {"enum": list(_OPS)},
            "anchor": {"enum": ["start", "end"]},
            "years": {"type": "integer"},
        },
        "additionalProperties": False,
    },
    columns_from=("column",),
)
def collection_year_date(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """``column op anchor + years`` must hold, the anchor being the collection year's first
    day (``start``: 1 August) or last day (``end``: 31 July); rows where it does not are
    reported on ``column``. The ESFA expresses its date rules this way (LearnStartDate_02:
    ``>=``, start, -10 years). Parameters: ``limit`` (d/m/yyyy), ``year`` (``2025-26``),
    ``year_start``, ``year_end``.
    """
    first = collection_year(context)
    start, end = dt.date(first, 8, 1), dt.date(first + 1, 7, 31)
    anchor = start if args["anchor"] == "start" else end
    years = int(args.get("years", 0))
    limit = add_years(anchor, years) if years else anchor
    compare = _OPS[args["op"]]
    params = {
        "limit": format_dmy(limit),
        "year": year_label(first),
        "year_start": format_dmy(start),
        "year_end": format_dmy(end),
        "years": abs(years),
    }
    values = view.typed(args["column"])
    for index in view.rows:
        value = values[index]
        if isinstance(value, dt.date) and not compare(value, limit):
            yield Finding(index, args["column"], params)


@check_function(
    "import-before-collection-date",
    "table",
    {
        "type": "object",
        "required": ["column", "month", "day"],
        "properties": {
            "column": _COLUMN,
            "month": {"type": "integer", "minimum": 1, "maximum": 12},
            "day": {"type": "integer", "minimum": 1, "maximum": 31},
            "once_per": _COLUMN,
        },
        "additionalProperties": False,
    },
    columns_from=("column",),
)
def import_before_collection_date(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Every selected row, when the import (file preparation) date is before ``month``/``day``
    of the collection year (1 January: the year's second calendar year); reported on
    ``column``, once per value of ``once_per`` when given (once per learner). Parameter
    ``date`` (d/m/yyyy). The rule's condition on the row goes in the check's ``when``.
    """
    first = collection_year(context)
    month, day = int(args["month"]), int(args["day"])
    year = first if month >= 8 else first + 1
    limit = _make_date(year, month, day)
    if limit is None:
        from ..errors import PackError

        raise PackError("check function arguments", "", f"{month}/{day} is not a real day")
    if not context.import_date < limit:
        return
    groups = view.json(args["once_per"]) if args.get("once_per") else None
    seen: set[Any] = set()
    for index in view.rows:
        if groups is not None:
            group = _fold_key(groups[index], True)
            if group in seen:
                continue
            seen.add(group)
        yield Finding(index, args["column"], {"date": format_dmy(limit)})


# --------------------------------------------------------------------------- optional columns


@check_function(
    "rules-need-columns",
    "table",
    {
        "type": "object",
        "required": ["needs"],
        "properties": {
            "needs": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": _COLUMNS,
            }
        },
        "additionalProperties": False,
    },
)
def rules_need_columns(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Say once which rules were not checked because an optional column they need is absent.

    ``needs`` maps a rule id to the columns it reads that a file may lack (FundModel...);
    the engine already skips such a rule, this finding tells the user so, naming the missing
    columns (``columns``) and the rules (``rules``). Nothing when every column is present.
    """
    missing: list[str] = []
    skipped: list[str] = []
    for rule, columns in args["needs"].items():
        absent = [c for c in columns if not view.has(c)]
        if absent:
            skipped.append(rule)
            missing.extend(c for c in absent if c not in missing)
    if skipped:
        yield Finding(
            None,
            None,
            {"columns": ", ".join(missing), "rules": ", ".join(skipped), "count": len(skipped)},
        )


def _fold_key(value: Any, fold: bool) -> Any:
    if isinstance(value, str):
        text = " ".join(value.split())
        return text.casefold() if fold else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


__all__ = [
    "add_years",
    "checksum_mod11",
    "collection_period",
    "collection_period_shift",
    "collection_year",
    "collection_year_date",
    "conflicting_values",
    "date_compare",
    "export_date",
    "import_before_collection_date",
    "learner_fields_agree",
    "period_label",
    "rules_need_columns",
    "year_label",
]
