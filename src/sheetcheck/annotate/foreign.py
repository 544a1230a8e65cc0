"""Taking annotations off a copy that another program (Excel, LibreOffice) has saved since.

Such a program rewrites parts, renames them and renumbers cell formats, so the exact
splices are no longer valid. The state sheet survives as an ordinary hidden sheet, and its
cell terms are enough: which cells we flagged and with what font and fill they had before,
which notes we wrote or extended, and the filter we added. Here each of those is undone in
the same surgical way, and only where it is still ours: a cell whose colour the user has
changed since keeps the user's colour, a note without our marker stays.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

import defusedxml.ElementTree as SafeET

from ..model import column_index, column_letter
from ..style import FILLS
from . import cells, workbook
from .blob import unpack
from .package import NS_MAIN, REL_COMMENTS, REL_VML, Package, get_attr, unescape_attr
from .styles import StyleBook

_P = r"(?:[A-Za-z_][\w.-]*:)?"
_COMMENT = re.compile(rf"<({_P})comment\b[^>]*?(?:/>|>.*?</{_P}comment\s*>)", re.DOTALL)
_SHAPE = re.compile(rf"<({_P})shape\b[^>]*>.*?</\1shape\s*>", re.DOTALL)
_RUN = re.compile(rf"<({_P})r\b[^>]*>.*?</\1r\s*>", re.DOTALL)
_T = re.compile(rf"(<({_P})t\b[^>]*>)(.*?)(</\2t\s*>)", re.DOTALL)
_SST_RE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def read_state(pkg: Package, book: workbook.Book, sheet_part: str, marker: str) -> Any:
    """The state JSON from the state sheet's column A, however the strings were stored."""
    texts = _column_a(pkg, book, sheet_part)
    if not texts or texts[0] != marker:
        return None
    try:
        return json.loads(unpack("".join(texts[1:])))
    except (ValueError, zlib.error):
        return None


def _column_a(pkg: Package, book: workbook.Book, part: str) -> list[str]:
    ns = {"m": NS_MAIN}
    try:
        root = SafeET.fromstring(pkg.parts[pkg.find(part) or part])
    except (SafeET.ParseError, KeyError):
        return []
    shared: list[str] | None = None
    found: list[tuple[int, str]] = []
    for cell in root.iterfind("m:sheetData/m:row/m:c", ns):
        ref = cell.get("r", "")
        letters = re.match(r"[A-Z]+", ref)
        if letters is None or letters.group(0) != "A":
            continue
        kind = cell.get("t")
        if kind == "inlineStr":
            text = "".join(t.text or "" for t in cell.iterfind(".//m:t", ns))
        elif kind == "s":
            shared = shared if shared is not None else _shared_strings(pkg, book)
            value = cell.findtext("m:v", "", ns)
            text = shared[int(value)] if value.isdigit() and int(value) < len(shared) else ""
        else:
            text = cell.findtext("m:v", "", ns)
        found.append((int(ref[1:]), text))
    return [text for _row, text in sorted(found)]


def _shared_strings(pkg: Package, book: workbook.Book) -> list[str]:
    rel = next((r for r in pkg.relationships(book.part) if r.type == _SST_RE), None)
    if rel is None or not pkg.has(rel.target):
        return []
    ns = {"m": NS_MAIN}
    root = SafeET.fromstring(pkg.parts[pkg.find(rel.target) or rel.target])
    return [
        "".join(t.text or "" for t in si.iter(f"{{{NS_MAIN}}}t") if _not_phonetic(si, t))
        for si in root.iterfind("m:si", ns)
    ]


def _not_phonetic(si: Any, t: Any) -> bool:
    return all(t not in list(rph.iter()) for rph in si.iter(f"{{{NS_MAIN}}}rPh"))


def strip(pkg: Package, book: workbook.Book, state: dict[str, Any], state_sheet: str) -> None:
    """Remove every annotation ``state`` describes from a package another program saved."""
    semantic = state["semantic"]
    styles = StyleBook(pkg.path, pkg.text(book.styles_part)) if book.styles_part else None
    filters_removed = []
    for name, info in semantic["sheets"].items():
        entry = book.sheet(name)
        if entry is None or entry.part is None or not pkg.has(entry.part):
            continue
        text = pkg.text(entry.part)
        splices: list[cells.Splice] = []
        if styles is not None and info["cells"]:
            splices += _unhighlight(text, info["cells"], semantic["xfs"], styles)
        if info.get("autofilter"):
            found = _our_filter(text, info["autofilter"])
            if found is not None:
                splices.append(found)
                filters_removed.append(name)
        splices += _remove_notes(pkg, entry.part, text, info)
        if splices:
            pkg.set_text(entry.part, cells.apply(text, splices)[0])
    if styles is not None and book.styles_part:
        pkg.set_text(book.styles_part, styles.render())
    workbook.remove_sheets(pkg, book, {semantic["issues_sheet"], state_sheet}, filters_removed)


