"""Check functions written for learner records between MIS systems (the ILR-style pack).

Most of them are generic and any pack may use them: ``checksum-mod11`` (check digits such as
the ULN's or the NHS number's), ``dmy-date-since`` (d/m/yyyy with a chosen earliest date, for
birth dates before 1970), ``export-date`` (lenient dates in another system's export),
``date-compare`` (one date against others, optionally shifted by whole years),
``conflicting-values`` (rows sharing a key but disagreeing elsewhere) and
``collection-period-shift`` (a later date moving a row into another monthly period of an
academic year). ``learner-reconciliation`` compares the file with the old system's export
(``--against``); its column names are arguments, its notion of identity is documented below.

Like the built-ins, each yields bare findings; the engine adds rule, severity and location.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .dates import format_dmy, parse_dmy
from .engine import Context, TableView
from .functions import Finding, ValueResult, check_function

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
    total = sum(int(d) * w for d, w in zip(text, weights, strict=False))
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
    return ValueResult(None, ({"reason": reason},))


@check_function(
    "dmy-date-since",
    "value",
    {
        "type": "object",
        "required": ["earliest"],
        "properties": {"earliest": {"type": "string", "pattern": _ISO_DATE}},
        "additionalProperties": False,
    },
)
def dmy_date_since(value: Any, args: Mapping[str, Any]) -> ValueResult:
    """Like ``dmy-date``, but dates from ``earliest`` (ISO) on are accepted, not from 1970.

    For birth dates: adult learners were born long before 1/1/1970. Everything that is not a
    plain date is judged (with its reason and suggestion) exactly as ``dmy-date`` judges it.
    """
    earliest = _iso(args["earliest"])
    day = _plain_date(value)
    if day is None:
        verdict = parse_dmy(value)
        if verdict.ok:
            return ValueResult(verdict.date)
        return ValueResult(None, ({"reason": verdict.reason, "suggestion": verdict.suggestion},))
    if day < earliest:
        return _bad(f"is before {format_dmy(earliest)}, which cannot be right")
    return ValueResult(day)


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
        from .errors import PackError

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
        "properties": {"key": _COLUMNS, "differ": _COLUMNS, "ignore_case": {"type": "boolean"}},
        "additionalProperties": False,
    },
    columns_from=("key", "differ"),
)
def conflicting_values(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Rows that share the ``key`` columns with an earlier row but differ in ``differ``.

    Each such row is reported on its first key column, naming the first row of the key and
    its values (``first_row``, ``first_value``). Rows with all key cells empty are ignored;
    rows equal in ``differ`` are another rule's business (duplicates).
    """
    fold = bool(args.get("ignore_case"))
    keys = [view.json(c) for c in args["key"]]
    differ = [view.json(c) for c in args["differ"]]
    first: dict[tuple[Any, ...], int] = {}
    for index in view.rows:
        key = tuple(_fold_key(col[index], fold) for col in keys)
        if all(part is None for part in key):
            continue
        seen = first.setdefault(key, index)
        if seen == index:
            continue
        mine = tuple(_fold_key(col[index], fold) for col in differ)
        theirs = tuple(_fold_key(col[seen], fold) for col in differ)
        if mine != theirs:
            yield Finding(
                index,
                args["key"][0],
                {
                    "first_row": view.row_number(seen),
                    "first_value": ", ".join(view.display(c, seen) for c in args["differ"]),
                },
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


# --------------------------------------------------------------------------- reconciliation

_PARTS = ("columns", "reused-reference", "previous-reference", "missing")


@check_function(
    "learner-reconciliation",
    "table",
    {
        "type": "object",
        "required": [
            "against",
            "part",
            "reference",
            "previous_reference",
            "id",
            "person",
            "end_date",
            "status",
            "continuing",
        ],
        "properties": {
            "against": {"type": "string", "minLength": 1},
            "part": {"enum": list(_PARTS)},
            "reference": _COLUMN,
            "previous_reference": _COLUMN,
            "id": _COLUMN,
            "placeholder_ids": {"type": "array", "items": {"type": "string"}},
            "person": {**_COLUMNS, "minItems": 3, "maxItems": 3},
            "end_date": _COLUMN,
            "status": _COLUMN,
            "continuing": {"type": "array", "items": {"type": ["integer", "string"]}},
        },
        "additionalProperties": False,
    },
    columns_from=("reference", "previous_reference", "id", "person", "end_date", "status"),
)
def learner_reconciliation(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """Compare the learners in the file with the old system's export (related table ``against``).

    Identity: two records are the same learner when both carry a real id (a valid ULN that is
    not a placeholder) and the ids are equal; otherwise when family name, given names and
    date of birth (``person``, in that order) are all present on both and equal after
    normalising (accents, case, spaces, hyphens and apostrophes ignored). Otherwise it is
    unknown, and no error is raised on a guess.

    ``part`` selects what to report (one part per rule):

    ``columns``
        a column the comparison reads is absent from the export (file-level finding);
    ``reused-reference``
        the row's reference belongs to a different learner in the old system;
    ``previous-reference``
        the row's learner is in the old system under another reference, and the previous
        reference column does not name it;
    ``missing``
        learners the export says should move (status in ``continuing``, no end date, or an
        end date after the ``cutoff`` option) that the file does not contain, one file-level
        finding each. This part also leaves the reconciliation in ``context.extra``.
    """
    old = view.related(args["against"])
    if old is None:
        return
    part = args["part"]
    if part == "columns":
        yield from _missing_export_columns(old, args)
        return
    new_people = _people(view, args, view.rows)
    old_people = _people(old, args, old.rows)
    index = _OldIndex(old_people)
    if part == "reused-reference":
        yield from _reused_references(args["reference"], new_people, index)
    elif part == "previous-reference":
        yield from _previous_references(view, args, new_people, index)
    else:
        yield from _missing_learners(args, new_people, old_people, index, context)


@dataclass(frozen=True, slots=True)
class _Person:
    index: int  # table row index
    row: int  # sheet row number
    ref: str | None  # casefolded reference
    ref_text: str  # as written
    prev: str | None  # casefolded previous reference
    uln: str | None  # a real id (not a placeholder, valid)
    uln_text: str
    person: tuple[str, str, dt.date] | None
    name: str  # "Given Family" as written
    end: dt.date | None
    end_unreadable: bool
    status: Any


def _people(view: TableView, args: Mapping[str, Any], rows: Sequence[int]) -> list[_Person]:
    def column(name: str, typed: bool = False) -> list[Any]:
        if not view.has(name):
            return [None] * (max(rows) + 1 if rows else 0)
        return view.typed(name) if typed else view.json(name)

    refs = column(args["reference"])
    prevs = column(args["previous_reference"])
    ids = column(args["id"], typed=True)
    id_texts = column(args["id"])
    family_col, given_col, birth_col = args["person"]
    families, givens = column(family_col), column(given_col)
    births = column(birth_col, typed=True)
    ends, end_json = column(args["end_date"], typed=True), column(args["end_date"])
    statuses = column(args["status"])
    placeholders = set(args.get("placeholder_ids", ()))
    people = []
    for i in rows:
        uln = ids[i] if isinstance(ids[i], str) and ids[i] not in placeholders else None
        family, given, birth = families[i], givens[i], births[i]
        person = None
        if family and given and isinstance(birth, dt.date):
            person = (fold_name(family), fold_name(given), birth)
        people.append(
            _Person(
                index=i,
                row=view.row_number(i),
                ref=_fold_ref(refs[i]),
                ref_text=_text(refs[i]),
                prev=_fold_ref(prevs[i]),
                uln=uln,
                uln_text=_text(id_texts[i]),
                person=person,
                name=" ".join(_text(p) for p in (given, family) if p is not None),
                end=ends[i] if isinstance(ends[i], dt.date) else None,
                end_unreadable=end_json[i] is not None and not isinstance(ends[i], dt.date),
                status=statuses[i],
            )
        )
    return people


def fold_name(value: Any) -> str:
    """A name compared for identity: no accents, case, spaces, hyphens or apostrophes."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _fold_ref(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(_text(value).split()).casefold()
    return text or None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def same_learner(a: _Person, b: _Person) -> bool | None:
    """True or False when identity can be decided (see learner_reconciliation), else None."""
    if a.uln is not None and b.uln is not None:
        return a.uln == b.uln
    if a.person is not None and b.person is not None:
        return a.person == b.person
    return None


class _OldIndex:
    """The old export's learners, looked up by reference, id and person."""

    def __init__(self, people: Sequence[_Person]) -> None:
        self.by_ref: dict[str, _Person] = {}
        self.by_uln: dict[str, list[_Person]] = {}
        self.by_person: dict[tuple[str, str, dt.date], list[_Person]] = {}
        for p in people:
            if p.ref is not None:
                self.by_ref.setdefault(p.ref, p)
            if p.uln is not None:
                self.by_uln.setdefault(p.uln, []).append(p)
            if p.person is not None:
                self.by_person.setdefault(p.person, []).append(p)

    def same_person(self, new: _Person) -> list[_Person]:
        """Old records that are certainly ``new``'s learner (by id, else by person)."""
        found: dict[int, _Person] = {}
        candidates: list[_Person] = []
        if new.uln is not None:
            candidates.extend(self.by_uln.get(new.uln, ()))
        if new.person is not None:
            candidates.extend(self.by_person.get(new.person, ()))
        for old in candidates:
            if same_learner(new, old):
                found.setdefault(old.index, old)
        return list(found.values())

    def matches(self, new: _Person) -> list[_Person]:
        """Every old record ``new`` accounts for: the same learner, or the record its
        reference or previous reference names, unless that is certainly someone else."""
        found = {p.index: p for p in self.same_person(new)}
        for ref in (new.ref, new.prev):
            old = self.by_ref.get(ref) if ref is not None else None
            if old is not None and same_learner(new, old) is not False:
                found.setdefault(old.index, old)
        return list(found.values())


def _missing_export_columns(old: TableView, args: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = [
        args["reference"],
        args["id"],
        *args["person"],
        args["end_date"],
        args["status"],
    ]
    for name in wanted:
        if not old.has(name):
            yield Finding(None, name, {"column": name})


def _reused_references(
    column: str, new_people: Sequence[_Person], index: _OldIndex
) -> Iterator[Finding]:
    for new in new_people:
        old = index.by_ref.get(new.ref) if new.ref is not None else None
        if old is not None and same_learner(new, old) is False:
            yield Finding(
                new.index,
                column,
                {"old_name": old.name, "old_uln": old.uln_text, "old_row": old.row},
            )


def _previous_references(
    view: TableView,
    args: Mapping[str, Any],
    new_people: Sequence[_Person],
    index: _OldIndex,
) -> Iterator[Finding]:
    column = args["previous_reference"]
    for new in new_people:
        olds = [o for o in index.same_person(new) if o.ref is not None]
        refs = {o.ref for o in olds}
        if not olds or new.ref in refs or new.prev in refs:
            continue
        names = " or ".join(f'"{o.ref_text}"' for o in olds)
        if new.prev is None:
            reason = f"is empty, but this learner's reference in the old system was {names}"
        else:
            reason = (
                f'is "{view.display(column, new.index)}", but this learner\'s reference in '
                f"the old system was {names}"
            )
        yield Finding(
            new.index,
            column,
            {"reason": reason, "old_reference": olds[0].ref_text, "old_row": olds[0].row},
        )


def _expected_reason(old: _Person, args: Mapping[str, Any], cutoff: dt.date | None) -> str:
    """Why an old record should move ('' when it should not)."""
    continuing = {_fold_key(v, False) for v in args["continuing"]}
    if old.status is not None and _fold_key(old.status, False) in continuing:
        return f"still in learning ({args['status']} {_text(old.status)})"
    if old.end is None:
        if old.end_unreadable:
            return f"its {args['end_date']} cannot be read, so it may still be in learning"
        return f"still in learning (no {args['end_date']})"
    if cutoff is not None and old.end > cutoff:
        return f"ends on {format_dmy(old.end)}, after the cutoff {format_dmy(cutoff)}"
    return ""


def _cutoff(context: Context) -> dt.date | None:
    value = context.options.get("cutoff")
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _missing_learners(
    args: Mapping[str, Any],
    new_people: Sequence[_Person],
    old_people: Sequence[_Person],
    index: _OldIndex,
    context: Context,
) -> Iterator[Finding]:
    cutoff = _cutoff(context)
    accounted: set[int] = set()
    present: dict[str, list[_Person]] = {}
    changed: set[str] = set()
    for new in new_people:
        if new.ref is None:
            continue
        found = index.matches(new)
        present.setdefault(new.ref, []).extend(found)
        accounted.update(o.index for o in found)
        if found and new.ref not in {o.ref for o in found}:
            changed.add(new.ref)
    expected = missing = 0
    seen_refs: set[str] = set()
    for old in old_people:
        key = old.ref or f"#{old.index}"
        if key in seen_refs:
            continue
        seen_refs.add(key)
        reason = _expected_reason(old, args, cutoff)
        if not reason:
            continue
        expected += 1
        if old.index not in accounted:
            missing += 1
            yield Finding(
                None,
                None,
                {
                    "old_reference": old.ref_text,
                    "old_name": old.name or "(no name)",
                    "old_uln": old.uln_text or "none",
                    "old_row": old.row,
                    "reason": reason,
                },
            )
    moved = sum(1 for found in present.values() if found)
    summary = {
        "expected": expected,
        "present": len(present),
        "missing": missing,
        "moved": moved,
        "new": len(present) - moved,
        "reference_changed": len(changed),
        "cutoff": cutoff.isoformat() if cutoff else None,
    }
    context.extra["reconciliation"] = summary
    context.extra.setdefault("sections", []).append(("Reconciliation", _summary_lines(summary)))


def _summary_lines(summary: Mapping[str, Any]) -> list[str]:
    cutoff = summary["cutoff"]
    ending = f" or ending after {format_dmy(dt.date.fromisoformat(cutoff))}" if cutoff else ""
    return [
        f"expected  {summary['expected']:>7,}  learners the old system says should move (still in learning{ending})",
        f"present   {summary['present']:>7,}  learners in this file",
        f"missing   {summary['missing']:>7,}  expected but not in this file (listed above as missing-learner)",
        f"moved     {summary['moved']:>7,}  learners in this file found in the old system ({summary['reference_changed']:,} with a new reference)",
        f"new       {summary['new']:>7,}  learners in this file not in the old system",
    ]


__all__ = [
    "add_years",
    "checksum_mod11",
    "collection_period",
    "collection_period_shift",
    "conflicting_values",
    "date_compare",
    "dmy_date_since",
    "export_date",
    "fold_name",
    "learner_reconciliation",
    "period_label",
    "same_learner",
]
