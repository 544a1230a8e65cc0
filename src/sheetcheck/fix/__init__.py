"""``sheetcheck fix``: apply the safe fixes to a copy, list every change, re-check the copy.

The fixes are the engine's own: an issue whose finding the pack marks fixable carries the
proposed value (``Issue.fix_value``); nothing here decides what a cell should hold. This module
turns a report into a :class:`FixPlan` (one :class:`Change` per cell, and what is left for a
person), and the writers carry it out: :mod:`.xlsx` edits the workbook package surgically the
way the annotated copy does, :mod:`.csvfile` rewrites only the changed records of a CSV file.
The Excel Fix button (:mod:`sheetcheck.excel.fix`) uses the same plan.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import FIX_BLOCKED
from ..model import FileReport, Issue, column_index, json_value
from ..values import display_value

CHANGES_SHEET = "Changes"
CHANGE_COLUMNS = ("Sheet", "Cell", "Rule", "Before", "After", "Link")
_CELL = re.compile(r"([A-Z]{1,3})([0-9]+)")


@dataclass(frozen=True, slots=True)
class Change:
    """One cell to change: where, under which rule(s), the value before and after."""

    sheet: str
    cell: str
    rule: str
    before: Any
    after: Any

    @property
    def row(self) -> int:
        return int(_split(self.cell)[1])

    @property
    def col(self) -> int:
        return column_index(_split(self.cell)[0])


def _split(cell: str) -> tuple[str, str]:
    match = _CELL.fullmatch(cell)
    assert match is not None, cell
    return match[1], match[2]


@dataclass(frozen=True, slots=True)
class Blocked:
    """A whole column no fix may touch, and why (a column of swapped dates)."""

    sheet: str
    column: str
    letter: str
    reason: str

    def describe(self) -> str:
        return f"column {self.letter} ({self.column}) {self.reason}; none of its dates was changed"


@dataclass(slots=True)
class FixPlan:
    """What ``fix`` will change, and what stays for a person."""

    changes: list[Change] = field(default_factory=list)
    left: list[Issue] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)

    def by_rule(self) -> Counter[str]:
        return Counter(change.rule for change in self.changes)


def plan(report: FileReport) -> FixPlan:
    """The changes a report's fixable issues ask for, one per cell.

    Two issues on one cell proposing different values are not certain: neither is applied.
    """
    proposed: dict[tuple[str, str], list[Issue]] = {}
    result = FixPlan()
    for issue in report.issues:
        if issue.fix_value is not None and issue.cell:
            proposed.setdefault((issue.sheet, issue.cell), []).append(issue)
        else:
            result.left.append(issue)
    for (sheet, cell), found in proposed.items():
        values = {_key(i.fix_value) for i in found}
        if len(values) != 1:
            result.left.extend(found)
            continue
        rules = " ".join(dict.fromkeys(i.rule for i in found))
        result.changes.append(Change(sheet, cell, rules, found[0].value, found[0].fix_value))
    result.changes.sort(key=lambda c: (c.sheet, c.row, c.col))
    result.blocked = [Blocked(**entry) for entry in report.extra.get(FIX_BLOCKED, [])]
    return result


def _key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def shown(value: Any) -> str:
    """A value as the Changes list shows it: text exactly as it was (spaces included)."""
    value = json_value(value)
    return value if isinstance(value, str) else display_value(value)


def _visible(value: Any) -> str:
    """Text whose spaces matter is quoted, so a terminal shows them."""
    text = shown(value)
    if isinstance(json_value(value), str) and (
        text != text.strip() or "  " in text or "\u00a0" in text
    ):
        return '"' + text.replace("\u00a0", "\u2423") + '"'
    return text


def left_summary(left: Sequence[Issue]) -> list[str]:
    """'duplicate-enrollment: 2 (rows 14, 98)' lines for what a person must still do."""
    rows: dict[str, list[int]] = {}
    for issue in left:
        rows.setdefault(issue.rule, []).append(issue.row)
    lines = []
    for rule, found in sorted(rows.items()):
        where = ", ".join(str(r) for r in sorted(set(found))[:8])
        more = "..." if len(set(found)) > 8 else ""
        lines.append(f"{rule}: {len(found)} (rows {where}{more})")
    return lines


def changes_table(changes: Sequence[Change], files: Mapping[str, str] | None = None) -> str:
    """The changes as an aligned text table (for the terminal and --dry-run)."""
    rows = [("Sheet", "Cell", "Rule", "Before", "After")]
    rows += [(c.sheet, c.cell, c.rule, _visible(c.before), _visible(c.after)) for c in changes]
    widths = [min(max(len(r[k]) for r in rows), 40) for k in range(5)]
    return "".join(
        "  ".join(value[:40].ljust(widths[k]) for k, value in enumerate(row)).rstrip() + "\n"
        for row in rows
    )


__all__ = [
    "CHANGES_SHEET",
    "CHANGE_COLUMNS",
    "Blocked",
    "Change",
    "FixPlan",
    "changes_table",
    "left_summary",
    "plan",
    "shown",
]
