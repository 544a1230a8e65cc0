"""Splicing a worksheet part: new style indexes on flagged cells, and elements added.

The sheet XML is never parsed into a tree and written back: we locate the start tags of the
rows and cells we need and replace exactly those characters. Each splice is remembered
(where it landed, and the text it replaced) so that ``clean`` can put back the original
characters one for one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ..model import column_index, column_letter

_P = r"(?:[A-Za-z_][\w.-]*:)?"
_ROW_END = re.compile(rf"</{_P}row\s*>")
_S = re.compile(r"(\ss\s*=\s*)([\"'])(\d*)\2")
_ANY_ROW = re.compile(rf"<({_P})row\b")
_ANY_CELL = re.compile(rf"<({_P})c\b")
_ROW_REF = r"(?:(?=[^>]*?\sr\s*=\s*[\"'](\d+)[\"']))?"
_CELL_REF = r"(?:(?=[^>]*?\sr\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?\d+[\"']))?"


@functools.cache
def _row_re(prefix: str) -> re.Pattern[str]:
    """Row start tags, the reference captured in the same pass. Rows use the root's prefix;
    a literal start lets the regex engine skip ahead fast through large sheets."""
    return re.compile(re.escape(f"<{prefix}row") + r"\b" + _ROW_REF + r"[^>]*>")


@functools.cache
def _cell_re(prefix: str) -> re.Pattern[str]:
    return re.compile(re.escape(f"<{prefix}c") + r"\b" + _CELL_REF + r"[^>]*>")


# CT_Worksheet's children in schema order; an element we add goes before the first later one.
WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
    "controls", "webPublishItems", "tableParts", "extLst",
)  # fmt: skip


@dataclass(slots=True)
class Splice:
    """Replace ``text[start:end]`` of the original part with ``new``."""

    start: int
    end: int
    new: str


@dataclass(slots=True)
class SheetScan:
    """What we learned reading one worksheet: cell style indexes and where things are."""

    text: str
    prefix: str  # the prefix of the spreadsheetml namespace, with colon ('' if default)
    rows: list[tuple[int, int, int]]  # (row number, start tag start, start tag end)
    styles: dict[tuple[int, int], int] = field(default_factory=dict)  # (row, col) -> xf
    cells: dict[int, tuple[int, list[tuple[int, re.Match[str], int]]]] = field(
        default_factory=dict
    )  # row -> (end of the row element, its cells), for the rows scanned
    last_row: int = 0
    header_last_col: int = 0


def root_prefix(text: str) -> str:
    root = _ROOT.search(text, 0, 4096) or _ROOT.search(text)
    return root.group(1) if root else ""


_ROOT = re.compile(rf"<({_P})worksheet\b")


_SHEET_DATA = re.compile(rf"<{_P}sheetData\b[^>]*>")
_SHEET_DATA_END = re.compile(rf"</{_P}sheetData\s*>")


def _sheet_data_span(text: str) -> tuple[int, int] | None:
    """Where the rows are: from after ``<sheetData>`` to the start of its end tag."""
    start = _SHEET_DATA.search(text)
    if start is None or start.group(0).endswith("/>"):
        return None
    last = text.rfind("sheetData")  # the end tag is the last mention in any sane sheet
    opening = text.rfind("<", start.end(), last)
    if opening >= start.end() and _SHEET_DATA_END.match(text, opening):
        return start.end(), opening
    end = _SHEET_DATA_END.search(text, start.end())
    return (start.end(), end.start()) if end else None


def _rows(text: str) -> list[tuple[int, int, int]]:
    """(row number, tag start, tag end) for every row, in one pass."""
    span = _sheet_data_span(text)
    if span is None:
        return []
    found: list[tuple[int, int, int]] = []
    first = _ANY_ROW.search(text, span[0], span[1])
    if first is None:
        return found
    number = 0
    for tag in _row_re(first.group(1)).finditer(text, span[0], span[1]):
        num = tag.group(1)
        number = int(num) if num else number + 1
        found.append((number, tag.start(), tag.end()))
    return found


def _row_close(text: str, tag_start: int, tag_end: int) -> int:
    """The end of the row element whose start tag spans ``tag_start:tag_end``."""
    if text[tag_end - 2] == "/":
        return tag_end
    end = _ROW_END.search(text, tag_end)
    return end.end() if end else tag_end


def scan(text: str, wanted_rows: set[int], header_row: int | None) -> SheetScan:
    """Style index of every cell in ``wanted_rows``, plus the sheet's extent."""
    result = SheetScan(text, root_prefix(text), _rows(text))
    for number, start, tag_end in result.rows:
        result.last_row = max(result.last_row, number)
        if number not in wanted_rows and number != header_row:
            continue
        closing = _row_close(text, start, tag_end)
        found = result.cells[number] = (closing, _cells(text, tag_end, closing))
        for col, tag, _pos in found[1]:
            if number == header_row and not tag.group(0).endswith("/>"):
                result.header_last_col = max(result.header_last_col, col)
            s_attr = _S.search(tag.group(0))
            result.styles[(number, col)] = int(s_attr.group(3) or 0) if s_attr else 0
    return result


def _cells(text: str, start: int, end: int) -> list[tuple[int, re.Match[str], int]]:
    """(column, start tag, position) of each cell in a row.

    A cell may omit its reference; it is then the one after the previous cell. An inserted
    cell always carries its reference, and can never land between two such cells (they are
    adjacent), so omitted references never shift.
    """
    cells: list[tuple[int, re.Match[str], int]] = []
    previous = 0
    first = _ANY_CELL.search(text, start, end)
    pattern = _cell_re(first.group(1) if first else "")
    for tag in pattern.finditer(text, start, end):
        letters = tag.group(1)
        if letters is None:
            previous += 1
        else:
            previous = _COLUMNS.get(letters) or _COLUMNS.setdefault(letters, column_index(letters))
        cells.append((previous, tag, tag.start()))
    return cells


