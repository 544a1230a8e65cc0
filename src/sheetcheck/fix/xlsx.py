"""Writing the fixes into a copy of an .xlsx/.xlsm workbook, surgically.

The package machinery of the annotated copy (:mod:`sheetcheck.annotate.package`, ``cells``,
``workbook``) does the work: only the changed cells' elements are replaced in their sheet's
XML, a Changes sheet is added at the end, and every other part is copied byte for byte. A cell
holding a formula is never overwritten (the change is dropped and reported).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..annotate import cells, guard, restore, workbook
from ..annotate.package import (
    CT_WORKSHEET,
    NS_MAIN,
    NS_REL,
    REL_WORKSHEET,
    WORKBOOK_SUFFIXES,
    Package,
    end_re,
    prefix_for,
    tag_re,
    xml_attr,
)
from ..annotate.text import clean_text, t_element
from ..errors import UsageError
from ..model import column_letter, json_value
from . import CHANGE_COLUMNS, CHANGES_SHEET, Change, shown

_P = r"(?:[A-Za-z_][\w.-]*:)?"
_T_ATTR = re.compile(r"\s(?:t|vm|cm)\s*=\s*([\"']).*?\1")
WIDTHS = (18, 8, 24, 28, 28, 10)


@dataclass(slots=True)
class Written:
    """What the writer did: the changes made, and those it had to leave (with the reason)."""

    applied: list[Change] = field(default_factory=list)
    skipped: list[tuple[Change, str]] = field(default_factory=list)
    changes_sheet: str = CHANGES_SHEET


def write(source: Path, target: Path, changes: Sequence[Change]) -> Written:
    """Write ``target``: ``source`` with ``changes`` made and a Changes sheet listing them."""
    pkg = Package.read(str(source))
    guard.refuse_foreign_zip(pkg)
    restore.restore(pkg)  # an annotated copy: fix the workbook, not our annotations
    book = workbook.read_book(pkg)
    _check_suffix(book, target)
    done = Written()
    by_sheet: dict[str, list[Change]] = {}
    for change in changes:
        by_sheet.setdefault(change.sheet, []).append(change)
    for name, found in by_sheet.items():
        entry = book.sheet(name)
        if entry is None or entry.part is None:
            done.skipped.extend((c, "its sheet could not be found") for c in found)
            continue
        _edit_sheet(pkg, entry.part, found, done)
    done.changes_sheet = _add_changes_sheet(pkg, book, done.applied)
    pkg.write_atomic(target)
    return done


def _check_suffix(book: workbook.Book, dst: Path) -> None:
    allowed = WORKBOOK_SUFFIXES.get(book.content_type)
    if allowed and dst.suffix.lower() not in allowed:
        raise UsageError(
            f"{dst}: this workbook must be saved with the extension {allowed[0]}, "
            "or Excel will refuse to open it"
        )


def _edit_sheet(pkg: Package, part: str, changes: list[Change], done: Written) -> None:
    text = pkg.text(part)
    scan = cells.scan(text, {c.row for c in changes}, None)
    splices: list[cells.Splice] = []
    for change in changes:
        found = scan.cells.get(change.row)
        tag = None
        if found is not None:
            tag = next((t for col, t, _pos in found[1] if col == change.col), None)
        if tag is None:
            done.skipped.append((change, "the cell is not in the file"))
            continue
        end = _element_end(text, tag)
        element = text[tag.start() : end]
        if re.search(rf"<{_P}f\b", element):
            done.skipped.append((change, "the cell holds a formula"))
            continue
        splices.append(
            cells.Splice(tag.start(), end, _cell_xml(tag.group(0), change.after, scan.prefix))
        )
        done.applied.append(change)
    if splices:
        new_text, _undo = cells.apply(text, splices)
        pkg.set_text(part, new_text)


def _element_end(text: str, tag: re.Match[str]) -> int:
    if tag.group(0).endswith("/>"):
        return tag.end()
    closing = re.compile(rf"</{_P}c\s*>").search(text, tag.end())
    assert closing is not None, "a cell element without its end tag"
    return closing.end()


def _cell_xml(start_tag: str, value: object, prefix: str) -> str:
    """The cell element holding ``value``: its reference and style kept, its type replaced."""
    opened = _T_ATTR.sub("", start_tag)
    opened = opened[:-2].rstrip() + ">" if opened.endswith("/>") else opened
    value = json_value(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        opened = opened[:-1].rstrip() + ' t="inlineStr">'
        return (
            f"{opened}<{prefix}is>{t_element(clean_text(value), prefix)}</{prefix}is></{prefix}c>"
        )
    return f"{opened}<{prefix}v>{value!r}</{prefix}v></{prefix}c>"


def _add_changes_sheet(pkg: Package, book: workbook.Book, applied: list[Change]) -> str:
    """A last sheet listing every change with a link to its cell; returns its name."""
    names = {sheet.name.casefold() for sheet in book.sheets}
    title, number = CHANGES_SHEET, 1
    while title.casefold() in names:
        number += 1
        title = f"{CHANGES_SHEET} ({number})"
    part = pkg.unique_name("xl/worksheets/sheetcheck-changes.xml")
    pkg.set_text(part, _changes_xml(applied))
    pkg.add_override(part, CT_WORKSHEET)
    rid = pkg.add_relationship(book.part, REL_WORKSHEET, part)
    text = pkg.text(book.part)
    root = tag_re("workbook").search(text)
    prefix = root.group(1) if root else ""
    rel_prefix = prefix_for(text, NS_REL)
    rid_attr = f'{rel_prefix}id="{rid}"' if rel_prefix else f'xmlns:r="{NS_REL}" r:id="{rid}"'
    sheet_id = max((s.sheet_id for s in book.sheets), default=0) + 1
    element = f'<{prefix}sheet name="{xml_attr(title)}" sheetId="{sheet_id}" {rid_attr}/>'
    closing = end_re("sheets").search(text)
    if closing is None:
        raise UsageError(f"{pkg.path}: its workbook part lists no sheets")
    pkg.set_text(book.part, text[: closing.start()] + element + text[closing.start() :])
    return title


def _changes_xml(applied: list[Change]) -> str:
    def text_cell(ref: str, value: object) -> str:
        return f'<c r="{ref}" t="inlineStr"><is>{t_element(clean_text(value))}</is></c>'

    rows = [
        '<row r="1">'
        + "".join(text_cell(f"{column_letter(k + 1)}1", h) for k, h in enumerate(CHANGE_COLUMNS))
        + "</row>"
    ]
    links = []
    for number, change in enumerate(applied, start=2):
        values = (change.sheet, change.cell, change.rule, shown(change.before), shown(change.after))
        cells_xml = "".join(
            text_cell(f"{column_letter(k + 1)}{number}", v) for k, v in enumerate(values)
        )
        cells_xml += text_cell(f"F{number}", f"go to {change.cell}")
        rows.append(f'<row r="{number}">{cells_xml}</row>')
        location = "'" + change.sheet.replace("'", "''") + "'!" + change.cell
        links.append(
            f'<hyperlink ref="F{number}" location="{xml_attr(location)}" '
            f'display="{xml_attr(change.cell)}"/>'
        )
    cols = "".join(
        f'<col min="{k + 1}" max="{k + 1}" width="{w}" customWidth="1"/>'
        for k, w in enumerate(WIDTHS)
    )
    last = max(len(applied) + 1, 1)
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        f'<dimension ref="A1:F{last}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
        f"<sheetData>{''.join(rows)}</sheetData>"
        f'<autoFilter ref="A1:F{last}"/>{hyperlinks}'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )


__all__ = ["Written", "write"]
