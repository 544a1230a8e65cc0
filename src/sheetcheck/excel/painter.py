"""Show a check's result inside Excel without touching a single user cell.

Design: conditional formatting driven by a hidden sheet of issue codes (the *rig*). For every
painted sheet, a hidden sheet ``SheetCheck codes N`` lists the cells with issues: column A the
cell's key (row * 16384 + column, sorted), column B its severity letter (E, W or I). The
painted sheet carries three conditional-format rules (error, warning, info) that look the
cell's key up in that list (:func:`sheetcheck.issues_layout.codes_rule_formula`), and a
workbook name ``SheetCheck_codes_N`` points at the painted sheet's A1, so the pairing survives
renames. Conditional formatting is drawn on top of the user's formatting and never replaces
it, so fills, fonts, number formats, borders and notes stay exactly as they were; emptying the
codes makes every highlight disappear at once.

Who builds the rig (README, "The Validate button"):

* ``sheetcheck template`` writes it into every template and sample it generates, one per data
  sheet (the main table and each related sheet), so Validate on such a workbook only writes
  values: the codes and the Issues sheet. That is all xlwings Lite can do: its Office.js client
  runs no action that adds a conditional format, hides a sheet or writes a formula.
* Desktop Excel (COM, AppleScript) builds the rig on a workbook that lacks it. Every formula
  goes through a workbook name (``Names.Add`` reads formulas in English on every language of
  Excel) and the conditional format is just ``=SheetCheck_E_1``, valid in every language.
* xlwings Lite on a workbook that did not come from our templates highlights nothing: the
  Issues sheet lists every issue with its sheet and cell and says why cells are not lit.

Everything is computed first (:func:`plan`), from the report and a snapshot of the workbook's
structure (:func:`read_state`); only then does :func:`apply` talk to Excel, with a bounded number
of calls whatever the number of rows or issues, and nothing written for rows without issues.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..issues_layout import (
    CODES_NAME,
    CODES_SHEET,
    COLUMNS,
    EXCEL_COUNT_COLUMNS,
    HIGHLIGHT_ORDER,
    TITLE_MARK,
    cell_code,
    cell_key,
    codes_rule_formula,
    highlight,
    quote_sheet,
    severity_name,
    worst,
)
from ..model import SEVERITY_ORDER, FileReport, Issue, Severity, column_index, json_value, sort_key
from ..style import ISSUES_SHEET

FALLBACK_ISSUES_SHEET = "SheetCheck issues"  # when the user already has a sheet called Issues
ISSUE_COLUMNS = COLUMNS  # the annotated copy's Issues sheet has the same columns

_CELL = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_REFERS_TO = re.compile(r"=(?:'((?:[^']|'')+)'|([^'!#]+))!\$?A\$?1")


# --------------------------------------------------------------------------- workbook state


@dataclass(frozen=True)
class BookState:
    """What Validate needs to know about the workbook's structure.

    ``codes`` maps the number N of each rig (``SheetCheck codes N`` with its name) to the sheet
    it paints (None when that sheet was deleted). ``issues_sheet`` is our Issues sheet, if
    there is one (found by its name and the mark in A1, not by a workbook name: Office.js
    drops names whose sheet was deleted from the payload, and refuses to add them again).
    ``can_rig``: the engine can add conditional formats and hide sheets (desktop Excel).
    """

    sheets: tuple[str, ...]
    codes: dict[int, str | None] = field(default_factory=dict)
    issues_sheet: str | None = None
    can_rig: bool = False

    def codes_sheet(self, number: int) -> str:
        return f"{CODES_SHEET} {number}"

    def codes_for(self, sheet: str) -> int | None:
        for number, painted in self.codes.items():
            if painted is not None and painted.casefold() == sheet.casefold():
                return number
        return None

    def own_sheets(self) -> set[str]:
        """Sheets sheetcheck created: never candidates for checking."""
        own = {s.casefold() for s in self.sheets if s.startswith(CODES_SHEET + " ")}
        if self.issues_sheet:
            own.add(self.issues_sheet.casefold())
        return own

    def has_sheet(self, name: str) -> bool:
        return name.casefold() in {s.casefold() for s in self.sheets}


def sheet_of(refers_to: str | None) -> str | None:
    """ "='My Sheet'!$A$1" -> "My Sheet"; None for a broken (#REF!) or foreign definition."""
    if not refers_to:
        return None
    match = _REFERS_TO.fullmatch(refers_to.strip())
    if match is None:
        return None
    return match[1].replace("''", "'") if match[1] else match[2]


def read_state(book: Any, *, can_rig: bool = False) -> BookState:
    """Snapshot the workbook's sheet names, sheetcheck's rigs and its Issues sheet."""
    sheets = tuple(sheet.name for sheet in book.sheets)
    folded = {s.casefold() for s in sheets}
    codes: dict[int, str | None] = {}
    for name in book.names:
        label = name.name
        if label.startswith(CODES_NAME) and label[len(CODES_NAME) :].isdigit():
            number = int(label[len(CODES_NAME) :])
            if f"{CODES_SHEET} {number}".casefold() in folded:
                target = sheet_of(name.refers_to)
                exists = target is not None and target.casefold() in folded
                codes[number] = target if exists else None
    issues: str | None = None
    for candidate in (ISSUES_SHEET, FALLBACK_ISSUES_SHEET):
        match = next((s for s in sheets if s.casefold() == candidate.casefold()), None)
        if match is None:
            continue
        first = book.sheets[match].range("A1").value
        if isinstance(first, str) and first.startswith(TITLE_MARK):
            issues = match
            break
    return BookState(sheets=sheets, codes=codes, issues_sheet=issues, can_rig=can_rig)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class CodesWrite:
    """The codes of one painted sheet: [key, code] rows written from A1 of its codes sheet;
    ``new`` when the rig must be built first (desktop only)."""

    number: int
    sheet: str
    values: list[list[Any]]
    new: bool = False


@dataclass(frozen=True)
class IssuesPage:
    """The content of the Issues sheet: a rectangle of values from A1, no formulas."""

    cells: list[list[Any]]
    bold_rows: tuple[int, ...]  # 1-based rows to show in bold
    table_rows: tuple[int, int]  # the issue list with its header: a filterable Excel table
    fills: tuple[tuple[int, int, Severity], ...]  # (first row, last row, severity) of column A


@dataclass(frozen=True)
class Plan:
    """Everything Validate (or Clear) will do, computed before Excel is touched."""

    data_sheet: str | None
    empty_codes: tuple[int, ...] = ()
    codes: tuple[CodesWrite, ...] = ()
    unlit: tuple[str, ...] = ()  # sheets with issues but no rig (listed, not highlighted)
    delete_issues_sheet: str | None = None
    issues_sheet: str | None = None  # the sheet to create, when there is something to list
    issues_page: IssuesPage | None = None
    activate: str | None = None
    alert: str | None = None


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def summary(report: FileReport) -> str:
    """'12 errors, 3 warnings in 4,210 rows' (infos only when there are some)."""
    parts = [plural(report.errors, "error"), plural(report.warnings, "warning")]
    if report.infos:
        parts.append(f"{report.infos:,} info")
    return f"{', '.join(parts)} in {plural(report.rows, 'row')}"


def literal(value: Any) -> Any:
    """A cell value as written by Validate: text that Excel would read as a formula
    (=, +, -, @) gets the apostrophe prefix that keeps it text."""
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def issue_position(issue: Issue, first_col: int) -> tuple[int, int] | None:
    """The sheet cell an issue is drawn on: its cell, or the row's first column for row-wide
    issues (a missing column is drawn on the header row)."""
    if issue.cell:
        match = _CELL.fullmatch(issue.cell)
        if match:
            return int(match[2]), column_index(match[1])
    if issue.row >= 1:
        return issue.row, first_col
    return None


def highlighted_cells(report: FileReport) -> dict[str, dict[tuple[int, int], list[Issue]]]:
    """Per sheet, the cells Validate lights and the issues on each (the parity tests compare
    this with the check of the saved file)."""
    first_col = int(report.extra.get("first_col", 1))
    cells: dict[str, dict[tuple[int, int], list[Issue]]] = {}
    for issue in report.issues:
        sheet = issue.sheet or report.sheet or ""
        where = issue_position(issue, first_col if sheet == report.sheet else 1)
        if where is not None:
            cells.setdefault(sheet, {}).setdefault(where, []).append(issue)
    return cells


def codes_values(cells: dict[tuple[int, int], list[Issue]]) -> list[list[Any]]:
    """[key, severity letter] rows sorted by key: one row per cell with issues, nothing for
    the rest. Only the letter: the response carries one short row per flagged cell, and the
    Issues sheet says which rules."""
    return [
        [cell_key(row, col), cell_code(worst(issues))]
        for (row, col), issues in sorted(cells.items())
    ]


def issues_page(report: FileReport, checked_at: dt.datetime, unlit: tuple[str, ...]) -> IssuesPage:
    """Title, counts per rule, then every issue with its sheet and cell: the layout of the
    annotated copy's Issues sheet (:mod:`sheetcheck.issues_layout`), written as values."""
    width = len(COLUMNS)
    cells: list[list[Any]] = []

    def add(*values: Any) -> None:
        cells.append([*values, *([""] * (width - len(values)))])

    add(f"{TITLE_MARK}: {summary(report)}, checked {checked_at:%Y-%m-%d %H:%M}")
    add(f"Template: {report.template}   Sheet: {report.sheet}   Header row: {report.header_row}")
    if unlit:
        add(
            "Cells are not highlighted on "
            + ", ".join(unlit)
            + ": highlights need a workbook made by sheetcheck template, or desktop Excel."
            " Every issue below names its sheet and cell."
        )
    else:
        add()
    add(*EXCEL_COUNT_COLUMNS)
    counts_header = len(cells)
    by_rule = Counter((issue.rule, issue.severity) for issue in report.issues)
    fixes: dict[str, Counter[str]] = {}
    whys: dict[str, str] = {}
    for issue in report.issues:
        fixes.setdefault(issue.rule, Counter())[issue.fix] += 1
        whys.setdefault(issue.rule, issue.why)
    common = {rule: counter.most_common(1)[0][0] for rule, counter in fixes.items()}
    ordered_counts = sorted(by_rule.items(), key=lambda kv: (SEVERITY_ORDER[kv[0][1]], kv[0][0]))
    for (rule, severity), count in ordered_counts:
        advice = " ".join(part for part in (whys[rule], common[rule]) if part)
        add(severity, rule, count, literal(advice))
    fills = _blocks([sev for (_, sev), _ in ordered_counts], counts_header + 1)
    add()
    add(*COLUMNS)
    table_header = len(cells)
    listed = sorted(report.issues, key=sort_key)
    for issue in listed:
        own_fix = issue.fix if issue.fix != common[issue.rule] else ""
        add(
            issue.severity,
            issue.rule,
            literal(issue.sheet or report.sheet),
            issue.cell or (f"row {issue.row}" if issue.row >= 1 else ""),
            issue.row,
            literal(issue.column),
            literal(issue.value),
            literal(" ".join(part for part in (issue.what, own_fix) if part)),
        )
    fills += _blocks([issue.severity for issue in listed], table_header + 1)
    return IssuesPage(
        cells=cells,
        bold_rows=(1, counts_header),
        table_rows=(table_header, len(cells)),
        fills=tuple(fills),
    )


def _blocks(severities: list[Severity], first_row: int) -> list[tuple[int, int, Severity]]:
    blocks: list[tuple[int, int, Severity]] = []
    for offset, severity in enumerate(severities):
        row = first_row + offset
        if blocks and blocks[-1][2] == severity and blocks[-1][1] == row - 1:
            blocks[-1] = (blocks[-1][0], row, severity)
        else:
            blocks.append((row, row, severity))
    return blocks


def plan(report: FileReport, state: BookState, *, checked_at: dt.datetime) -> Plan:
    """Everything Validate will do for this report, before anything is sent to Excel."""
    data_sheet = report.sheet
    rigs = tuple(sorted(n for n, sheet in state.codes.items()))
    if not report.issues:
        return Plan(
            data_sheet=data_sheet,
            empty_codes=rigs,
            delete_issues_sheet=state.issues_sheet,
            activate=data_sheet if state.issues_sheet else None,
            alert=f"Nothing to fix: {plural(report.rows, 'row')} checked against "
            f"{report.template} on sheet {data_sheet}.",
        )
    writes: list[CodesWrite] = []
    unlit: list[str] = []
    taken = set(state.codes)
    for sheet, cells in highlighted_cells(report).items():
        number = state.codes_for(sheet)
        new = False
        if number is None:
            if not state.can_rig or not state.has_sheet(sheet):
                unlit.append(sheet)
                continue
            number = max(taken, default=0) + 1
            while number in taken or state.has_sheet(f"{CODES_SHEET} {number}"):
                number += 1
            taken.add(number)
            new = True
        writes.append(CodesWrite(number, sheet, codes_values(cells), new=new))
    if state.issues_sheet:
        issues_sheet = state.issues_sheet
    elif state.has_sheet(ISSUES_SHEET):
        issues_sheet = FALLBACK_ISSUES_SHEET
    else:
        issues_sheet = ISSUES_SHEET
    return Plan(
        data_sheet=data_sheet,
        empty_codes=rigs,
        codes=tuple(writes),
        unlit=tuple(unlit),
        delete_issues_sheet=state.issues_sheet,
        issues_sheet=issues_sheet,
        issues_page=issues_page(report, checked_at, tuple(unlit)),
        activate=issues_sheet,
        alert=None
        if report.errors or report.warnings
        else f"Nothing to fix: {plural(report.rows, 'row')} checked against {report.template} "
        f"on sheet {data_sheet}. The {issues_sheet} sheet lists "
        f"{plural(report.infos, 'note')} for information.",
    )


def clear_plan(state: BookState) -> Plan:
    """Clear: empty every codes sheet and remove the Issues sheet."""
    data = next((sheet for sheet in state.codes.values() if sheet is not None), None)
    if data is None and state.issues_sheet:
        data = next((s for s in state.sheets if s.casefold() not in state.own_sheets()), None)
    return Plan(
        data_sheet=data,
        empty_codes=tuple(sorted(state.codes)),
        delete_issues_sheet=state.issues_sheet,
        activate=data if state.issues_sheet and data else None,
    )


# --------------------------------------------------------------------------- talking to Excel


def _last(book: Any) -> Any:
    sheets = book.sheets
    return sheets[len(sheets) - 1]


def apply(book: Any, todo: Plan) -> None:
    """Carry out a plan: a fixed number of Excel calls whatever the size of the report."""
    sheets = book.sheets
    for number in todo.empty_codes:
        sheets[f"{CODES_SHEET} {number}"].clear_contents()
    for write in todo.codes:
        if write.new:
            build_rig(book, write.number, write.sheet)
        sheets[f"{CODES_SHEET} {write.number}"].range(
            (1, 1), (len(write.values), 2)
        ).value = write.values
    if todo.delete_issues_sheet:
        sheets[todo.delete_issues_sheet].delete()
    if todo.issues_sheet and todo.issues_page is not None:
        sheet = book.sheets.add(name=todo.issues_sheet, after=_last(book))
        try:
            _write_issues(sheet, todo.issues_page)
        except Exception:  # desktop has no rollback: never leave an empty Issues sheet
            with contextlib.suppress(Exception):  # the first failure is the one to report
                sheet.delete()
            raise
    if todo.activate:
        sheets[todo.activate].activate()
    if todo.alert:
        book.app.alert(todo.alert, title="SheetCheck")


def _write_issues(sheet: Any, page: IssuesPage) -> None:
    rows, cols = len(page.cells), len(page.cells[0])
    sheet.range((1, 1), (rows, cols)).value = page.cells
    for row in page.bold_rows:
        sheet.range((row, 1), (row, cols)).font.bold = True
    first, last = page.table_rows
    table = sheet.range((first, 1), (last, cols))
    sheet.tables.add(table, table_style_name="TableStyleLight1")
    table.autofit()  # one line per message, every column as wide as its text
    for top, bottom, severity in page.fills:
        sheet.range((top, 1), (bottom, 1)).color = "#" + highlight(severity)[0]


# --------------------------------------------------------------------------- desktop rig


def build_rig(book: Any, number: int, painted: str) -> None:
    """Desktop Excel only: the hidden codes sheet, its names and three conditional formats.

    Locale-proof: formulas are handed to ``Names.Add`` (read in English on every language of
    Excel) and each conditional format's formula is a bare name, valid in every language. The
    codes sheet is named first so that Clear finds it should a later call fail.
    """
    codes_name = f"{CODES_SHEET} {number}"
    codes = book.sheets.add(name=codes_name, after=_last(book))
    hide(codes)
    book.names.add(f"{CODES_NAME}{number}", f"={quote_sheet(painted)}!$A$1")
    rules = book.sheets[painted].cells.conditional_formats
    for severity in reversed(HIGHLIGHT_ORDER):  # each add goes on top: error ends first
        label = severity_name(number, severity)
        book.names.add(label, "=" + codes_rule_formula(codes_name, severity))
        fill, font = highlight(severity)
        rules.add_custom("=" + label, fill_color=fill, font_color=font, stop_if_true=True)


def hide(sheet: Any, platform: str = sys.platform) -> None:
    """Hide a sheet from the user (very hidden: not even in Unhide).

    Not ``sheet.visible = False``: on macOS xlwings hands the boolean to AppleScript, whose
    worksheet ``visible`` property takes the enumeration sheet visible / sheet hidden / sheet
    very hidden (xlwings' own getter in ``_xlmac.py`` compares with ``kw.sheet_visible``).
    """
    if platform == "darwin":
        from appscript import k as kw  # type: ignore[import-not-found]  # macOS only

        sheet.api.visible.set(kw.sheet_very_hidden)
    else:
        sheet.api.Visible = 2  # xlSheetVeryHidden
