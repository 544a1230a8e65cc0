"""xlsx, xlsm, xlsb, xls and ods through python-calamine, with what calamine loses put back.

The hot path is calamine's ``iter_rows()``, whose empty cells ("") become None as the rows
arrive (a partial read through ``to_python()`` takes one more pass, ``"" in row``); on top of
it we place the few cells the xlsx scan found:

* Excel error cells become :class:`CellError` (calamine returns them as empty strings). For
  xlsx/xlsm they come from the streaming scan of the sheet XML. For xls, xlsb and ods the error
  is not recoverable through python-calamine and such a cell reads as empty (documented).
* formulas without a cached value become :class:`UncachedFormula` (xlsx/xlsm; calamine drops
  them).
* durations (cells formatted ``[h]:mm:ss``; calamine returns ``timedelta``) become the text
  Excel shows, e.g. ``"36:00:00"``.

Row and column numbers: calamine drops leading empty rows and columns; ``sheet.start`` gives
the offset, kept as ``SheetGrid.first_row`` / ``first_col``. The 1904 date system is applied
by calamine for xlsx, xlsb and xls (verified on the corpus's date_1904 files).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException

from sheetcheck.errors import InputError
from sheetcheck.limits import Limits
from sheetcheck.model import CellError, CellValue, UncachedFormula
from sheetcheck.readers._base import SheetGrid, WorkbookReader
from sheetcheck.readers._preflight import RESAVE, ZIP_ERRORS, Inspection, read_part, zip_failure
from sheetcheck.readers._xlsx_scan import SheetScan, scan_sheet, workbook_sheets

_EXTENSIONS = {
    "xlsx": (".xlsx", ".xlsm", ".xlam"),
    "xlsm": (".xlsx", ".xlsm", ".xlam"),
    "xlsb": (".xlsb",),
    "xls": (".xls", ".xla"),
    "ods": (".ods",),
}
_DURATION_FORMAT = re.compile(rb'formatCode="[^"]*\[(?:h+|m+|s+)\]', re.IGNORECASE)


@contextlib.contextmanager
def _rust_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 points at the null device while calamine parses.

    A Rust panic inside python-calamine prints "thread ... panicked at ..." through Rust's
    panic hook straight to fd 2, before pyo3 turns it into an exception we catch and report
    in one line; no library may write on our stderr. Python cannot replace that hook, so the
    descriptor itself is redirected around each parsing call (a dup2 costs microseconds).
    """
    try:
        saved = os.dup(2)
        sink = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no stderr at all, or no /dev/null: nothing to protect
        yield
        return
    try:
        sys.stderr.flush()
        os.dup2(sink, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)


def _calamine() -> Any:
    try:
        import python_calamine
    except ImportError:  # pragma: no cover - the dependency is installed everywhere but Pyodide
        from sheetcheck.errors import UsageError

        raise UsageError(
            "reading spreadsheets needs python-calamine: pip install python-calamine"
        ) from None
    return python_calamine


