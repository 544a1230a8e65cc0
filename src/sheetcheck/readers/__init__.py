"""Reading workbooks: pre-flight guard, then a reader chosen by what the file really is.

``open_workbook(path)`` inspects the file first (size, magic bytes, zip directory, declared
sizes and ratios, shared-string counts; see :mod:`._preflight`), then opens it with

* python-calamine for xlsx, xlsm, xlsb, xls and ods (:mod:`._calamine`); for xlsx/xlsm each
  sheet is also scanned as a stream (:mod:`._xlsx_scan`) for its real used range, Excel error
  cells and formulas without a cached value, which calamine loses;
* the standard library's csv module for CSV (:mod:`._csv`);
* openpyxl for xlsx/xlsm where python-calamine is not installed (Pyodide; :mod:`._openpyxl`);
* the xlsb records read directly where calamine's parser panics (:mod:`._xlsb_records`).

Workbooks that Excel or LibreOffice open without a question but calamine cannot are made
readable in memory first (:mod:`._convert`): Excel's default-password encryption, flat ODS,
and macro or dialog sheets (left out, and named in ``WorkbookReader.skipped_sheets``).

The format is chosen by magic bytes and archive content, never by the extension. Every failure
is an :class:`~sheetcheck.errors.InputError` naming the file, the cause and what to do.

Heavy readers are imported lazily: ``import sheetcheck.readers`` imports neither
python-calamine nor openpyxl, so the core package works where they are absent (Pyodide).
Parsing can still abort the process on inputs the guard cannot foresee; callers that must
survive that run the reading in :func:`sheetcheck.isolate.run_isolated`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import TracebackType

from sheetcheck.errors import InputError
from sheetcheck.limits import DEFAULT_LIMITS, Limits
from sheetcheck.model import CellValue

__all__ = ["FORMATS", "SheetGrid", "WorkbookReader", "detect_format", "open_workbook"]

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


def detect_format(path: str | os.PathLike[str], limits: Limits | None = None) -> str:
    """The file's real format ("xlsx", "csv"...), by content; raises InputError if unusable."""
    from sheetcheck.readers._preflight import inspect

    return inspect(os.fspath(path), limits or DEFAULT_LIMITS).format


def open_workbook(path: str | os.PathLike[str], limits: Limits | None = None) -> WorkbookReader:
    """Inspect ``path`` (pre-flight guard), then open it with the reader for its real format."""
    from sheetcheck.readers._preflight import inspect

    limits = limits or DEFAULT_LIMITS
    inspection = inspect(os.fspath(path), limits)
    if inspection.format == "csv":
        from sheetcheck.readers._csv import CsvReader

        return CsvReader(inspection, limits)
    if not has_calamine():
        if inspection.format in ("xlsx", "xlsm"):
            from sheetcheck.readers._openpyxl import OpenpyxlReader

            return OpenpyxlReader(inspection, limits)
        from sheetcheck.errors import UsageError

        raise UsageError(
            f"{inspection.path}: reading .{inspection.format} files needs python-calamine "
            "(pip install python-calamine); save the file as .xlsx or .csv instead"
        )
    from sheetcheck.readers._calamine import CalaminePanicked, CalamineReader

    try:
        return CalamineReader(inspection, limits)
    except CalaminePanicked:
        if inspection.format != "xlsb":
            raise
        # calamine panics on some genuine Excel xlsb files: read their records directly.
        from sheetcheck.readers._xlsb_records import XlsbRecordReader

        return XlsbRecordReader(inspection, limits)


def has_calamine() -> bool:
    """python-calamine is importable (not in Pyodide): xlsx/xlsm fall back to openpyxl."""
    import importlib.util

    return importlib.util.find_spec("python_calamine") is not None
