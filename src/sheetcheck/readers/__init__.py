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

from sheetcheck.limits import DEFAULT_LIMITS, Limits
from sheetcheck.readers._base import FORMATS, SheetGrid, WorkbookReader

__all__ = ["FORMATS", "SheetGrid", "WorkbookReader", "detect_format", "open_workbook"]


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
