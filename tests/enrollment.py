"""Builders for enrollment-history test tables (not a test module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sheetcheck.engine import Context, check_table
from sheetcheck.model import Issue, Table
from sheetcheck.packs import load_pack

HEADER = [column.name for column in load_pack("enrollment-history").columns]
SHORT = dict(
    zip(
        ("login", "course", "status", "score", "created", "started", "completed"),
        HEADER,
        strict=True,
    )
)
IMPORT_DATE = dt.date(2026, 6, 1)

BASE: dict[str, Any] = {
    "login": "ann@school.org",
    "course": "Fire Safety",
    "status": "Completed",
    "score": None,
    "created": "1/1/2025",
    "started": "2/1/2025",
    "completed": "3/1/2025",
}


def row(**changes: Any) -> list[Any]:
    """A valid Completed enrollment, with ``changes`` (short names: login, status, ...)."""
    values = {**BASE, **changes}
    return [values[key] for key in SHORT]


def table(rows: Iterable[list[Any]], header: list[str] | None = None, first_row: int = 2) -> Table:
    rows = list(rows)
    header = header or HEADER
    return Table(
        sheet="Enrollments",
        header_row=first_row - 1,
        header=header,
        first_col=1,
        row_numbers=list(range(first_row, first_row + len(rows))),
        columns=[list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in header],
    )


def issues(rows: Iterable[list[Any]], import_date: dt.date = IMPORT_DATE, **kw: Any) -> list[Issue]:
    pack = load_pack("enrollment-history")
    return check_table(pack, table(rows, **kw), Context(import_date=import_date))


def found(
    rows: Iterable[list[Any]], rule: str | None = None, **kw: Any
) -> set[tuple[int, str | None, str]]:
    """{(row, column, rule)} of the issues, optionally only one rule's."""
    return {(i.row, i.column, i.rule) for i in issues(rows, **kw) if rule is None or i.rule == rule}


def by_short(name: str) -> str:
    return SHORT[name]


def as_mapping(issue: Issue) -> Mapping[str, Any]:
    return issue.to_dict()
