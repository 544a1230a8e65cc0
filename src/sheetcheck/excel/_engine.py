"""The one place the Excel front end reaches the engine: a workbook's grids in, a report out.

Validate reads every sheet's values and hands them to :func:`check_sheets`, which checks them
through :func:`sheetcheck.checker.check_book`, the very function ``sheetcheck check`` runs on a
saved file: one verdict. Everything here is imported lazily by the callers so that
``import sheetcheck.excel`` stays cheap and works in Pyodide (xlwings Lite), where
python-calamine and openpyxl do not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from ..model import CellValue, FileReport
from ..readers._memory import EXCEL_ERRORS, cell_value, grid_rows

__all__ = ["EXCEL_ERRORS", "cell_value", "check_rows", "check_sheets", "grid_rows"]


def check_sheets(
    book_name: str,
    sheets: Iterable[tuple[str, int, int, Any]],
    *,
    template: str | None = None,
    import_date: dt.date | None = None,
) -> FileReport:
    """Check a workbook given as (sheet name, first row, first column, values as Excel gives
    them) in workbook order. Raises SheetcheckError when it cannot be checked at all (its
    message is meant for the user)."""
    from ..checker import CheckOptions, check_book
    from ..packs import load_pack
    from ..readers._memory import GridWorkbook, grid

    pack = load_pack(template) if template else None
    book = GridWorkbook(book_name, (grid(*sheet) for sheet in sheets))
    return check_book(book, pack, CheckOptions(template=template, import_date=import_date))


def check_rows(
    sheet: str,
    first_row: int,
    first_col: int,
    rows: Sequence[Sequence[CellValue]],
    *,
    template: str | None = None,
    import_date: dt.date | None = None,
) -> FileReport:
    """Check one sheet's cells (the cell functions see one range, not the workbook)."""
    return check_sheets(
        sheet,
        [(sheet, first_row, first_col, rows)],
        template=template,
        import_date=import_date,
    )
