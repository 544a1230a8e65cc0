"""A streaming scan of one xlsx/xlsm worksheet part: bounding box, error cells, bare formulas.

python-calamine cannot be trusted with three things this scan provides:

* the used-cell bounding box: calamine allocates one slot per cell of the rectangle from the
  first to the last cell holding a value, so a lone value at XFD1048576 asks for 17 billion
  slots and aborts the process. The declared ``<dimension ref=...>`` is only a hint (it may
  lie either way), so we look at the cells themselves.
* Excel error cells (``t="e"``): calamine hands them over as empty strings.
* formulas saved without a cached value (``<f>`` and no ``<v>``): calamine drops the cell.

The part is inflated in 1 MiB chunks, cut at element boundaries; each chunk is searched with
``bytes.find`` and two compiled patterns, so memory stays flat and the cost is close to the
inflation itself (measured: ~1 s for a 280 MB sheet part, 1,048,575 rows x 7 columns). The
reader runs it before calamine parses the part, so that an oversized sheet is refused first.

Most segments hold no error cell, and many no formula: a byte pre-scan (:func:`_prescanned`:
a few ``bytes.find`` and one regex) recognises them, takes their bounds from their last cells
and searches only their formulas, skipping the exact search of wide columns, 7-digit rows,
error cells and unusual tags. ``PRESCAN = False`` turns it off; the tests run both ways and
compare the SheetScan.

Cells are located by their ``r="C12"`` attribute. A part that spells a cell, formula or value tag
unusually (apostrophes, entities or odd whitespace inside the tag, CDATA, comments) or whose cells
omit ``r`` gets an exact, slower path: an iterparse through defusedxml that counts rows and columns.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from sheetcheck.errors import InputError
from sheetcheck.limits import Limits
from sheetcheck.model import column_index


def unescape(data: str, entities: dict[str, str]) -> str:
    """xml.sax.saxutils.unescape, imported on first use (it imports urllib.request, ~20 ms)."""
    from xml.sax.saxutils import unescape as unescape_xml

    return unescape_xml(data, entities)


_CHUNK = 1 << 20
BACKSLASH = chr(92)
_MAX_CARRY = 32 * 1024 * 1024
_ENTITIES = {"&quot;": '"', "&apos;": "'"}

# Unusual spellings (see _unusual): bytes, then the same inside a tag (the next angle bracket
# closes a tag); a space beside "=", then the same inside a tag.
_ODD_BYTES = (b"'", b"&", b"\t", b"\r", b"\n")
_ODD_CHAR = re.compile(rb"[\t\r\n'&](?=[^<>]*>)")
_SPACED = re.compile(rb"=(?: |(?<= =))")
_ODD_SPACE = re.compile(rb"(?: =|= )(?=[^<>]*>)")

PRESCAN = True  # the byte pre-scan decides which segments skip parts of the exact search
# What a segment the pre-scan lets through never holds: an attribute valued "e" (t="e"), a
# reference with a wide column or a 7-digit row, or a space beside "=" (see _unusual).
_SUSPECT = re.compile(rb'=(?:"(?:e"|[A-Z](?:[A-Z]|\d{7}))|(?<= =)| )')


@dataclass
class SheetScan:
    """What the scan found in one sheet. Rows and columns are 1-based sheet numbers."""

    max_row: int = 0
    max_col: int = 0
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    formulas: list[tuple[int, int, str]] = field(default_factory=list)
    declared: str = ""  # the <dimension ref=...> as written

    @property
    def box_cells(self) -> int:
        return self.max_row * self.max_col


def workbook_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, worksheet part name) in workbook order, following the package relations."""
    from defusedxml import ElementTree

    from sheetcheck.readers._preflight import read_part

    # Some writers store members as xl\\worksheets\\sheet1.xml: look them up by a / spelling.
    members = {name.replace(BACKSLASH, "/"): name for name in archive.namelist()}
    names = set(members)

    def read(name: str) -> bytes:
        return read_part(archive, members[name])

    workbook = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel_type, target in _relations(ElementTree.fromstring(read("_rels/.rels"))):
            if rel_type.endswith("/officeDocument"):
                workbook = _resolve("", target)
                break
    if workbook not in names:
        return []  # calamine decides whether it can read the file; its sheets go unscanned
    folder = posixpath.dirname(workbook)
    rels_name = posixpath.join(folder, "_rels", posixpath.basename(workbook) + ".rels")
    targets: dict[str, str] = {}
    if rels_name in names:
        root = ElementTree.fromstring(read(rels_name))
        for element in root.iter():
            if element.tag.rsplit("}", 1)[-1] == "Relationship":
                targets[element.get("Id", "")] = _resolve(folder, element.get("Target", ""))
    root = ElementTree.fromstring(read(workbook))
    sheets: list[tuple[str, str]] = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        part = targets.get(rel_id, "")
        sheets.append((element.get("name", ""), members.get(part, "")))
    return sheets


