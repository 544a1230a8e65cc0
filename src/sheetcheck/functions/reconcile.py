"""Reconciling learners with the old system's export: ``learner-reconciliation``.

A migration must not lose learners. With ``--against OLD.xlsx`` the pack's related table holds
the old system's export; this function compares the file with it. The column names are
arguments, so any learner-record pack can use it; ilr-learners does.

Identity: two records are the same learner when both carry a real id (a valid ULN that is not
a placeholder such as 9999999999) and the ids are equal; otherwise when family name, given
names and date of birth are present on both and equal after normalising (accents, case,
spaces, hyphens and apostrophes ignored). Otherwise identity is unknown, and no error is
raised on a guess.

The pack names one check per rule, each with a ``part``; the comparison itself is computed
once per check run and shared by the parts.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..dates import format_dmy
from . import Context, Finding, TableView, check_function

_COLUMN = {"type": "string", "minLength": 1}
PARTS = ("columns", "reused-reference", "previous-reference", "missing")


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
            "part": {"enum": list(PARTS)},
            "reference": _COLUMN,
            "previous_reference": _COLUMN,
            "id": _COLUMN,
            "placeholder_ids": {"type": "array", "items": {"type": "string"}},
            "person": {"type": "array", "items": _COLUMN, "minItems": 3, "maxItems": 3},
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
    """Compare the learners in the file with the related table ``against`` (the old export).

    ``person`` names the family name, given names and date of birth columns, in that order.
    ``part`` selects what to report (one part per rule):

    ``columns``
        a column the comparison reads is absent from the export (one finding per column, on
        the header row, its ``column`` the missing column's name);
    ``reused-reference``
        the row's reference belongs to a different learner in the old system (on the
        reference cell; ``old_name``, ``old_uln``, ``old_row``);
    ``previous-reference``
        the row's learner is in the old system under another reference, and the previous
        reference column does not name it (on that cell; ``reason``, ``old_reference``);
    ``missing``
        learners the export says should move (status in ``continuing``, no end date, or an
        end date after the ``cutoff`` option) that the file accounts for by neither identity,
        reference nor previous reference: one file-level finding each (``old_reference``,
        ``old_name``, ``old_uln``, ``old_row``, ``reason``). This part also leaves the
        reconciliation in ``context.extra["reconciliation"]`` and a text section in
        ``context.extra["sections"]``.
    """
    old = view.related(args["against"])
    if old is None:
        return
    part = args["part"]
    if part == "columns":
        yield from _missing_export_columns(old, args)
        return
    comparison = _comparison(view, old, args, context)
    if part == "reused-reference":
        yield from _reused_references(args["reference"], comparison)
    elif part == "previous-reference":
        yield from _previous_references(view, args["previous_reference"], comparison)
    else:
        yield from _missing_learners(args, comparison, context)


# --------------------------------------------------------------------------- learners


@dataclass(frozen=True, slots=True)
class Learner:
    """One record of either file, as the comparison sees it."""

    index: int  # table row index
    row: int  # sheet row number
    ref: str | None  # reference, case and spacing folded
    prev: str | None  # previous reference, folded
    uln: str | None  # a real id: valid and not a placeholder
    person: tuple[str, str, dt.date] | None  # folded names and date of birth, when all known
    end: dt.date | None
    end_unreadable: bool
    status: Any
    written: tuple[Any, Any, Any, Any]  # reference, id, given and family names as written

    @property
    def ref_text(self) -> str:
        return _text(self.written[0])

    @property
    def uln_text(self) -> str:
        return _text(self.written[1])

    @property
    def name(self) -> str:
        """'Given Family' as written."""
        return " ".join(_text(p) for p in self.written[2:] if p is not None)


def same_learner(a: Learner, b: Learner) -> bool | None:
    """True or False when identity can be decided (see the module docstring), else None."""
    if a.uln is not None and b.uln is not None:
        return a.uln == b.uln
    if a.person is not None and b.person is not None:
        return a.person == b.person
    return None


def fold_name(value: Any) -> str:
    """A name compared for identity: no accents, case, spaces, hyphens or apostrophes."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class _Folded(dict[Any, Any]):
    """Memo of a folding function: each distinct value is folded once."""

    def __init__(self, fold: Any) -> None:
        super().__init__({None: None})
        self.fold = fold

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.fold(key)
        return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _fold_ref(value: Any) -> str | None:
    return " ".join(_text(value).split()).casefold() or None


