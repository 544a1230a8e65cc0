"""Functions callable from cells: ``SHEETCHECK.DATE``, ``SHEETCHECK.ROW``, ``SHEETCHECK.ISSUES``.

Plain Python, no xlwings: the xlwings Lite ``main.py`` (see :mod:`.lite`) and the desktop
module :mod:`.udfs_desktop` register them with ``@func``. They only call the engine, so no
rule is written twice.

Excel hands a custom function the serial number of a real date cell, not a date (Office.js
passes no formats). A whole number in Excel's date range that the engine flags as an invalid
date is therefore read as that date and checked again; the same number typed by hand is
indistinguishable and gets the same treatment.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from ..dates import DMY, EXCEL_EPOCH, DateFormat
from ..errors import InputError, SheetcheckError
from ..issues_layout import RANGE_COLUMNS
from ..model import CellValue, FileReport, Issue, json_value
from ._engine import check_rows, grid_rows

# The Issues sheet's columns, less Sheet (the function sees a range, not a sheet).
ISSUE_COLUMNS = list(RANGE_COLUMNS)
FIRST_SERIAL = 1  # 1/1/1900
LAST_SERIAL = 2_958_465  # 31/12/9999


def serial_date(value: object) -> dt.date | None:
    """An Excel date serial (whole number in Excel's date range) as a date, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not float(value).is_integer() or not FIRST_SERIAL <= value <= LAST_SERIAL:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=int(value))


def check_date(value: Any, date_format: Any = None) -> dt.date | str:
    """=SHEETCHECK.DATE(E2): the date as a real date, or a short reason it is invalid.

    ``date_format`` (optional) is a date format such as "yyyy-mm-dd" or the name of the
    template (or rule pack file) whose date format applies: =SHEETCHECK.DATE(E2, "m/d/yyyy").
    Without it the date is read as d/m/yyyy, the bundled templates' format.
    An empty cell gives "" (empty is a question for the column's required rule, not a date).
    """
    try:
        dates = cell_date_format(date_format)
    except SheetcheckError as err:
        return f"SheetCheck: {_reason(err)}"
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    verdict = dates.parse(serial_date(value) or value)
    if verdict.date is not None:
        return verdict.date
    text = f"invalid: {verdict.reason}"
    if verdict.suggestion:
        text += f"; did you mean {verdict.suggestion}?"
    return text


def cell_date_format(given: Any) -> DateFormat:
    """A cell function's date format argument: empty, a format ("yyyy-mm-dd") or a template."""
    text = "" if given is None else str(given).strip()
    if not text:
        return DMY
    try:
        return DateFormat.from_pattern(text)
    except ValueError:
        from ..packs import load_pack

        return load_pack(text).date_format


def row_issues(values: Any, header: Any, template: str | None = None) -> str:
    """=SHEETCHECK.ROW(A2:G2, A$1:G$1): the row's issues as text, "" when it is clean."""
    try:
        report = check_cells([_as_row(header), _as_row(values)], template)
    except SheetcheckError as err:
        return f"SheetCheck: {_reason(err)}"
    return " | ".join(_row_issue_text(issue) for issue in report.issues)


def _row_issue_text(issue: Issue) -> str:
    """'Enrollment Status "Done": unknown-status. Choose one of the five statuses...'.

    Built from the issue's fields, not its message: the message names a cell of the one-row
    grid the function checked (C2), which is not where the row is on the sheet.
    """
    value = json_value(issue.value)
    where = issue.column or "Row"
    if value not in (None, ""):
        where += f" {json.dumps(value, ensure_ascii=False)}"
    return f"{where}: {issue.rule}. {issue.fix or issue.message}".strip()


def issues_table(data: Any, template: str | None = None) -> list[list[Any]]:
    """=SHEETCHECK.ISSUES(A1:G5000): a table of every issue, one row each, below a header.

    Cell addresses count from the range's first cell as A1: pass a range that starts at A1
    for addresses that match the sheet.
    """
    try:
        report = check_cells(_as_rows(data), template)
    except SheetcheckError as err:
        return [[f"SheetCheck: {_reason(err)}"]]
    table: list[list[Any]] = [list(ISSUE_COLUMNS)]
    for issue in report.issues:
        value = json_value(issue.value)
        table.append(
            [
                issue.severity,
                issue.rule,
                issue.cell or "",
                issue.row,
                issue.column or "",
                "" if value is None else value,
                issue.message,
            ]
        )
    return table


def _reason(err: SheetcheckError) -> str:
    """The error for a cell: without the range's stand-in name or command-line advice."""
    return err.cause if isinstance(err, InputError) else str(err)


def _as_rows(data: Any) -> list[list[CellValue]]:
    if data is None:
        return []
    if not isinstance(data, list):
        return [[data]]
    if data and not isinstance(data[0], list):
        return [list(data)]
    return [list(row) for row in data]


def _as_row(data: Any) -> list[CellValue]:
    rows = _as_rows(data)
    if len(rows) == 1:
        return rows[0]
    return [row[0] if row else None for row in rows]  # a column given for a row


def check_cells(rows: Sequence[Sequence[Any]], template: str | None = None) -> FileReport:
    """The engine's report for cells from Excel; date serials flagged as invalid dates are
    read as dates and the check repeated once."""
    grid = grid_rows(rows)
    report = check_rows("cells", 1, 1, grid, template=template)
    changed = False
    for issue in report.issues:
        if issue.rule != "invalid-date" or not issue.cell:
            continue
        row, col = _position(issue.cell)
        if row > len(grid) or col > len(grid[row - 1]):
            continue
        day = serial_date(grid[row - 1][col - 1])
        if day is not None:
            grid[row - 1][col - 1] = day
            changed = True
    return check_rows("cells", 1, 1, grid, template=template) if changed else report


def _position(cell: str) -> tuple[int, int]:
    from ..model import column_index

    letters = cell.rstrip("0123456789")
    return int(cell[len(letters) :]), column_index(letters)
