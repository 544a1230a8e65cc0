"""The workbook part: which sheets there are, and adding ours without disturbing the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError
from .package import (
    CT_PART,
    NS_REL,
    NS_STRICT,
    REL_OFFICE_DOC,
    REL_STYLES,
    SAVE_AS_XLSX,
    Package,
    end_re,
    get_attr,
    prefix_for,
    set_attr,
    tag_re,
    unescape_attr,
    xml_attr,
)

_P = r"(?:[A-Za-z_][\w.-]*:)?"
_SHEET = re.compile(rf"<{_P}sheet\b[^>]*>")


@dataclass(slots=True)
class SheetEntry:
    name: str
    sheet_id: int
    rid: str
    state: str  # visible / hidden / veryHidden
    part: str | None  # None when the relationship is missing or external


@dataclass(slots=True)
class Book:
    part: str  # e.g. xl/workbook.xml
    content_type: str
    sheets: list[SheetEntry]
    styles_part: str | None

    def sheet(self, name: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.name == name), None)


def read_book(pkg: Package) -> Book:
    if not pkg.has(CT_PART):
        raise InputError(pkg.path, "is not an Excel workbook (no content types)", SAVE_AS_XLSX)
    if pkg.has("_rels/.rels") and "purl.oclc.org/ooxml/" in pkg.text("_rels/.rels"):
        raise _strict(pkg.path)
    office = next((r for r in pkg.relationships("") if r.type == REL_OFFICE_DOC), None)
    if office is None or not pkg.has(office.target):
        raise InputError(pkg.path, "is not an Excel workbook (no workbook part)", SAVE_AS_XLSX)
    part = pkg.find(office.target) or office.target
    text = pkg.text(part)
    if NS_STRICT in text[:2000]:
        raise _strict(pkg.path)
    rels = {r.id: r for r in pkg.relationships(part)}
    rel_prefix = prefix_for(text, NS_REL) or "r:"
    sheets = []
    opening, closing = tag_re("sheets").search(text), end_re("sheets").search(text)
    if opening is None or closing is None:
        raise InputError(pkg.path, "its workbook part lists no sheets", SAVE_AS_XLSX)
    for tag in _SHEET.finditer(text, opening.end(), closing.start()):
        raw = tag.group(0)
        rid = unescape_attr(_rel_id(raw, rel_prefix) or "")
        rel = rels.get(rid)
        sheets.append(
            SheetEntry(
                name=unescape_attr(get_attr(raw, "name") or ""),
                sheet_id=int(get_attr(raw, "sheetId") or 0),
                rid=rid,
                state=get_attr(raw, "state") or "visible",
                part=(pkg.find(rel.target) if rel and not rel.external else None),
            )
        )
    styles = next((r for r in rels.values() if r.type == REL_STYLES), None)
    return Book(
        part=part,
        content_type=pkg.content_type(part) or "",
        sheets=sheets,
        styles_part=pkg.find(styles.target) if styles else None,
    )


def _strict(path: str) -> InputError:
    return InputError(
        path,
        "is saved as Strict Open XML, which sheetcheck cannot annotate",
        "save it as Excel Workbook (.xlsx), not Strict Open XML, then annotate",
    )


def add_styles(pkg: Package, book: Book) -> str:
    """A minimal styles part for a workbook that has none (some generators omit it)."""
    part = pkg.unique_name("xl/styles.xml")
    pkg.set_text(
        part,
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>",
    )
    pkg.add_override(part, "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml")
    pkg.add_relationship(book.part, REL_STYLES, part)
    book.styles_part = part
    return part


def _rel_id(tag: str, root_prefix: str) -> str | None:
    """The relationship id of a ``<sheet>``, whichever prefix (even one declared on the
    element itself) names the relationships namespace."""
    found = get_attr(tag, f"{root_prefix}id")
    if found is not None:
        return found
    for local in re.finditer(r"\sxmlns:([\w.-]+)\s*=\s*([\"'])(.*?)\2", tag):
        if local.group(3) == NS_REL:
            return get_attr(tag, f"{local.group(1)}:id")
    return None


def add_sheets(pkg: Package, book: Book, first: tuple[str, str], last: tuple[str, str]) -> None:
    """Insert sheet ``first`` (name, part) before all others, ``last`` hidden after all.

    Every index that counts sheets (defined names' ``localSheetId``, the active and first
    visible tab) moves up by one so that it still points at the same sheet.
    """
    from .package import REL_WORKSHEET

    text = pkg.text(book.part)
    p = tag_re("workbook").search(text)
    prefix = p.group(1) if p else ""
    rel_prefix = prefix_for(text, NS_REL)
    next_id = max((s.sheet_id for s in book.sheets), default=0) + 1
    elements = []
    for offset, (name, part) in enumerate((first, last)):
        rid = pkg.add_relationship(book.part, REL_WORKSHEET, part)
        rid_attr = f'{rel_prefix}id="{rid}"' if rel_prefix else f'xmlns:r="{NS_REL}" r:id="{rid}"'
        state = ' state="veryHidden"' if offset else ""
        sheet_id = next_id + offset
        elements.append(
            f'<{prefix}sheet name="{xml_attr(name)}" sheetId="{sheet_id}"{state} {rid_attr}/>'
        )
    text = re.sub(
        rf"(<{_P}definedName\b[^>]*?\slocalSheetId\s*=\s*[\"'])(\d+)",
        lambda m: f"{m.group(1)}{int(m.group(2)) + 1}",
        text,
    )
    text = _shift_views(text, prefix)
    sheets = tag_re("sheets").search(text)
    closing = end_re("sheets").search(text)
    if sheets is None or closing is None:
        raise InputError(pkg.path, "its workbook part lists no sheets", SAVE_AS_XLSX)
    text = (
        text[: sheets.end()]
        + elements[0]
        + text[sheets.end() : closing.start()]
        + elements[1]
        + text[closing.start() :]
    )
    pkg.set_text(book.part, text)


def _shift_views(text: str, prefix: str) -> str:
    def shift(match: re.Match[str]) -> str:
        tag = match.group(0)
        tag = set_attr(tag, "activeTab", str(int(get_attr(tag, "activeTab") or 0) + 1))
        if get_attr(tag, "firstSheet") is not None:
            tag = set_attr(tag, "firstSheet", str(int(get_attr(tag, "firstSheet") or 0) + 1))
        return tag

    if tag_re("workbookView").search(text):
        return tag_re("workbookView").sub(shift, text)
    sheets = tag_re("sheets").search(text)
    if sheets is None:
        return text
    views = f'<{prefix}bookViews><{prefix}workbookView activeTab="1"/></{prefix}bookViews>'
    return text[: sheets.start()] + views + text[sheets.start() :]


def add_filter_name(pkg: Package, book: Book, sheet: str, ref: str) -> None:
    """The hidden ``_xlnm._FilterDatabase`` name Excel writes beside a sheet's autoFilter.

    LibreOffice takes the filter's range from it, so without it the filter is lost there.
    Call after :func:`add_sheets`: the sheet's index counts the Issues sheet.
    """
    index = 1 + next(k for k, entry in enumerate(book.sheets) if entry.name == sheet)
    text = pkg.text(book.part)
    for found in tag_re("definedName").finditer(text):
        tag = found.group(0)
        if get_attr(tag, "name") == "_xlnm._FilterDatabase" and get_attr(
            tag, "localSheetId"
        ) == str(index):
            return
    p = tag_re("workbook").search(text)
    prefix = p.group(1) if p else ""
    start, _, end = ref.partition(":")
    cols = re.match(r"([A-Z]+)(\d+)", start), re.match(r"([A-Z]+)(\d+)", end or start)
    assert cols[0] and cols[1]
    quoted = "'" + sheet.replace("'", "''") + "'"
    target = f"{quoted}!${cols[0][1]}${cols[0][2]}:${cols[1][1]}${cols[1][2]}"
    element = (
        f'<{prefix}definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
        f"{xml_attr(target)}</{prefix}definedName>"
    )
    names = tag_re("definedNames").search(text)
    if names and names.group(0).endswith("/>"):
        opened = names.group(0)[:-2].rstrip() + ">"
        text = (
            f"{text[: names.start()]}{opened}{element}</{prefix}definedNames>{text[names.end() :]}"
        )
    elif names:
        closing = end_re("definedNames").search(text, names.end())
        assert closing is not None
        text = text[: closing.start()] + element + text[closing.start() :]
    else:
        later = re.search(
            rf"<{_P}(calcPr|oleSize|customWorkbookViews|pivotCaches|smartTagPr|smartTagTypes|"
            rf"webPublishing|fileRecoveryPr|webPublishObjects|extLst)\b|</{_P}workbook\s*>",
            text,
        )
        at = later.start() if later else len(text)
        text = f"{text[:at]}<{prefix}definedNames>{element}</{prefix}definedNames>{text[at:]}"
    pkg.set_text(book.part, text)


_DEFINED_NAME = re.compile(
    rf"<({_P})definedName\b[^>]*?(?:/>|>.*?</{_P}definedName\s*>)", re.DOTALL
)


def remove_sheets(pkg: Package, book: Book, names: set[str], filter_sheets: list[str]) -> None:
    """Take sheets ``names`` out of the workbook (with their parts), and the filter names of
    ``filter_sheets``; every sheet index moves down so it still points at the same sheet."""
    positions = [k for k, entry in enumerate(book.sheets) if entry.name in names]
    if not positions:
        return
    text = pkg.text(book.part)

    def new_index(index: int) -> int | None:
        if index in positions:
            return None
        return index - sum(1 for p in positions if p < index)

    def fix_name(match: re.Match[str]) -> str:
        element = match.group(0)
        tag = re.match(r"<[^>]*>", element)
        local = get_attr(element, "localSheetId")
        if tag is None or local is None or not local.isdigit():
            return element
        index = int(local)
        moved = new_index(index)
        is_filter = get_attr(tag.group(0), "name") == "_xlnm._FilterDatabase"
        in_range = index < len(book.sheets)
        if moved is None or (is_filter and in_range and book.sheets[index].name in filter_sheets):
            return ""
        return set_attr(tag.group(0), "localSheetId", str(moved)) + element[tag.end() :]

    def fix_view(match: re.Match[str]) -> str:
        tag = match.group(0)
        for attribute in ("activeTab", "firstSheet"):
            value = get_attr(tag, attribute)
            if value is not None and value.isdigit():
                tag = set_attr(tag, attribute, str(new_index(int(value)) or 0))
        return tag

    def drop_sheet(match: re.Match[str]) -> str:
        name = unescape_attr(get_attr(match.group(0), "name") or "")
        return "" if name in names else match.group(0)

    opening, closing = tag_re("sheets").search(text), end_re("sheets").search(text)
    if opening is None or closing is None:
        return
    text = (
        text[: opening.end()]
        + _SHEET.sub(drop_sheet, text[opening.end() : closing.start()])
        + text[closing.start() :]
    )
    text = _DEFINED_NAME.sub(fix_name, text)
    text = re.sub(rf"<{_P}definedNames\b[^>]*>\s*</{_P}definedNames\s*>", "", text)
    text = tag_re("workbookView").sub(fix_view, text)
    pkg.set_text(book.part, text)
    for index in positions:
        entry = book.sheets[index]
        pkg.remove_relationship(book.part, entry.rid)
        if entry.part is None:
            continue
        for rel in pkg.relationships(entry.part):
            if not rel.external and pkg.has(rel.target):
                pkg.remove_part(rel.target)
        pkg.remove_part(entry.part)