def _anchor(view: TableView) -> Sequence[Any]:
    """A column list of the view's table (the same object on every call: identifies it)."""
    for col in view.pack.columns:
        if view.has(col.name):
            return view.raw(col.name)
    return []


def learners(view: TableView, args: Mapping[str, Any]) -> list[Learner]:
    """The records of ``view`` (its selected rows), columns named by ``args``."""
    size = len(_anchor(view))

    def column(name: str, typed: bool = False) -> list[Any]:
        if not view.has(name):
            return [None] * size
        return view.typed(name) if typed else view.json(name)

    refs, prevs = column(args["reference"]), column(args["previous_reference"])
    ids, id_texts = column(args["id"], typed=True), column(args["id"])
    family_col, given_col, birth_col = args["person"]
    families, givens = column(family_col), column(given_col)
    births = column(birth_col, typed=True)
    ends, end_json = column(args["end_date"], typed=True), column(args["end_date"])
    statuses = column(args["status"])
    placeholders = set(args.get("placeholder_ids", ()))
    names, ref_folds = _Folded(fold_name), _Folded(_fold_ref)
    out = []
    for i in view.rows:
        uln = ids[i] if isinstance(ids[i], str) and ids[i] not in placeholders else None
        family, given, birth = families[i], givens[i], births[i]
        person = None
        if family and given and isinstance(birth, dt.date):
            person = (names[family], names[given], birth)
        end = ends[i] if isinstance(ends[i], dt.date) else None
        out.append(
            Learner(
                index=i,
                row=view.row_number(i),
                ref=ref_folds[refs[i]],
                prev=ref_folds[prevs[i]],
                uln=uln,
                person=person,
                end=end,
                end_unreadable=end is None and end_json[i] is not None,
                status=statuses[i],
                written=(refs[i], id_texts[i], given, family),
            )
        )
    return out


class OldIndex:
    """The old export's learners, looked up by reference, id and person."""

    def __init__(self, people: Sequence[Learner]) -> None:
        self.by_ref: dict[str, Learner] = {}
        self.by_uln: dict[str, list[Learner]] = {}
        self.by_person: dict[tuple[str, str, dt.date], list[Learner]] = {}
        for p in people:
            if p.ref is not None:
                self.by_ref.setdefault(p.ref, p)
            if p.uln is not None:
                self.by_uln.setdefault(p.uln, []).append(p)
            if p.person is not None:
                self.by_person.setdefault(p.person, []).append(p)

    def same_person(self, new: Learner) -> list[Learner]:
        """Old records that are certainly ``new``'s learner (by id, else by person)."""
        candidates: list[Learner] = []
        if new.uln is not None:
            candidates.extend(self.by_uln.get(new.uln, ()))
        if new.person is not None:
            candidates.extend(self.by_person.get(new.person, ()))
        found: dict[int, Learner] = {}
        for old in candidates:
            if same_learner(new, old):
                found.setdefault(old.index, old)
        return list(found.values())

    def matches(self, new: Learner) -> list[Learner]:
        """Every old record ``new`` accounts for: the same learner, or the record its
        reference or previous reference names, unless that is certainly someone else."""
        found = {p.index: p for p in self.same_person(new)}
        for ref in (new.ref, new.prev):
            old = self.by_ref.get(ref) if ref is not None else None
            if old is not None and same_learner(new, old) is not False:
                found.setdefault(old.index, old)
        return list(found.values())


@dataclass(frozen=True, slots=True)
class _Comparison:
    new: list[Learner]
    old: list[Learner]
    index: OldIndex


# Per check run (one Context), the comparison the parts share, keyed by the arguments other
# than ``part``; dropped when the Context is garbage-collected. Each entry keeps the column
# lists it was built from, so a Context reused for another table never gets a stale answer.
_SHARED: dict[int, dict[str, tuple[object, object, _Comparison]]] = {}


def _comparison(
    view: TableView, old: TableView, args: Mapping[str, Any], context: Context
) -> _Comparison:
    spec = json.dumps({k: v for k, v in args.items() if k != "part"}, sort_keys=True)
    spec += repr((len(view.rows), view.rows[0] if view.rows else None))
    anchors = (_anchor(view), _anchor(old))
    shared = _SHARED.get(id(context))
    if shared is None:
        shared = _SHARED[id(context)] = {}
        weakref.finalize(context, _SHARED.pop, id(context), None)
    hit = shared.get(spec)
    if hit is not None and hit[0] is anchors[0] and hit[1] is anchors[1]:
        return hit[2]
    old_people = learners(old, args)
    comparison = _Comparison(learners(view, args), old_people, OldIndex(old_people))
    shared[spec] = (anchors[0], anchors[1], comparison)
    return comparison