def _relations(root: object) -> Iterator[tuple[str, str]]:
    for element in root.iter():  # type: ignore[attr-defined]  # an ElementTree element
        if element.tag.rsplit("}", 1)[-1] == "Relationship":
            yield element.get("Type", ""), element.get("Target", "")


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


_PREFIX = re.compile(rb"<(\w+:)?worksheet\b")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
# Cells that hold something (not self-closing): wide columns, and rows past 999,999.
_WIDE = re.compile(rb' r="([A-Z]{2,3})\d+"[^>]*(?<!/)>')
_HIGH = re.compile(rb' r="[A-Z]{1,3}(\d{7,})"[^>]*(?<!/)>')
_VALUE_REF = re.compile(rb' r="([A-Z]{1,3})(\d{1,7})"[^>]*(?<!/)>')
_TYPE = re.compile(rb'\bt="(\w+)"')
_SHARED_INDEX = re.compile(rb'\bsi="(\d+)"')


class _Tags:
    """The byte strings to search for, with the part's namespace prefix ("x:") if any."""

    def __init__(self, prefix: bytes) -> None:
        self.cell_open = b"<" + prefix + b"c "
        self.cell_close = b"</" + prefix + b"c>"
        self.row_close = b"</" + prefix + b"row>"
        self.formula = b"<" + prefix + b"f"
        value = re.escape(prefix + b"v")
        self.value = re.compile(rb"<" + value + rb"(?:\s[^>]*)?(?:/>|>([^<]*)</" + value + b">)")
        formula = re.escape(prefix + b"f")
        # An error cell in the usual shape (r first; optional formula; then the value).
        self.error_cell = re.compile(
            rb"<" + re.escape(prefix + b"c") + rb' r="([A-Z]{1,3})(\d+)"[^>]*? t="e"[^>]*>'
            rb"[^<]*(?:<" + formula + rb"[^>]*(?:/>|>[^<]*</" + formula + rb">))?"
            rb"<" + value + rb">([^<]*)</" + value + rb">"
        )
        self.formula_text = re.compile(
            rb"<" + formula + rb"\b([^>]*?)(?:/>|>([^<]*)</" + formula + b">)"
        )
        # A cell, formula or value start tag (whose attributes the patterns above read).
        self.attribute_tag = re.compile(rb"<" + re.escape(prefix) + rb"[cfv]\s")


def scan_sheet(path: str, archive: zipfile.ZipFile, part: str, limits: Limits) -> SheetScan:
    """Scan worksheet ``part``; raise InputError if its bounding box is over the limits."""
    from sheetcheck.readers._preflight import ZIP_ERRORS, zip_failure

    try:
        scan = _scan(archive, part)
    except InputError:
        raise
    except (_NoCellReferences, _Unusual):
        scan = _scan_xml(path, archive, part)
    except ZIP_ERRORS as exc:
        raise zip_failure(path, exc) from None
    check_box(path, scan, limits)
    return scan


def check_box(path: str, scan: SheetScan, limits: Limits) -> None:
    """Refuse a sheet whose used rectangle is over the row, column or cell limit."""
    from sheetcheck.model import cell_ref

    if scan.max_row == 0 or scan.max_col == 0:
        return
    corner = cell_ref(min(scan.max_row, 10**9), min(scan.max_col, 10**6))
    advice = "delete the stray cells far from the data (Ctrl+End shows the last one) and save"
    if scan.max_row > limits.max_rows:
        cause = f"the sheet's used range runs to {corner}, {scan.max_row:,} rows (limit {limits.max_rows:,})"
        raise InputError(path, cause, advice)
    if scan.max_col > limits.max_columns:
        cause = f"the sheet's used range runs to {corner}, {scan.max_col:,} columns (limit {limits.max_columns:,})"
        raise InputError(path, cause, advice)
    if scan.box_cells > limits.max_cells:
        cause = (
            f"the sheet's used range A1:{corner} spans {scan.box_cells:,} cells "
            f"(limit {limits.max_cells:,})"
        )
        raise InputError(path, cause, advice + ", or raise the limit with --max-cells")


class _NoCellReferences(Exception):
    """A cell of interest has no r="..." attribute: use the exact, slow path."""


class _Unusual(Exception):
    """A tag spelled in a way the byte patterns may misread: use the exact, slow path."""