class CalamineReader(WorkbookReader):
    """A workbook read by python-calamine."""

    def __init__(self, inspection: Inspection, limits: Limits) -> None:
        self.path = inspection.path
        self.format = inspection.format
        self.skipped_sheets = inspection.skipped_sheets
        self._inspection = inspection
        self._limits = limits
        self._archive: zipfile.ZipFile | None = None
        self._parts: dict[str, str] = {}
        self._scans: dict[str, SheetScan] = {}
        self._loaded: tuple[str, Any] | None = None
        self._durations = self.format not in ("xlsx", "xlsm")
        self._charts: set[str] = set()
        calamine = _calamine()
        self._errors: dict[str, list[tuple[int, int, str]]] = {}
        if self.format in ("xlsx", "xlsm"):
            self._open_archive()
        elif self.format in ("xls", "ods", "xlsb"):
            self._errors = _other_format_errors(inspection)
        try:
            with _rust_stderr_silenced():
                self._book = self._open_book(calamine)
            self.sheet_names = list(self._book.sheet_names)
            chart = calamine.SheetTypeEnum.ChartSheet
            self._charts = {m.name for m in self._book.sheets_metadata if m.typ == chart}
        except calamine.PasswordError:
            self.close()
            raise InputError(
                self.path, "password-protected", _password_advice(self.format)
            ) from None
        except calamine.CalamineError as exc:
            self.close()
            raise _calamine_failure(self.path, self.format, exc) from None
        except (ValueError, OSError, RuntimeError) as exc:  # what else python-calamine raises
            self.close()
            raise _calamine_failure(self.path, self.format, exc) from None
        except BaseException as exc:
            self.close()
            raise _panic_or_reraise(self.path, self.format, exc) from None

    def _open_book(self, calamine: Any) -> Any:
        """calamine picks its parser by extension; a misnamed file is handed over as bytes, and
        so is a workbook pre-flight made readable in memory (see ._convert)."""
        content = self._inspection.content
        if content is None and os.path.splitext(self.path)[1].lower() in _EXTENSIONS[self.format]:
            return calamine.CalamineWorkbook.from_path(self.path)
        with self._inspection.open() as handle:
            return calamine.CalamineWorkbook.from_filelike(handle)

    def _open_archive(self) -> None:
        try:
            self._archive = zipfile.ZipFile(self._inspection.source())
            self._parts = dict(workbook_sheets(self._archive))
            styles = [n for n in self._archive.namelist() if n.lower().endswith("styles.xml")]
            self._durations = any(
                _DURATION_FORMAT.search(read_part(self._archive, name)) for name in styles
            )
        except (DefusedXmlException, ParseError, LookupError, UnicodeError) as exc:  # bad XML
            self.close()
            raise InputError(self.path, f"corrupt workbook XML ({exc})", RESAVE) from None
        except ZIP_ERRORS as exc:
            self.close()
            raise zip_failure(self.path, exc) from None

    def read_sheet(self, name: str, nrows: int | None = None) -> SheetGrid:
        self._check_sheet(name)
        if name in self._charts:
            return SheetGrid(name, 1, 1, [])  # a chart sheet holds no cells
        sheet = self._sheet(name)
        scan = self._scans.get(name)
        start = sheet.start
        if start is None:
            first_row, first_col, rows = 1, 1, []
        else:
            first_row, first_col = start[0] + 1, start[1] + 1
            rows = self._rows(sheet, nrows, first_row)
        if nrows is None:
            self._loaded = None  # a full read is the last one: free calamine's copy now
        del sheet
        grid = SheetGrid(name, first_row, first_col, rows)
        if nrows is not None:  # a full read made empty cells None already (_interned_rows)
            _empty_cells_to_none(grid.rows)
        if self._durations:
            _durations_to_text(grid.rows)
        errors = scan.errors if scan is not None else self._errors.get(name, [])
        for row, col, code in errors:
            if nrows is None or row <= nrows:
                _place(grid, row, col, CellError(code))
        if scan is not None:
            for row, col, formula in scan.formulas:
                if nrows is None or row <= nrows:
                    _place(grid, row, col, UncachedFormula(formula))
        return grid

    def _rows(self, sheet: Any, nrows: int | None, first_row: int) -> list[list[Any]]:
        try:
            if nrows is None:
                return _interned_rows(sheet, first_row)
            wanted = nrows - first_row + 1
            if wanted <= 0:
                return []
            with _rust_stderr_silenced():
                return sheet.to_python(nrows=wanted)
        except (_calamine().CalamineError, ValueError, RuntimeError, OSError) as exc:
            raise _calamine_failure(self.path, self.format, exc) from None
        except BaseException as exc:
            raise _panic_or_reraise(self.path, self.format, exc) from None

    def _sheet(self, name: str) -> Any:
        """The parsed calamine sheet (the last one is kept: header search, then full read)."""
        if self._loaded is not None and self._loaded[0] == name:
            return self._loaded[1]
        self._loaded = None  # let the previous sheet's memory go before parsing the next
        part = self._parts.get(name, "")
        if self._archive is not None and part and name not in self._scans:
            sheet = self._scan_and_parse(name, part)
        else:
            sheet = self._parse(name)
        self._loaded = (name, sheet)
        return sheet

    def _parse(self, name: str) -> Any:
        calamine = _calamine()
        try:
            with _rust_stderr_silenced():
                return self._book.get_sheet_by_name(name)
        except calamine.PasswordError:
            raise InputError(
                self.path, "password-protected", _password_advice(self.format)
            ) from None
        except (calamine.CalamineError, ValueError, RuntimeError, OSError) as exc:
            raise _calamine_failure(self.path, self.format, exc) from None
        except BaseException as exc:
            raise _panic_or_reraise(self.path, self.format, exc) from None

    def _scan_and_parse(self, name: str, part: str) -> Any:
        """Scan the sheet part, then let calamine parse it.

        Always in this order: calamine sizes a sheet by its used rectangle, so a stray cell at
        XFD1048576 makes it ask for 17 billion cells and abort the process; the scan refuses
        such a sheet first. (A scan on a thread beside calamine's parse, as big parts once had,
        hid no time, calamine holding the GIL, and could not stop the parse.)
        """
        assert self._archive is not None
        try:
            self._archive.getinfo(part)
        except KeyError:
            raise InputError(
                self.path, f"corrupt: sheet {name!r} has no part {part}", RESAVE
            ) from None
        self._scans[name] = scan_sheet(self.path, self._archive, part, self._limits)
        return self._parse(name)

    def close(self) -> None:
        self._loaded = None
        book = getattr(self, "_book", None)
        if book is not None:
            with contextlib.suppress(Exception):  # already closed is fine
                book.close()
            self._book = None
        if self._archive is not None:
            self._archive.close()
            self._archive = None


