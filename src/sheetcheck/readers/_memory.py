"""A workbook already in memory: sheets given as grids (the Excel front end reads them).

Validate in Excel hands every sheet's values to :class:`GridWorkbook`, and the checker reads it
through the same :class:`~sheetcheck.readers.WorkbookReader` interface as a file, so template
detection, header search, related sheets and every rule run the same code for a saved file and
for a live workbook. Values are converted the way the file readers convert them (midnight
datetimes become dates, "" becomes empty), see :func:`cell_value`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sheetcheck.model import CellError, CellValue
from sheetcheck.readers._base import SheetGrid, WorkbookReader

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
    """One value as Excel (through xlwings) gives it -> what a file reader gives for the cell.

    Error text becomes CellError, "" becomes None, a datetime at midnight becomes a date (a
    date cell: calamine and openpyxl give dates for those too), and a whole float stays a
    float (Excel has only floats; the readers give whole numbers as they were stored).
    """
    if isinstance(value, str):
        if value in EXCEL_ERRORS:
            return CellError(value)
        return value or None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        return value.date()
    return value  # xlwings hands over only CellValue shapes


def grid_rows(values: Any) -> list[list[CellValue]]:
    """A used range's values (ndim=2) as rows of CellValues."""
    if values is None:
        return []
    return [[cell_value(value) for value in row] for row in values]


class GridWorkbook(WorkbookReader):
    """Sheets given as (name, first_row, first_col, rows), in workbook order."""

    def __init__(self, path: str, sheets: Iterable[SheetGrid]) -> None:
        self.path = path
        self.format = "xlsx"
        self._grids = {grid.name: grid for grid in sheets}
        self.sheet_names = list(self._grids)

    def read_sheet(self, name: str, nrows: int | None = None) -> SheetGrid:
        self._check_sheet(name)
        grid = self._grids[name]
        if nrows is None:
            return grid
        keep = max(0, nrows - grid.first_row + 1)
        return SheetGrid(grid.name, grid.first_row, grid.first_col, grid.rows[:keep])


def grid(name: str, first_row: int, first_col: int, rows: Sequence[Sequence[Any]]) -> SheetGrid:
    """A sheet's values as Excel gives them -> the grid a file reader would give."""
    return SheetGrid(name, first_row, first_col, grid_rows(rows))