def _segments(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[bytes, bytes]]:
    """(prefix, segment): the part's bytes cut after complete rows or cells."""
    with archive.open(part) as stream:
        buffer = stream.read(_CHUNK)
        match = _PREFIX.search(buffer[:65536])
        prefix = (match.group(1) or b"") if match else b""
        tags = _Tags(prefix)
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                if buffer:
                    yield prefix, buffer
                return
            buffer += chunk
            cut = max(buffer.rfind(tags.row_close), buffer.rfind(tags.cell_close))
            if cut < 0:
                cut = buffer.rfind(b"/>")
                end = cut + 2 if cut >= 0 else -1
            else:
                end = buffer.index(b">", cut) + 1
            if end <= 0:
                if len(buffer) > _MAX_CARRY:
                    raise ValueError("a single XML element is over 32 MB")
                continue
            yield prefix, buffer[:end]
            buffer = buffer[end:]


def _scan(archive: zipfile.ZipFile, part: str) -> SheetScan:
    scan = SheetScan()
    tags: _Tags | None = None
    masters: dict[bytes, bytes] = {}
    for prefix, segment in _segments(archive, part):
        if tags is None:
            tags = _Tags(prefix)
            declared = _DIMENSION.search(segment[:65536])
            scan.declared = declared.group(1).decode("ascii", "replace") if declared else ""
        if PRESCAN and _prescanned(scan, segment, tags, masters):
            continue
        if _unusual(segment, tags):
            raise _Unusual
        _scan_bounds(scan, segment)
        if b't="e"' in segment:
            _scan_errors(scan, segment, tags)
        if tags.formula in segment:
            _scan_formulas(scan, segment, tags, masters)
    return scan


def _prescanned(scan: SheetScan, segment: bytes, tags: _Tags, masters: dict[bytes, bytes]) -> bool:
    """The byte pre-scan: True when it took from ``segment`` all the exact search would.

    Without an unusual tag (looked for only when the segment holds a byte that may make one)
    and without a match of _SUSPECT (a superset of t="e", the wide columns and 7-digit rows the
    exact search looks for, and of odd spacing), the exact search would find no error cell and
    no bound beyond the last cells; formulas, if any, are searched the same way.
    """
    if b"!" in segment and b"<!" in segment:
        return False
    if any(odd in segment for odd in _ODD_BYTES) and _in_tag(_ODD_CHAR, segment, tags):
        return False
    if _SUSPECT.search(segment) is not None:
        return False
    _scan_last_cells(scan, segment)
    if b"f" in segment and tags.formula in segment:
        _scan_formulas(scan, segment, tags, masters)
    return True


def _unusual(segment: bytes, tags: _Tags) -> bool:
    """CDATA or a comment, or a cell, formula or value tag with whitespace other than a space,
    an apostrophe, an entity or a space beside "=" inside it: the patterns may misread it."""
    if b"!" in segment and b"<!" in segment:
        return True
    if any(odd in segment for odd in _ODD_BYTES) and _in_tag(_ODD_CHAR, segment, tags):
        return True
    return _SPACED.search(segment) is not None and _in_tag(_ODD_SPACE, segment, tags)


def _in_tag(pattern: re.Pattern[bytes], segment: bytes, tags: _Tags) -> bool:
    """``pattern`` matches inside a cell, formula or value start tag."""
    for match in pattern.finditer(segment):
        start = segment.rfind(b"<", 0, match.start())
        if start >= 0 and tags.attribute_tag.match(segment, start):
            return True
    return False


def _scan_bounds(scan: SheetScan, segment: bytes) -> None:
    for letters in set(_WIDE.findall(segment)):
        scan.max_col = max(scan.max_col, column_index(letters.decode()))
    for digits in _HIGH.findall(segment):
        scan.max_row = max(scan.max_row, int(digits))
    _scan_last_cells(scan, segment)


def _scan_last_cells(scan: SheetScan, segment: bytes) -> None:
    # Rows come in order: the last cell holding something in the segment has its highest row.
    # One-letter columns elsewhere in the segment are not looked at: they can only widen the
    # box to 26 columns, and 26 x 1,048,576 is inside the default cell limit.
    window = 4096
    while True:
        start = max(0, len(segment) - window)
        refs = _VALUE_REF.findall(segment, start)
        if refs:
            scan.max_row = max(scan.max_row, int(refs[-1][1]))
            scan.max_col = max(scan.max_col, *(column_index(r[0].decode()) for r in refs))
            return
        if start == 0:
            return
        window *= 16