def _interned_rows(sheet: Any, first_row: int) -> list[list[Any]]:
    """Every row from ``first_row`` on, equal text sharing one string object.

    ``to_python()`` makes a new str for every cell: at 1,048,575 x 7 that is seven million
    objects next to calamine's own copy (measured: 953 MB peak). Rows come one at a time
    from ``iter_rows()`` instead and repeated text (statuses, courses, dates, empty cells)
    is interned as it arrives: 657 MB peak, about 0.5 s more, and the engine's per-value
    memos then hit by identity.
    """
    memo: dict[str, str | None] = {"": None}  # an empty cell becomes None on the way in
    intern = memo.setdefault
    rows = itertools.islice(sheet.iter_rows(), first_row - 1, None)  # iter_rows starts at row 1
    return [[intern(v, v) if v.__class__ is str else v for v in row] for row in rows]


def _other_format_errors(inspection: Inspection) -> dict[str, list[tuple[int, int, str]]]:
    """Error cells of an xls, xlsb or ods workbook; {} when the scan cannot make sense of it."""
    fmt = inspection.format
    if fmt == "xls":
        from sheetcheck.readers._xls_scan import xls_errors

        with inspection.open() as handle:
            return xls_errors(handle, inspection.size)
    from sheetcheck.readers._ods_scan import ods_errors
    from sheetcheck.readers._xlsb_scan import xlsb_errors

    scan = ods_errors if fmt == "ods" else xlsb_errors
    try:
        with zipfile.ZipFile(inspection.source()) as archive:
            return scan(archive)
    except (
        DefusedXmlException,
        ParseError,
        LookupError,
        UnicodeError,
        KeyError,
        IndexError,
        *ZIP_ERRORS,
    ):
        return {}  # calamine decides whether the file is readable


def _panic_or_reraise(path: str, fmt: str, exc: BaseException) -> BaseException:
    """A Rust panic inside python-calamine (pyo3's PanicException, a BaseException) means
    the file broke the parser: an InputError. Anything else (KeyboardInterrupt...) is
    returned to be raised as it was."""
    if type(exc).__name__ == "PanicException":
        failure = _calamine_failure(path, fmt, exc)
        return CalaminePanicked(failure.path, failure.cause, failure.advice)
    return exc


class CalaminePanicked(InputError):
    """calamine's parser panicked on the file: another reader may still read it."""


def _password_advice(fmt: str) -> str:
    if fmt == "ods":
        return "remove the password in LibreOffice (File > Properties > Security) and save again"
    return "remove the password in Excel (File > Info > Protect Workbook) and save again"


def _calamine_failure(path: str, fmt: str, exc: BaseException) -> InputError:
    text = str(exc).strip().splitlines()
    detail = text[0][:160] if text else type(exc).__name__
    lowered = detail.lower()
    if "password" in lowered or "encrypt" in lowered:
        return InputError(path, "password-protected", _password_advice(fmt))
    if "eof" in lowered or "truncat" in lowered or "unexpected end" in lowered:
        return InputError(path, f"truncated ({detail})", RESAVE)
    return InputError(path, f"corrupt or unreadable {fmt} file ({detail})", RESAVE)


def _empty_cells_to_none(rows: list[list[Any]]) -> None:
    """In place: "" (how ``to_python()`` gives an empty cell) -> None."""
    for k, row in enumerate(rows):
        if "" in row:
            rows[k] = [None if value == "" else value for value in row]


def _durations_to_text(rows: list[list[Any]]) -> None:
    """In place: timedelta -> the text Excel shows (only called when durations exist)."""
    for row in rows:
        for j, value in enumerate(row):
            if isinstance(value, dt.timedelta):
                row[j] = _duration_text(value)


def _duration_text(value: dt.timedelta) -> str:
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _place(grid: SheetGrid, row: int, col: int, value: CellValue) -> None:
    """Put ``value`` at sheet (row, col), growing the grid in any direction if needed."""
    if not grid.rows:
        grid.first_row, grid.first_col = row, col
    if row < grid.first_row:
        grid.rows[:0] = [[] for _ in range(grid.first_row - row)]
        grid.first_row = row
    if col < grid.first_col:
        pad = grid.first_col - col
        grid.rows[:] = [[None] * pad + r if r else r for r in grid.rows]
        grid.first_col = col
    k, j = row - grid.first_row, col - grid.first_col
    while len(grid.rows) <= k:
        grid.rows.append([])
    target = grid.rows[k]
    if len(target) <= j:
        target.extend([None] * (j + 1 - len(target)))
    target[j] = value
