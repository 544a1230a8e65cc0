"""What every reader returns: :class:`SheetGrid`, and the :class:`WorkbookReader` base.

Its own module so that the readers (:mod:`._calamine`, :mod:`._csv`, :mod:`._openpyxl`) and
:mod:`sheetcheck.readers`, which picks one of them, do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from sheetcheck.errors import InputError
from sheetcheck.model import CellValue

FORMATS = ("xlsx", "xlsm", "xls", "xlsb", "ods", "csv")


@dataclass
class SheetGrid:
    """One sheet's cells as rows, positioned on the sheet.

    ``rows[k]`` is sheet row ``first_row + k`` and ``rows[k][j]`` sheet column
    ``first_col + j`` (both 1-based). Blank rows inside the data are present (all None, or an
    empty list); rows may be shorter than the widest row (missing cells are empty). Values are
    :data:`~sheetcheck.model.CellValue`: text exactly as written, int/float, bool,
    date/datetime/time, :class:`~sheetcheck.model.CellError` for #N/A and friends,
    :class:`~sheetcheck.model.UncachedFormula` for a formula saved without a value, None for
    empty. In a merged range the value sits in the top-left cell and the others are None.
    """

    name: str
    first_row: int
    first_col: int
    rows: list[list[CellValue]]

    @property
    def last_row(self) -> int:
        """Sheet row number of the last row (first_row - 1 when there are no rows)."""
        return self.first_row + len(self.rows) - 1

    def cell(self, row: int, col: int) -> CellValue:
        """The value at sheet row ``row``, column ``col`` (1-based); None outside the grid."""
        k, j = row - self.first_row, col - self.first_col
        if 0 <= k < len(self.rows) and 0 <= j < len(self.rows[k]):
            return self.rows[k][j]
        return None


class WorkbookReader:
    """An open workbook. Use as a context manager, or call :meth:`close`."""

    path: str
    format: str
    sheet_names: list[str]
    # (name, what it is) of sheets not read because they are not worksheets (macro sheets...)
    skipped_sheets: list[tuple[str, str]] = []  # noqa: RUF012 - never mutated; readers assign

    def read_sheet(self, name: str, nrows: int | None = None) -> SheetGrid:
        """The sheet ``name``; with ``nrows``, only sheet rows 1..nrows (header search)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the file and the parsed data."""

    def __enter__(self) -> WorkbookReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_sheet(self, name: str) -> None:
        if name not in self.sheet_names:
            listed = ", ".join(repr(n) for n in self.sheet_names) or "none"
            raise InputError(self.path, f"has no sheet named {name!r}", f"its sheets are {listed}")