# --------------------------------------------------------------------------- parts


def _missing_export_columns(old: TableView, args: Mapping[str, Any]) -> Iterator[Finding]:
    wanted = [args["reference"], args["id"], *args["person"], args["end_date"], args["status"]]
    for name in wanted:
        if not old.has(name):
            yield Finding(None, name, {"column": name})


def _reused_references(column: str, comparison: _Comparison) -> Iterator[Finding]:
    by_ref = comparison.index.by_ref
    for new in _first_rows(comparison.new):
        old = by_ref.get(new.ref) if new.ref is not None else None
        if old is not None and same_learner(new, old) is False:
            yield Finding(
                new.index,
                column,
                {"old_name": old.name, "old_uln": old.uln_text or "none", "old_row": old.row},
            )


def _previous_references(
    view: TableView, column: str, comparison: _Comparison
) -> Iterator[Finding]:
    for new in _first_rows(comparison.new):
        olds = [o for o in comparison.index.same_person(new) if o.ref is not None]
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


def _first_rows(rows: Sequence[Learner]) -> Iterator[Learner]:
    """Each learner's first row: a learner with several aims is reported once (the rows
    agree on the learner's details, or learner-fields-agree says they do not)."""
    seen: set[str] = set()
    for row in rows:
        if row.ref is not None:
            if row.ref in seen:
                continue
            seen.add(row.ref)
        yield row


def _expected_reason(old: Learner, args: Mapping[str, Any], cutoff: dt.date | None) -> str:
    """Why an old record should move ('' when it should not)."""
    continuing = {_text(v) for v in args["continuing"]}
    if old.status is not None and _text(old.status) in continuing:
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
    args: Mapping[str, Any], comparison: _Comparison, context: Context
) -> Iterator[Finding]:
    cutoff = _cutoff(context)
    accounted: set[int] = set()
    present: dict[str, bool] = {}  # folded reference -> found in the old export
    changed: set[str] = set()
    for new in comparison.new:
        if new.ref is None:
            continue
        found = comparison.index.matches(new)
        present[new.ref] = present.get(new.ref, False) or bool(found)
        accounted.update(o.index for o in found)
        if found and new.ref not in {o.ref for o in found}:
            changed.add(new.ref)
    expected = missing = 0
    for rows in _old_learners(comparison.old):
        # One learner, one row per learning aim: they move if any of their aims says so,
        # and they are accounted for if any of their rows is.
        reasons = [(r, _expected_reason(r, args, cutoff)) for r in rows]
        old, reason = next(((r, why) for r, why in reasons if why), (rows[0], ""))
        if not reason:
            continue
        expected += 1
        if not any(r.index in accounted for r in rows):
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
    moved = sum(present.values())
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
    context.extra.setdefault("sections", []).append(("Reconciliation", summary_lines(summary)))


def _old_learners(old: Sequence[Learner]) -> list[list[Learner]]:
    """The old export's rows grouped by learner (folded reference), in file order; a row
    without a reference is a learner of its own."""
    groups: dict[str, list[Learner]] = {}
    for row in old:
        groups.setdefault(row.ref or f"#{row.index}", []).append(row)
    return list(groups.values())


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """The reconciliation as the text report prints it."""
    cutoff = summary["cutoff"]
    ending = f" or ending after {format_dmy(dt.date.fromisoformat(cutoff))}" if cutoff else ""
    return [
        f"expected  {summary['expected']:>7,}  learners the old system says should move (still in learning{ending})",
        f"present   {summary['present']:>7,}  learners in this file",
        f"missing   {summary['missing']:>7,}  expected but not in this file (listed above as missing-learner)",
        f"moved     {summary['moved']:>7,}  learners in this file found in the old system ({summary['reference_changed']:,} with a new reference)",
        f"new       {summary['new']:>7,}  learners in this file not in the old system",
    ]


__all__ = ["PARTS", "Learner", "OldIndex", "fold_name", "learners", "same_learner"]