_COLUMNS: dict[str, int] = {}


def style_splices(
    scan: SheetScan, marks: dict[tuple[int, int], int]
) -> tuple[list[Splice], set[tuple[int, int]]]:
    """Splices giving each (row, col) in ``marks`` its new style index.

    Cells missing from the XML (an empty key cell) are inserted; rows too. Returns the
    splices and the marks that could not be placed (a sheet without a sheetData body).
    """
    by_row: dict[int, dict[int, int]] = {}
    for (row, col), xf in marks.items():
        by_row.setdefault(row, {})[col] = xf
    splices: list[Splice] = []
    skipped: set[tuple[int, int]] = set()
    text, prefix, rows = scan.text, scan.prefix, scan.rows
    seen_rows = set()
    for number, tag_start, tag_end in rows:
        wanted = by_row.get(number)
        if not wanted:
            continue
        seen_rows.add(number)
        if number in scan.cells:
            closing, cells = scan.cells[number]
        else:
            closing = _row_close(text, tag_start, tag_end)
            cells = _cells(text, tag_end, closing)
        present = {col: tag for col, tag, _pos in cells}
        for col, xf in wanted.items():
            tag = present.get(col)
            if tag is not None:
                splices.append(Splice(tag.start(), tag.end(), _with_style(tag.group(0), xf)))
        missing = sorted(col for col in wanted if col not in present)
        if not missing:
            continue
        row_tag = text[tag_start:tag_end]
        for col in missing:
            new_cell = f'<{prefix}c r="{column_letter(col)}{number}" s="{wanted[col]}"/>'
            after = [tag for c, tag, _pos in cells if c > col]
            if row_tag.endswith("/>"):
                continue  # handled below as a whole row
            at = after[0].start() if after else _row_end_start(text, tag_end, closing)
            splices.append(Splice(at, at, new_cell))
        if row_tag.endswith("/>"):
            cells_xml = "".join(
                f'<{prefix}c r="{column_letter(col)}{number}" s="{wanted[col]}"/>'
                for col in missing
            )
            opened = row_tag[:-2].rstrip() + ">"
            splices.append(Splice(tag_start, tag_end, f"{opened}{cells_xml}</{prefix}row>"))
    absent = sorted(set(by_row) - seen_rows)
    span = _sheet_data_span(text)
    if absent and span is not None:
        for number in absent:
            at = next((start for n, start, _e in rows if n > number), span[1])
            cells_xml = "".join(
                f'<{prefix}c r="{column_letter(col)}{number}" s="{xf}"/>'
                for col, xf in sorted(by_row[number].items())
            )
            splices.append(Splice(at, at, f'<{prefix}row r="{number}">{cells_xml}</{prefix}row>'))
    elif absent:
        skipped.update((n, c) for n in absent for c in by_row[n])
    return splices, skipped


def _row_end_start(text: str, tag_end: int, closing: int) -> int:
    ends = list(_ROW_END.finditer(text, tag_end, closing))
    return ends[-1].start() if ends else closing


def _with_style(tag: str, xf: int) -> str:
    if _S.search(tag):
        return _S.sub(lambda m: f'{m.group(1)}"{xf}"', tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end].rstrip()} s="{xf}"{tag[end:]}'


def element_splice(text: str, name: str, element: str) -> Splice:
    """Where to insert worksheet child ``name`` so the schema order holds.

    A markup-compatibility wrapper (``mc:AlternateContent``, as Excel writes around form
    controls and OLE objects) counts as a later element: we never insert inside one.
    """
    later = (*WORKSHEET_ORDER[WORKSHEET_ORDER.index(name) + 1 :], "AlternateContent")
    pattern = re.compile(rf"<{_P}({'|'.join(later)})\b|</{_P}worksheet\s*>")
    data = _sheet_data_span(text)
    search_from = data[1] if data else 0
    found = pattern.search(text, search_from)
    at = found.start() if found else len(text)
    return Splice(at, at, element)


def after_sheet_data(text: str) -> int:
    """Where the worksheet's children after the rows begin (0 if there are no rows)."""
    data = _sheet_data_span(text)
    return data[1] if data else 0


def has_element(text: str, name: str) -> bool:
    return re.compile(rf"<{_P}{name}\b").search(text, after_sheet_data(text)) is not None


def apply(text: str, splices: list[Splice]) -> tuple[str, list[list[object]]]:
    """The spliced text, and for each splice [start in the new text, its length, old text]."""
    pieces: list[str] = []
    undo: list[list[object]] = []
    position = 0
    length = 0
    for splice in sorted(splices, key=lambda s: (s.start, s.end)):
        if splice.start < position:
            raise ValueError("overlapping splices")
        pieces.append(text[position : splice.start])
        length += splice.start - position
        undo.append([length, len(splice.new), text[splice.start : splice.end]])
        pieces.append(splice.new)
        length += len(splice.new)
        position = splice.end
    pieces.append(text[position:])
    return "".join(pieces), undo


def undo(text: str, record: list[list[object]]) -> str:
    """Reverse :func:`apply` given its record."""
    pieces: list[str] = []
    position = 0
    for start, length, old in record:
        assert isinstance(start, int) and isinstance(length, int) and isinstance(old, str)
        pieces.append(text[position:start])
        pieces.append(old)
        position = start + length
    pieces.append(text[position:])
    return "".join(pieces)
