"""Payloads shaped like the ones Excel sends to xlwings' remote engine, built in Python.

A payload is what xlwings Lite (Office.js client) sends with every script call: the book's
name, active sheet and names, and per sheet its name, visibility, used range, values (dates as
ISO text, empty cells as ""), notes, tables, pictures, shapes and charts. Formatting (fills,
number formats) is never part of it: :class:`~excel_payloads.model.ExcelModel` keeps the user's
formatting beside the payload so tests can prove the painter never touches it.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import xlwings as xw

from sheetcheck.packs import load_pack

IMPORT_DATE = dt.date(2025, 6, 30)
HEADER = [column.name for column in load_pack("enrollment-history").columns]


def iso(day: dt.date) -> str:
    """A real date cell as the Office.js client sends it."""
    return f"{day.isoformat()}T00:00:00.000Z"


def clean_row(k: int) -> list[Any]:
    """A valid enrollment; k varies the learner so no two rows are duplicates."""
    created = dt.date(2025, 1, 1) + dt.timedelta(days=k % 60)
    started = created + dt.timedelta(days=3)
    if k % 3 == 0:
        return [f"learner{k}@example.org", "Fire Safety 101", "Passed", 85, iso(created),
                iso(started), iso(started + dt.timedelta(days=10))]  # fmt: skip
    if k % 3 == 1:
        return [f"learner{k}@example.org", "Data Protection", "In Progress", "", iso(created),
                iso(started), ""]  # fmt: skip
    return [f"learner{k}@example.org", "Manual Handling", "Completed", "",
            f"{created.day}/{created.month}/{created.year}", iso(started),
            iso(started + dt.timedelta(days=5))]  # fmt: skip


def bad_row(k: int) -> tuple[list[Any], str, int]:
    """A row with exactly one error: (row, rule, 1-based column of the flagged cell)."""
    row = clean_row(3 * k)  # a Passed row: every column filled
    row[0] = f"bad{k}@example.org"
    if k % 2 == 0:
        row[2] = "Done"
        return row, "unknown-status", 3
    row[3] = 101
    return row, "invalid-score", 4


def remote_book(payload: dict[str, Any]) -> xw.Book:
    """``xw.Book(json=payload)``; registers the remote engine if xlwings was imported before
    the licence key was set (the key must be in the environment, see the tests' fixture)."""
    assert os.environ.get("XLWINGS_LICENSE_KEY"), "set XLWINGS_LICENSE_KEY (see the fixture)"
    names = {engine.name for engine in xw.engines}
    if "remote" not in names:
        from xlwings.pro import _xlremote

        xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
    # The engine edits the structure it is given (sheets added, names, active sheet): hand it
    # its own copy of everything but the cell values, which it only reads.
    data = {**payload, "book": dict(payload["book"])}
    data["sheets"] = [
        {**s, "notes": [dict(n) for n in s.get("notes", [])]} for s in payload["sheets"]
    ]
    data["names"] = [dict(n) for n in payload.get("names", [])]
    return xw.Book(json=data)


def sheet_payload(
    name: str, values: list[list[Any]], *, visible: bool = True, notes: tuple[str, ...] = ()
) -> dict[str, Any]:
    rows = len(values)
    cols = max((len(r) for r in values), default=0)
    rect = [[*r, *([""] * (cols - len(r)))] for r in values] or [[]]
    used = f"A1:{_letters(cols)}{rows}" if rows and cols else None
    return {
        "name": name,
        "visibility": "Visible" if visible else "Hidden",
        "used_range_address": used,
        "values": rect,
        "pictures": [],
        "shapes": [],
        "charts": [],
        "tables": [],
        "notes": [{"address": a} for a in notes],
        "notes_supported": True,
        "show_gridlines": True,
        "pivot_tables": [],
        "print_area": None,
    }


def book_payload(
    sheets: list[dict[str, Any]],
    *,
    active: int = 0,
    names: list[dict[str, Any]] | None = None,
    book_name: str = "enrollments.xlsx",
) -> dict[str, Any]:
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": book_name, "active_sheet_index": active, "selection": "A1"},
        "names": names or [],
        "sheets": sheets,
    }


def _letters(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def enrollment_values(
    clean: int, bad: int, *, title: bool = False
) -> tuple[list[list[Any]], list[tuple[int, int, str]]]:
    """Header, then ``clean`` valid rows with ``bad`` one-error rows spread among them.

    Returns the sheet values and the expected (row, column, rule) of every issue.
    """
    values: list[list[Any]] = []
    if title:
        values.append(["Enrollment history export", "", "", "", "", "", ""])
    values.append(list(HEADER))
    expected: list[tuple[int, int, str]] = []
    total = clean + bad
    every = total // bad if bad else 0
    b = 0
    for k in range(total):
        if bad and b < bad and k % every == every - 1:
            row, rule, col = bad_row(b)
            b += 1
            values.append(row)
            expected.append((len(values), col, rule))
        else:
            values.append(clean_row(k))
    return values, expected