def _cell_at(segment: bytes, pos: int, tags: _Tags) -> tuple[bytes, int, int, int] | None:
    """(cell element bytes, row, column, offset of the start tag's end in the segment)."""
    start = segment.rfind(tags.cell_open, 0, pos)
    if start < 0 or segment.rfind(tags.cell_close, start, pos) >= 0:
        return None
    head_end = segment.find(b">", start)
    end = segment.find(tags.cell_close, pos)
    if head_end < 0 or segment[head_end - 1 : head_end] == b"/" or end < 0:
        return None
    ref = _REF.search(segment, start, head_end)
    if ref is None:
        raise _NoCellReferences
    cell = segment[start : end + len(tags.cell_close)]
    return cell, int(ref.group(2)), _column(ref.group(1)), head_end


@functools.lru_cache(maxsize=4096)
def _column(letters: bytes) -> int:
    return column_index(letters.decode())


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return unescape(text, _ENTITIES) if "&" in text else text


def _scan_errors(scan: SheetScan, segment: bytes, tags: _Tags) -> None:
    matches = tags.error_cell.findall(segment)
    if len(matches) == segment.count(b't="e"'):  # all in the usual shape: the fast path
        scan.errors.extend(
            (int(row), _column(col), _text(v).strip()) for col, row, v in matches if v
        )
        return
    pos = segment.find(b't="e"')
    while pos >= 0:
        found = _cell_at(segment, pos, tags)
        if found is not None and pos < found[3]:  # t="e" is the cell's own attribute
            cell, row, col, _ = found
            value = tags.value.search(cell)
            if value is not None and value.group(1):
                scan.errors.append((row, col, _text(value.group(1)).strip()))
        pos = segment.find(b't="e"', pos + 5)


def _scan_formulas(
    scan: SheetScan, segment: bytes, tags: _Tags, masters: dict[bytes, bytes]
) -> None:
    pos = segment.find(tags.formula)
    step = len(tags.formula)
    while pos >= 0:
        follower = segment[pos + step : pos + step + 1]
        if follower in (b">", b" ", b"/"):
            found = _cell_at(segment, pos, tags)
            if found is not None:
                _formula_cell(scan, found, tags, masters)
        pos = segment.find(tags.formula, pos + step)


def _formula_cell(
    scan: SheetScan, found: tuple[bytes, int, int, int], tags: _Tags, masters: dict[bytes, bytes]
) -> None:
    cell, row, col, _ = found
    formula = tags.formula_text.search(cell)
    if formula is None:
        return
    attributes, text = formula.group(1), formula.group(2) or b""
    shared = _SHARED_INDEX.search(attributes) if b"shared" in attributes else None
    if shared is not None and text:
        masters[shared.group(1)] = text
    elif shared is not None:
        text = masters.get(shared.group(1), b"")
    head = cell[: cell.find(b">") + 1]
    kind = _TYPE.search(head)
    value = tags.value.search(cell)
    cached = value is not None and (
        bool(value.group(1)) or (kind is not None and kind.group(1) in (b"str", b"s", b"inlineStr"))
    )
    if not cached:
        formula_text = _text(text)
        scan.formulas.append((row, col, "=" + formula_text if formula_text else "=?"))


def _scan_xml(path: str, archive: zipfile.ZipFile, part: str) -> SheetScan:
    """Exact scan through an XML parser, for parts whose cells lack r="..." or are spelled
    unusually: count rows and columns as calamine does."""
    from defusedxml.ElementTree import iterparse

    from sheetcheck.readers._preflight import ZIP_ERRORS, zip_failure

    scan = SheetScan()
    row = col = 0
    formula = ""
    has_value = False
    kind = ""
    try:
        with archive.open(part) as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                name = element.tag.rsplit("}", 1)[-1]
                if event == "start" and name == "row":
                    number = element.get("r")
                    row = int(number) if number and number.isdigit() else row + 1
                    col = 0
                elif event == "start" and name == "c":
                    ref = _REF.search(b' r="' + element.get("r", "").encode() + b'"')
                    col = column_index(ref.group(1).decode()) if ref else col + 1
                    if ref:
                        row = int(ref.group(2))
                    formula, has_value, kind = "", False, element.get("t", "")
                elif event == "end" and name == "f":
                    formula = "=" + (element.text or "?")
                elif event == "end" and name in ("v", "is"):
                    has_value = bool(element.text) or name == "is" or kind in ("str", "s")
                    if kind == "e" and element.text:
                        scan.errors.append((row, col, element.text.strip()))
                elif event == "end" and name == "c":
                    if has_value or formula:
                        scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
                    if formula and not has_value:
                        scan.formulas.append((row, col, formula))
                    element.clear()
                elif event == "end" and name == "row":
                    element.clear()
    except ZIP_ERRORS as exc:
        raise zip_failure(path, exc) from None
    except Exception as exc:  # defusedxml/expat errors: a corrupt part
        raise InputError(
            path, f"corrupt sheet XML ({type(exc).__name__}: {exc})".strip()[:200]
        ) from None
    return scan
