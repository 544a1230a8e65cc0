"""The one place the Excel front end reaches the engine: a grid of cell values in, a report out.

Everything here is imported lazily by the callers so that ``import sheetcheck.excel`` stays
cheap and works in Pyodide (xlwings Lite), where python-calamine and openpyxl do not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..model import CellError, CellValue, FileReport

# What Excel shows for an error value; xlwings hands them over as text with err_to_str=True.
EXCEL_ERRORS = frozenset(
    {
        "#DIV/0!",
        "#N/A",
        "#NAME?",
        "#NULL!",
        "#NUM!",
        "#REF!",
        "#VALUE!",
        "#DATA!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
    }
)


def cell_value(value: Any) -> CellValue:
    """One value as xlwings read it -> the engine's CellValue (error text -> CellError)."""
    if isinstance(value, str) and value in EXCEL_ERRORS:
        return CellError(value)
    return value  # xlwings hands over only CellValue shapes


def grid_rows(values: Any) -> list[list[CellValue]]:
    """A used range's values (ndim=2) as rows of CellValues."""
    if values is None:
        return []
    return [[cell_value(value) for value in row] for row in values]


def check_rows(
    sheet: str,
    first_row: int,
    first_col: int,
    rows: Sequence[Sequence[CellValue]],
    *,
    template: str | None = None,
    import_date: dt.date | None = None,
) -> FileReport:
    """Run the headless check on one sheet's cells. Raises SheetcheckError when no header of
    a known template is found (its message is meant for the user)."""
    from ..checker import check_grid
    from ..engine import Context
    from ..readers import SheetGrid

    grid = SheetGrid(sheet, first_row, first_col, [list(row) for row in rows])
    context = Context() if import_date is None else Context(import_date=import_date)
    return check_grid(grid, template=template, context=context)
