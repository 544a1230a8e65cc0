"""The annotated copy of a checked workbook, and ``clean`` to take the annotations off again.

:func:`annotate` writes a copy in which flagged cells are filled with the severity colour and
carry a note, the data sheet's header row has a filter, and a new first sheet lists every
issue with a link to its cell. :func:`clean` turns an annotated copy back into the original:
byte for byte while the copy is as sheetcheck wrote it; cell by cell (each flagged cell's own
fill and font, each note as it was, our sheets and filter gone, the user's later edits kept)
once another program such as Excel has saved it.

The package is edited surgically (see :mod:`.package`): parts we do not need are copied
unchanged, so nothing of the user's is lost, and what ``clean`` needs is kept inside the
workbook on a very hidden sheet (:mod:`.restore`). The input file is never written; output
goes through a temporary file in the target's folder and a rename.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import check_not_input, check_target
from ..errors import SheetcheckError, UsageError
from ..model import (
    SEVERITY_ORDER,
    FileReport,
    Issue,
    Severity,
    cell_ref,
    column_index,
    column_letter,
)
from ..style import ISSUES_SHEET
from . import cells, guard, issues_sheet, notes, restore, workbook
from .guard import AnnotationRefused
from .package import (
    CT_TABLE,
    CT_WORKSHEET,
    REL_TABLE,
    WORKBOOK_SUFFIXES,
    Package,
    get_attr,
    tag_re,
    unescape_attr,
)
from .styles import StyleBook

__all__ = ["AnnotationRefused", "annotate", "clean"]

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def annotate(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    report: FileReport,
    *,
    force: bool = False,
) -> None:
    """Write ``target``: a copy of ``source`` annotated with ``report``'s issues.

    An already annotated ``source`` is first restored, so annotations never stack. Raises a
    :class:`~sheetcheck.errors.SheetcheckError` (one user-facing line) when the file cannot be
    annotated; :class:`AnnotationRefused` when something would not be kept and ``force`` is
    not set.
    """
    src, dst = _paths(source, target)
    if report.error is not None:
        raise UsageError(f"{src}: cannot annotate a file that could not be checked")
    if dst.exists() and not force and not _annotated_copy(dst):
        raise UsageError(
            f"{dst}: already exists and is not an annotated copy (it may be a workbook with "
            "your data); nothing written. Give another name, or add --force to replace it"
        )
    pkg = _open(src)
    restore.restore(pkg)
    book = workbook.read_book(pkg)
    _check_suffix(book, dst)
    plan = _plan(report, book)
    problems, skips = guard.inspect(pkg, {name: s.part for name, s in plan.sheets.items()})
    if problems and not force:
        raise AnnotationRefused(str(src), problems)
    _build(pkg, book, report, plan, skips)
    pkg.write_atomic(dst)


def clean(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Write ``target``: ``source`` with every sheetcheck annotation removed.

    Exact (every part byte for byte) for a copy as sheetcheck wrote it; after another program
    saved the copy, the annotations are removed cell by cell instead (see :mod:`.foreign`).
    """
    src, dst = _paths(source, target)
    pkg = _open(src)
    if restore.restore(pkg) is None:
        raise UsageError(f"{src}: has no sheetcheck annotations to remove")
    pkg.write_atomic(dst)


