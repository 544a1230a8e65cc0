"""A second way into .xlsb workbooks: the BIFF12 records read directly, for when calamine fails.

calamine panics on some genuine Excel xlsb files (e.g. ones with ``binaryIndex`` parts and
style records it does not expect). The records it would have read are simple: BrtRowHdr sets
the row, the cell records (blank, RK, error, bool, real, inline string, shared-string index,
and the four cached formula results) carry a column, a style index and the value; the shared
strings are BrtSSTItem records; a cell is a date when its style's number format is one.

Values come out as calamine gives them: text, float, bool, date/datetime, CellError. The walk
is a Python loop (about 1 microsecond per record), so it is the fallback, not the main path;
the cell limits apply before any row is built.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
from typing import Any

from sheetcheck.errors import InputError
from sheetcheck.limits import Limits
from sheetcheck.model import CellError, CellValue
from sheetcheck.readers._base import SheetGrid, WorkbookReader
from sheetcheck.readers._calamine import _duration_text
from sheetcheck.readers._preflight import RESAVE, ZIP_ERRORS, Inspection, read_part
from sheetcheck.readers._xls_scan import ERROR_CODES
from sheetcheck.readers._xlsb_scan import _records, _sheet_parts, _wide_string
from sheetcheck.readers._xlsx_scan import SheetScan, check_box

_ROW = 0
_BLANK, _RK, _ERROR, _BOOL, _REAL, _STRING, _SHARED = 1, 2, 3, 4, 5, 6, 7
_F_STRING, _F_NUMBER, _F_BOOL, _F_ERROR = 8, 9, 10, 11
_SST_ITEM, _WORKBOOK_PROPS = 19, 153
_FORMAT, _XF, _BEGIN_CELL_XFS, _END_CELL_XFS = 44, 47, 617, 618
# Built-in number formats that show dates or times (ECMA-376 18.8.30).
_DATE_FORMAT_IDS = {*range(14, 23), *range(45, 48), *range(27, 37), *range(50, 59)}
_DATE_TOKENS = re.compile(r"[dmyhs]", re.IGNORECASE)
_DURATION = re.compile(r"\[(?:h+|m+|s+)\]", re.IGNORECASE)
_NOT_TOKENS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


class XlsbRecordReader(WorkbookReader):
    """An .xlsb workbook read record by record (the fallback when calamine cannot)."""

    def __init__(self, inspection: Inspection, limits: Limits) -> None:
        self.path = inspection.path
        self.format = "xlsb"
        self._limits = limits
        try:
            with zipfile.ZipFile(inspection.source()) as archive:
                self._parts = dict(_sheet_parts(archive))
                self._strings = _shared_strings(archive)
                self._dates, self._epoch = _date_styles(archive), _epoch(archive)
                self._data = {
                    name: archive.read(part)
                    for name, part in self._parts.items()
                    if part in archive.namelist()
                }
        except (struct.error, IndexError, KeyError, ValueError, UnicodeError) as exc:
            raise InputError(
                self.path, f"corrupt or unreadable xlsb file ({exc})", RESAVE
            ) from None
        except ZIP_ERRORS as exc:
            from sheetcheck.readers._preflight import zip_failure

            raise zip_failure(self.path, exc) from None
        self.sheet_names = list(self._parts)

    def read_sheet(self, name: str, nrows: int | None = None) -> SheetGrid:
        self._check_sheet(name)
        data = self._data.get(name, b"")
        try:
            cells = list(self._cells(data, nrows))
        except (struct.error, IndexError, ValueError) as exc:
            raise InputError(self.path, f"corrupt xlsb sheet {name!r} ({exc})", RESAVE) from None
        if not cells:
            return SheetGrid(name, 1, 1, [])
        first_row = min(r for r, _c, _v in cells)
        first_col = min(c for _r, c, _v in cells)
        scan = SheetScan(
            max_row=max(r for r, _c, _v in cells), max_col=max(c for _r, c, _v in cells)
        )
        check_box(self.path, scan, self._limits)
        rows: list[list[CellValue]] = [[] for _ in range(scan.max_row - first_row + 1)]
        for row, col, value in cells:
            line = rows[row - first_row]
            j = col - first_col
            if len(line) <= j:
                line.extend([None] * (j + 1 - len(line)))
            line[j] = value
        return SheetGrid(name, first_row, first_col, rows)

    def _cells(self, data: bytes, nrows: int | None) -> Any:
        """(row, column, value) with 1-based positions for every non-empty cell."""
        row = 0
        for kind, start, end in _records(data):
            if kind == _ROW and end - start >= 4:
                row = struct.unpack_from("<I", data, start)[0] + 1
                if nrows is not None and row > nrows:
                    return
                continue
            if not _BLANK < kind <= _F_ERROR or end - start < 9:
                continue
            col, style = struct.unpack_from("<II", data, start)
            value = self._value(kind, data, start + 8)
            if value is None or value == "":
                continue
            if isinstance(value, float) and (style & 0xFFFFFF) in self._dates:
                value = self._date(value, self._dates[style & 0xFFFFFF])
            yield row, col + 1, value

    def _value(self, kind: int, data: bytes, pos: int) -> CellValue:
        if kind == _RK:
            return _rk(struct.unpack_from("<I", data, pos)[0])
        if kind in (_REAL, _F_NUMBER):
            return float(struct.unpack_from("<d", data, pos)[0])
        if kind in (_BOOL, _F_BOOL):
            return bool(data[pos])
        if kind in (_ERROR, _F_ERROR):
            return CellError(ERROR_CODES.get(data[pos], "#N/A"))
        if kind in (_STRING, _F_STRING):
            return _wide_string(data, pos)[0]
        index = struct.unpack_from("<I", data, pos)[0]  # _SHARED
        return self._strings[index] if index < len(self._strings) else None

    def _date(self, serial: float, kind: str) -> CellValue:
        if kind == "duration":  # [h]:mm:ss: the text Excel shows, as the calamine path gives
            return _duration_text(dt.timedelta(days=serial))
        if serial < 0 or serial > 2_958_465:  # after 9999-12-31: show the number
            return serial
        epoch = self._epoch
        if serial < 60 and epoch.year == 1899:  # Excel counts a 29 February 1900 after these
            epoch += dt.timedelta(days=1)
        moment = epoch + dt.timedelta(milliseconds=round(serial * 86_400_000))
        if serial < 1:
            return moment.time()  # a time of day without a date, as calamine gives it
        return moment.date() if moment.time() == dt.time() else moment


def _rk(raw: int) -> float:
    """An RK number: a 30-bit integer or the top of a double, perhaps divided by 100."""
    if raw & 2:
        number = float(struct.unpack("<i", struct.pack("<I", raw))[0] >> 2)
    else:
        number = struct.unpack("<d", struct.pack("<Q", (raw & 0xFFFFFFFC) << 32))[0]
    return number / 100 if raw & 1 else number


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    part = next((n for n in archive.namelist() if n.lower() == "xl/sharedstrings.bin"), None)
    if part is None:
        return []
    data = archive.read(part)
    # A BrtSSTItem is a RichStr: one flags byte, then the text as an XLWideString.
    return [
        _wide_string(data, start + 1)[0]
        for kind, start, end in _records(data)
        if kind == _SST_ITEM and end - start >= 5
    ]


def _date_styles(archive: zipfile.ZipFile) -> dict[int, str]:
    """{index of a cell format (BrtXF in the cell XF list): "date" or "duration"} for the
    formats that show a number as a date, a time or an elapsed time."""
    part = next((n for n in archive.namelist() if n.lower() == "xl/styles.bin"), None)
    if part is None:
        return {}
    data = read_part(archive, part)
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_xfs = False
    for kind, start, end in _records(data):
        if kind == _FORMAT and end - start >= 6:
            custom[struct.unpack_from("<H", data, start)[0]] = _wide_string(data, start + 2)[0]
        elif kind == _BEGIN_CELL_XFS:
            in_cell_xfs = True
        elif kind == _END_CELL_XFS:
            in_cell_xfs = False
        elif kind == _XF and in_cell_xfs and end - start >= 4:
            formats.append(struct.unpack_from("<H", data, start + 2)[0])
    kinds = {k: _date_kind(fmt, custom.get(fmt)) for k, fmt in enumerate(formats)}
    return {k: kind for k, kind in kinds.items() if kind}


def _date_kind(number: int, code: str | None) -> str:
    """ "date", "duration" or "" for number format ``number`` (custom ``code``)."""
    if code is None:
        return "duration" if number == 46 else "date" if number in _DATE_FORMAT_IDS else ""
    section = code.split(";")[0]
    if _DURATION.search(section):
        return "duration"
    return "date" if _DATE_TOKENS.search(_NOT_TOKENS.sub("", section)) else ""


def _epoch(archive: zipfile.ZipFile) -> dt.datetime:
    """1899-12-30, or 1904-01-01 when the workbook uses the 1904 date system (BrtWbProp)."""
    data = read_part(archive, "xl/workbook.bin")
    for kind, start, end in _records(data):
        if kind == _WORKBOOK_PROPS and end - start >= 4:
            if struct.unpack_from("<I", data, start)[0] & 1:
                return dt.datetime(1904, 1, 1)
            break
    return dt.datetime(1899, 12, 30)
