"""xlsx and xlsm through openpyxl, where python-calamine is not installed (Pyodide).

openpyxl runs in read-only mode with ``reset_dimensions()``: read-only mode otherwise trusts
the sheet's declared ``<dimension ref=...>``, and a file declaring ``A1`` would read as one
empty cell. Values are made to match the calamine reader: error cells and formulas without a
cached value come from the same streaming scan (:mod:`._xlsx_scan`, which also enforces the
used-range limits before openpyxl reads a sheet), midnight datetimes become dates, durations
the text Excel shows, empty strings None. Slower than calamine (about 5x), but pure Python.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException

from sheetcheck.errors import InputError
from sheetcheck.limits import Limits
from sheetcheck.model import CellError, CellValue, UncachedFormula
from sheetcheck.readers._base import SheetGrid, WorkbookReader
from sheetcheck.readers._calamine import _duration_text, _place
from sheetcheck.readers._preflight import RESAVE, ZIP_ERRORS, Inspection, zip_failure
from sheetcheck.readers._xlsx_scan import scan_sheet, workbook_sheets


class OpenpyxlReader(WorkbookReader):
    """An xlsx/xlsm workbook read by openpyxl."""

    def __init__(self, inspection: Inspection, limits: Limits) -> None:
        import openpyxl

        self.path = inspection.path
        self.format = inspection.format
        self.skipped_sheets = inspection.skipped_sheets
        self._limits = limits
        self._archive: zipfile.ZipFile | None = None
        self._book: Any = None
        try:
            self._archive = zipfile.ZipFile(inspection.source())
            self._parts = dict(workbook_sheets(self._archive))
            self._book = openpyxl.load_workbook(
                inspection.source(), read_only=True, data_only=True, keep_links=False
            )
        except (DefusedXmlException, ParseError, LookupError, UnicodeError) as exc:
            self.close()
            raise InputError(self.path, f"corrupt workbook XML ({exc})", RESAVE) from None
        except ValueError as exc:  # openpyxl: "Unable to read workbook..." and bad values
            self.close()
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(
                self.path, f"corrupt or unreadable xlsx file ({detail})", RESAVE
            ) from None
        except ZIP_ERRORS as exc:
            self.close()
            raise zip_failure(self.path, exc) from None
        except (KeyError, TypeError, AttributeError, IndexError) as exc:  # openpyxl on bad parts
            self.close()
            raise InputError(
                self.path, f"corrupt or unreadable xlsx file ({exc})", RESAVE
            ) from None
        self.sheet_names = list(self._book.sheetnames)

    def read_sheet(self, name: str, nrows: int | None = None) -> SheetGrid:
        self._check_sheet(name)
        sheet = self._book[name]
        part = self._parts.get(name, "")
        if not part or not hasattr(sheet, "reset_dimensions"):
            return SheetGrid(name, 1, 1, [])  # a chart sheet holds no cells
        assert self._archive is not None
        scan = scan_sheet(self.path, self._archive, part, self._limits)
        sheet.reset_dimensions()
        try:
            rows = [
                [_value(v) for v in row] for row in sheet.iter_rows(max_row=nrows, values_only=True)
            ]
        except (
            *ZIP_ERRORS,
            ParseError,
            LookupError,
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
        ) as exc:  # ZIP_ERRORS holds ValueError: openpyxl's bad-value errors
            raise InputError(self.path, f"corrupt sheet {name!r} ({exc})", RESAVE) from None
        grid = SheetGrid(name, 1, 1, rows)
        for row, col, code in scan.errors:
            if nrows is None or row <= nrows:
                _place(grid, row, col, CellError(code))
        for row, col, formula in scan.formulas:
            if nrows is None or row <= nrows:
                _place(grid, row, col, UncachedFormula(formula))
        return grid

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None
        if self._archive is not None:
            self._archive.close()
            self._archive = None


def _value(value: Any) -> CellValue:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()  # as calamine gives it
    if isinstance(value, dt.timedelta):
        return _duration_text(value)
    return value
