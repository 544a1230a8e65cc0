"""Error cells in .ods files, which python-calamine returns as empty.

LibreOffice stores a formula whose result is an error as a cell with
``calcext:value-type="error"`` and the code as its text (``#N/A``). A streaming search of
content.xml for that attribute costs about as much as inflating it; only when it occurs is the
part walked with defusedxml's iterparse, counting rows and columns the way calamine does
(``number-rows-repeated``, ``number-columns-repeated``, covered cells).
"""

from __future__ import annotations

import zipfile

_MARK = b'value-type="error"'
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_CALC_EXT_NS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_REPEAT_CAP = 1_048_576

Found = dict[str, list[tuple[int, int, str]]]


def has_error_cells(archive: zipfile.ZipFile, part: str = "content.xml") -> bool:
    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(1 << 20):
            if _MARK in tail + chunk:
                return True
            tail = chunk[-len(_MARK) :]
    return False


def ods_errors(archive: zipfile.ZipFile) -> Found:
    """{sheet name: [(row, column, code)]} with 1-based sheet positions."""
    if "content.xml" not in archive.namelist() or not has_error_cells(archive):
        return {}
    from defusedxml.ElementTree import iterparse

    table, row, next_row, col, next_col = "", 0, 1, 0, 1
    found: Found = {}
    depth = 0  # tables nested in cells (sub-tables) are skipped
    t = "{" + _TABLE_NS + "}"
    with archive.open("content.xml") as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == t + "table":
                depth += 1 if event == "start" else -1
                if event == "start" and depth == 1:
                    table, next_row = element.get(t + "name", ""), 1
                    found.setdefault(table, [])
                continue
            if depth != 1:
                continue
            if tag == t + "table-row" and event == "start":
                row = next_row
                next_row += _repeat(element.get(t + "number-rows-repeated"))
                next_col = 1
            elif tag in (t + "table-cell", t + "covered-table-cell") and event == "start":
                col = next_col
                next_col += _repeat(element.get(t + "number-columns-repeated"))
            elif tag == t + "table-cell" and event == "end":
                if element.get("{" + _CALC_EXT_NS + "}value-type") == "error":
                    code = "".join(element.itertext()).strip() or "#N/A"
                    found[table].append((row, col, code))
                element.clear()
            elif tag == t + "table-row" and event == "end":
                element.clear()
    return {name: cells for name, cells in found.items() if cells}


def _repeat(value: str | None) -> int:
    if value and value.isdigit():
        return max(1, min(int(value), _REPEAT_CAP))
    return 1
