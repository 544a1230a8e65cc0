"""Excel error cells in .xlsb (BIFF12) sheets, which python-calamine returns as empty.

The workbook part's BrtBundleSh records name the sheets and their relation ids; each sheet
part is a stream of records where BrtRowHdr sets the row and BrtCellError / BrtFmlaError carry
an error code. The walk is a Python loop over every record (about 0.5 microseconds each), so
it runs only on sheet parts up to ``MAX_SCAN_BYTES`` inflated (about 400,000 cells); in bigger
xlsb sheets error cells read as empty. Any structural surprise ends the scan with what it
found: calamine decides whether the file is readable.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from collections.abc import Iterator

from sheetcheck.limits import MIB
from sheetcheck.readers._xls_scan import ERROR_CODES

MAX_SCAN_BYTES = 16 * MIB
_ROW_HEADER, _CELL_ERROR, _FORMULA_ERROR, _BUNDLE_SHEET = 0, 3, 11, 156

Found = dict[str, list[tuple[int, int, str]]]


def _records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(record type, payload start, payload end) for each BIFF12 record."""
    pos, size = 0, len(data)
    while pos < size:
        kind = data[pos]
        pos += 1
        if kind & 0x80:
            kind = (kind & 0x7F) | ((data[pos] & 0x7F) << 7)
            pos += 1
        length, shift = 0, 0
        for _ in range(4):
            byte = data[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        yield kind, pos, pos + length
        pos += length


def _wide_string(data: bytes, pos: int) -> tuple[str, int]:
    count = struct.unpack_from("<I", data, pos)[0]
    if count == 0xFFFFFFFF:
        return "", pos + 4
    end = pos + 4 + 2 * count
    return data[pos + 4 : end].decode("utf-16-le", "replace"), end


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    from defusedxml import ElementTree

    from sheetcheck.readers._preflight import read_part

    targets: dict[str, str] = {}
    rels = ElementTree.fromstring(read_part(archive, "xl/_rels/workbook.bin.rels"))
    for element in rels.iter():
        if element.tag.rsplit("}", 1)[-1] == "Relationship":
            target = element.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[element.get("Id", "")] = posixpath.normpath(part)
    workbook = read_part(archive, "xl/workbook.bin")
    sheets = []
    for kind, start, end in _records(workbook):
        if kind == _BUNDLE_SHEET and end - start >= 12:
            # hsState and iTabID take 8 bytes; some Excel files have 4 more before the
            # relation id (calamine panics on those): take the layout whose id is known.
            for skip in (8, 12):
                rel_id, pos = _wide_string(workbook, start + skip)
                if rel_id in targets and pos <= end:
                    break
            name, _ = _wide_string(workbook, pos)
            sheets.append((name, targets.get(rel_id, "")))
    return sheets


def xlsb_errors(archive: zipfile.ZipFile) -> Found:
    """{sheet name: [(row, column, code)]} with 1-based sheet positions."""
    found: Found = {}
    names = set(archive.namelist())
    for name, part in _sheet_parts(archive):
        if part not in names or archive.getinfo(part).file_size > MAX_SCAN_BYTES:
            continue
        data = archive.read(part)
        row = 0
        cells = []
        for kind, start, end in _records(data):
            if kind == _ROW_HEADER and end - start >= 4:
                row = struct.unpack_from("<I", data, start)[0]
            elif kind in (_CELL_ERROR, _FORMULA_ERROR) and end - start >= 9:
                col = struct.unpack_from("<I", data, start)[0]
                cells.append((row + 1, col + 1, ERROR_CODES.get(data[start + 8], "#N/A")))
        if cells:
            found[name] = cells
    return found