def _unhighlight(
    text: str, flagged: list[list[int]], originals: dict[str, list[str]], styles: StyleBook
) -> list[cells.Splice]:
    scan = cells.scan(text, {row for row, _col, _xf in flagged}, None)
    ours = [rgb.upper() for rgb in FILLS.values()]
    made: dict[tuple[int, int], int] = {}
    marks: dict[tuple[int, int], int] = {}
    for row, col, original in flagged:
        current = scan.styles.get((row, col))
        if current is None:
            continue
        fill = styles.fill_of(current).upper()
        if not any(f'RGB="FF{rgb}"' in fill or f'RGB="{rgb}"' in fill for rgb in ours):
            continue  # the user has coloured this cell since: theirs stays
        key = (current, original)
        if key not in made:
            font_xml, fill_xml = originals[str(original)]
            made[key] = styles.xf_like(
                current, font=styles.font_xml(font_xml), fill=styles.fill_xml(fill_xml)
            )
        marks[(row, col)] = made[key]
    return cells.style_splices(scan, marks)[0] if marks else []


def _our_filter(text: str, ref: str) -> cells.Splice | None:
    """The autoFilter we added, if it is still there unchanged (no filter applied)."""
    pattern = re.compile(
        rf"<({_P})autoFilter\b[^>]*?\sref\s*=\s*[\"']{re.escape(ref)}[\"'][^>]*?"
        rf"(?:/>|>\s*</\1autoFilter\s*>)"
    )
    found = pattern.search(text, cells.after_sheet_data(text))
    return cells.Splice(found.start(), found.end(), "") if found else None


def _remove_notes(pkg: Package, part: str, text: str, info: dict[str, Any]) -> list[cells.Splice]:
    from .notes import MARKER

    rels = pkg.relationships(part)
    comments = next((r for r in rels if r.type == REL_COMMENTS and not r.external), None)
    if comments is None or not pkg.has(comments.target):
        return []
    new = {f"{column_letter(c)}{r}" for r, c in info.get("new_notes", [])}
    appended = {f"{column_letter(c)}{r}" for r, c in info.get("appended_notes", [])}
    removed: set[tuple[int, int]] = set()

    def fix(match: re.Match[str]) -> str:
        element = match.group(0)
        ref = unescape_attr(get_attr(element, "ref") or "").upper()
        if MARKER not in element:
            return element
        if ref in new:
            cell = re.match(r"([A-Z]+)(\d+)", ref)
            if cell:
                removed.add((int(cell.group(2)), column_index(cell.group(1))))
            return ""
        if ref in appended:
            return _cut_at_marker(element, MARKER)
        return element

    comment_text = _COMMENT.sub(fix, pkg.text(comments.target))
    vml = next((r for r in rels if r.type == REL_VML and not r.external), None)
    vml_text = pkg.text(vml.target) if vml and pkg.has(vml.target) else None
    if vml_text is not None and removed:
        vml_text = _SHAPE.sub(
            lambda m: "" if _shape_cell(m.group(0)) in removed else m.group(0), vml_text
        )
    splices: list[cells.Splice] = []
    if _COMMENT.search(comment_text) is None:
        pkg.remove_part(comments.target)
        pkg.remove_relationship(part, comments.id)
        if vml is not None and vml_text is not None and not _SHAPE.search(vml_text):
            pkg.remove_part(vml.target)
            pkg.remove_relationship(part, vml.id)
            legacy = re.search(
                rf"<{_P}legacyDrawing\b[^>]*/>", text[cells.after_sheet_data(text) :]
            )
            if legacy:
                start = cells.after_sheet_data(text) + legacy.start()
                splices.append(cells.Splice(start, start + len(legacy.group(0)), ""))
        elif vml is not None and vml_text is not None:
            pkg.set_text(vml.target, vml_text)
    else:
        pkg.set_text(comments.target, comment_text)
        if vml is not None and vml_text is not None:
            pkg.set_text(vml.target, vml_text)
    return splices


def _shape_cell(shape: str) -> tuple[int, int] | None:
    row = re.search(rf"<{_P}Row>\s*(\d+)\s*</{_P}Row>", shape)
    col = re.search(rf"<{_P}Column>\s*(\d+)\s*</{_P}Column>", shape)
    if row is None or col is None or "Note" not in shape:
        return None
    return int(row.group(1)) + 1, int(col.group(1)) + 1


def _cut_at_marker(element: str, marker: str) -> str:
    """A comment element with our appended text (from the marker on) removed."""
    at = element.find(marker)
    runs = list(_RUN.finditer(element))
    inside = next((r for r in runs if r.start() < at < r.end()), None)
    if inside is None:  # a plain <t>: cut its text
        return _T.sub(lambda m: _cut_t(m, marker), element, count=1)
    kept = _T.sub(lambda m: _cut_t(m, marker), inside.group(0), count=1)
    if re.search(rf"<{_P}t\b[^>]*>\s*</{_P}t\s*>", kept) or re.search(rf"<{_P}t\b[^>]*/>", kept):
        kept = ""  # nothing of theirs left in this run
    later = [r for r in runs if r.start() > inside.start()]
    end = later[-1].end() if later else inside.end()
    return element[: inside.start()] + kept + element[end:]


def _cut_t(match: re.Match[str], marker: str) -> str:
    body = match.group(3)
    at = body.find(marker)
    if at < 0:
        return match.group(0)
    kept = re.sub(r"(?:\s|&#10;|&#13;|&#xA;|&#xD;|_x000[aAdD]_)+$", "", body[:at])
    return f"{match.group(1)}{kept}{match.group(4)}"