# -- paths and formats -------------------------------------------------------------------------
def _paths(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> tuple[Path, Path]:
    src, dst = Path(source), Path(target)
    guard.sniff(src)
    check_target(dst)
    check_not_input(src, dst, "the annotated copy")
    return src, dst


def _annotated_copy(path: Path) -> bool:
    """Whether ``path`` is a copy sheetcheck annotated (re-annotating it replaces it freely)."""
    try:
        return workbook.read_book(Package.read(str(path))).sheet(restore.STATE_SHEET) is not None
    except (SheetcheckError, OSError, ValueError, KeyError, zipfile.BadZipFile):
        return False


def _open(src: Path) -> Package:
    pkg = Package.read(str(src))
    guard.refuse_foreign_zip(pkg)
    return pkg


def _check_suffix(book: workbook.Book, dst: Path) -> None:
    allowed = WORKBOOK_SUFFIXES.get(book.content_type)
    if allowed and dst.suffix.lower() not in allowed:
        kind = "macro-enabled workbook" if "macroEnabled" in book.content_type else "workbook"
        raise UsageError(
            f"{dst}: this {kind} must be saved with the extension {allowed[0]}, "
            "or Excel will refuse to open it"
        )


# -- what goes where -------------------------------------------------------------------------
@dataclass(slots=True)
class _SheetPlan:
    part: str | None
    severity: dict[tuple[int, int], Severity] = field(default_factory=dict)
    issues: dict[tuple[int, int], list[Issue]] = field(default_factory=dict)


@dataclass(slots=True)
class _Plan:
    sheets: dict[str, _SheetPlan]
    targets: dict[int, str | None]  # issue index -> the cell it marks, if any


def _plan(report: FileReport, book: workbook.Book) -> _Plan:
    key_col = int(report.extra.get("first_col", 1) or 1)
    sheets: dict[str, _SheetPlan] = {}
    targets: dict[int, str | None] = {}
    for index, issue in enumerate(report.issues):
        entry = book.sheet(issue.sheet)
        position = _position(issue, key_col)
        if entry is None or position is None:
            targets[index] = None
            continue
        targets[index] = cell_ref(*position)
        plan = sheets.setdefault(issue.sheet, _SheetPlan(entry.part))
        old = plan.severity.get(position)
        if old is None or SEVERITY_ORDER[issue.severity] < SEVERITY_ORDER[old]:
            plan.severity[position] = issue.severity
        plan.issues.setdefault(position, []).append(issue)
    if report.sheet and report.header_row and book.sheet(report.sheet):
        sheets.setdefault(report.sheet, _SheetPlan(book.sheet(report.sheet).part))  # type: ignore[union-attr]  # checked just above
    return _Plan(sheets, targets)


def _position(issue: Issue, key_col: int) -> tuple[int, int] | None:
    if issue.cell:
        found = _CELL.match(issue.cell.strip())
        if found:
            return int(found.group(2)), column_index(found.group(1))
    if issue.row and issue.row >= 1:
        return issue.row, key_col
    return None


def note_text(issues: list[Issue]) -> str:
    """A flagged cell's note: each problem with its rule id, what is wrong, why, and the fix."""
    parts = []
    for issue in sorted(issues, key=lambda i: (SEVERITY_ORDER[i.severity], i.rule)):
        text = " ".join(p for p in (issue.what, issue.why) if p)
        text = f"{issue.severity.upper()} {issue.rule}: {text}"
        if issue.fix:
            text += f"\nFix: {issue.fix}"
        parts.append(text)
    return "\n\n".join(parts)


# -- writing ---------------------------------------------------------------------------------
def _build(
    pkg: Package, book: workbook.Book, report: FileReport, plan: _Plan, skips: guard.Skips
) -> None:
    before = dict(pkg.parts)
    if book.styles_part is None:
        workbook.add_styles(pkg, book)
        assert book.styles_part is not None
    styles = StyleBook(pkg.path, pkg.text(book.styles_part))
    sheet_undo: dict[str, list[list[object]]] = {}
    filter_ref = None
    marked: dict[str, dict[str, Any]] = {}
    for name, sheet in plan.sheets.items():
        if sheet.part is None or (name in skips.highlights and name in skips.notes):
            continue
        result = _mark_sheet(pkg, name, sheet=sheet, report=report, styles=styles, skips=skips)
        if result.undo:
            sheet_undo[sheet.part] = result.undo
        filter_ref = result.filter_ref or filter_ref
        marked[name] = result.semantic()
    title = _add_issues_sheet(pkg, book, report, plan, styles)
    if filter_ref and report.sheet:
        workbook.add_filter_name(pkg, book, report.sheet, filter_ref)
    pkg.set_text(book.styles_part, styles.render())
    used = {xf for m in marked.values() for _r, _c, xf in m["cells"]}
    semantic = {
        "issues_sheet": title,
        "sheets": marked,
        "xfs": {str(xf): styles.originals(xf) for xf in sorted(used)},
    }
    state = restore.record(before, pkg, sheet_undo, semantic)
    pkg.set_text(restore.STATE_PART, restore.state_sheet_xml(state))


@dataclass(slots=True)
class _Marked:
    """What annotating one sheet did: the exact splices, and the same in cell terms (which
    lets ``clean`` take annotations off a copy another program has saved since)."""

    undo: list[list[object]] = field(default_factory=list)
    filter_ref: str | None = None
    cells: list[tuple[int, int, int]] = field(default_factory=list)  # row, col, original xf
    new_notes: list[tuple[int, int]] = field(default_factory=list)
    appended_notes: list[tuple[int, int]] = field(default_factory=list)

    def semantic(self) -> dict[str, Any]:
        return {
            "cells": self.cells,
            "autofilter": self.filter_ref,
            "new_notes": self.new_notes,
            "appended_notes": self.appended_notes,
        }


def _mark_sheet(
    pkg: Package,
    name: str,
    *,
    sheet: _SheetPlan,
    report: FileReport,
    styles: StyleBook,
    skips: guard.Skips,
) -> _Marked:
    """Highlights, notes and the header filter on one sheet."""
    assert sheet.part is not None
    text = pkg.text(sheet.part)
    is_data = name == report.sheet
    header_row = report.header_row if is_data else None
    rows = {row for row, _col in sheet.severity}
    scan = cells.scan(text, rows, header_row)
    splices: list[cells.Splice] = []
    done = _Marked()
    if name not in skips.highlights:
        marks = {
            key: styles.flagged(scan.styles.get(key, 0), severity)
            for key, severity in sheet.severity.items()
        }
        splices, skipped = cells.style_splices(scan, marks)
        done.cells = [(r, c, scan.styles.get((r, c), 0)) for r, c in marks if (r, c) not in skipped]
    if header_row and name not in skips.highlights:
        ref = _filter_ref(report, scan)
        if not cells.has_element(text, "autoFilter") and not _tables_overlap(pkg, sheet.part, ref):
            element = f'<{scan.prefix}autoFilter ref="{ref}"/>'
            splices.append(cells.element_splice(text, "autoFilter", element))
            done.filter_ref = ref
    if name not in skips.notes and sheet.issues:
        texts = {key: note_text(found) for key, found in sheet.issues.items()}
        result = notes.add_notes(pkg, sheet.part, text, texts)
        splices.extend(result.sheet_splices)
        done.new_notes, done.appended_notes = result.new, result.appended
    if splices:
        new_text, done.undo = cells.apply(text, splices)
        pkg.set_text(sheet.part, new_text)
    return done


def _filter_ref(report: FileReport, scan: cells.SheetScan) -> str:
    first = int(report.extra.get("first_col", 1) or 1)
    last = max(scan.header_last_col, first)
    header = report.header_row or 1
    return f"{column_letter(first)}{header}:{column_letter(last)}{max(scan.last_row, header)}"


def _tables_overlap(pkg: Package, part: str, ref: str) -> bool:
    want = _bounds(ref)
    for rel in pkg.relationships(part):
        if rel.type != REL_TABLE or not pkg.has(rel.target):
            continue
        root = tag_re("table").search(pkg.text(rel.target))
        bounds = _bounds(get_attr(root.group(0), "ref") or "") if root else None
        if bounds is None or want is None:
            return True
        if not (
            bounds[2] < want[0] or want[2] < bounds[0] or bounds[3] < want[1] or want[3] < bounds[1]
        ):
            return True
    return False


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """'B2:D9' -> (first col, first row, last col, last row)."""
    corners = ref.split(":")
    found = [_CELL.match(c.strip()) for c in corners]
    if not found or any(f is None for f in found):
        return None
    cols = [column_index(f.group(1)) for f in found if f]
    rows = [int(f.group(2)) for f in found if f]
    return min(cols), min(rows), max(cols), max(rows)


def _add_issues_sheet(
    pkg: Package, book: workbook.Book, report: FileReport, plan: _Plan, styles: StyleBook
) -> str:
    """Add the Issues sheet (and our hidden state sheet); returns the Issues sheet's name."""
    names = {sheet.name.lower() for sheet in book.sheets}
    title = ISSUES_SHEET
    number = 1
    while title.lower() in names:
        number += 1
        title = f"{ISSUES_SHEET} ({number})"
    sheet_part = pkg.unique_name("xl/worksheets/sheetcheck-issues.xml")
    table_part = pkg.unique_name("xl/tables/sheetcheck-issues.xml")
    table_id, table_name = _table_identity(pkg, book)
    table_rid = pkg.add_relationship(sheet_part, REL_TABLE, table_part)
    built = issues_sheet.build(
        report, styles, plan.targets, table=(table_id, table_name, table_rid)
    )
    pkg.set_text(sheet_part, built.sheet_xml)
    pkg.set_text(table_part, built.table_xml)
    pkg.set_bytes(restore.STATE_PART, b"")
    pkg.add_override(sheet_part, CT_WORKSHEET)
    pkg.add_override(table_part, CT_TABLE)
    pkg.add_override(restore.STATE_PART, CT_WORKSHEET)
    workbook.add_sheets(pkg, book, (title, sheet_part), (restore.STATE_SHEET, restore.STATE_PART))
    return title


def _table_identity(pkg: Package, book: workbook.Book) -> tuple[int, str]:
    """A table id and name no other table (or defined name) in the workbook uses."""
    ids = [0]
    names = set()
    for part in pkg.parts:
        if not part.lower().endswith(".xml") or "table" not in part.lower():
            continue
        root = tag_re("table").search(pkg.text(part)[:4000])
        if root:
            ids.append(int(get_attr(root.group(0), "id") or 0))
            names.add(unescape_attr(get_attr(root.group(0), "name") or "").lower())
            names.add(unescape_attr(get_attr(root.group(0), "displayName") or "").lower())
    for found in tag_re("definedName").finditer(pkg.text(book.part)):
        names.add(unescape_attr(get_attr(found.group(0), "name") or "").lower())
    name = "SheetcheckIssues"
    number = 1
    while name.lower() in names:
        number += 1
        name = f"SheetcheckIssues{number}"
    return max(ids) + 1, name
