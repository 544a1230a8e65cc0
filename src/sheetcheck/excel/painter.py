"""Show a check's result inside Excel without touching a single user cell.

Design: conditional formatting driven by a hidden sheet of issue codes. For every data sheet
Validate has painted, a hidden sheet ``SheetCheck codes N`` mirrors it address for address: the
cell C12 of the codes sheet holds ``"E invalid-date"`` when the data cell C12 has an error. The
data sheet carries three conditional-format rules (error, warning, info) whose formula reads the
mirrored cell with ``INDEX(codes!$1:$1048576, ROW(), COLUMN())``: no relative reference, so
the rule means the same on every engine (COM reads relative references in
``FormatConditions.Add`` from the active cell). A workbook-level name
``SheetCheck_codes_N`` points at the data sheet's A1, so the pairing survives renames.

Why not ``Range.set_colors`` with ``...`` for untouched cells: a fill written into a cell
replaces the user's own fill, and getting it back means reading every fill first (an async
read in xlwings Lite, one call per cell on desktop) and storing it somewhere. Conditional
formatting is drawn on top of the user's formatting and never replaces it, so fills, fonts,
number formats, borders and notes stay exactly as they were; emptying the codes makes every
highlight disappear at once. It is also how the generated template lights up mistakes, with
the same colours (:mod:`sheetcheck.style`). The cost: one hidden sheet and three dormant rules
per painted sheet stay in the workbook after Clear (they match nothing), so the next Validate
reuses them instead of piling up new ones.

Everything is computed first (:func:`plan`), from the report and a snapshot of the workbook's
structure (:func:`read_state`); only then does :func:`apply` talk to Excel, with a bounded number
of calls whatever the number of rows or issues.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..model import (
    SEVERITY_ORDER,
    FileReport,
    Issue,
    Severity,
    column_index,
    column_letter,
    json_value,
    sort_key,
)
from ..style import FILLS, FONTS, ISSUES_SHEET

CODES_SHEET = "SheetCheck codes"  # + " N"
CODES_NAME = "SheetCheck_codes_"  # + "N": workbook name -> the data sheet's $A$1
ISSUES_NAME = "SheetCheck_issues"  # workbook name -> our Issues sheet's $A$1
FALLBACK_ISSUES_SHEET = "SheetCheck issues"  # when the user already has a sheet called Issues
CODE_LETTERS: dict[Severity, str] = {"error": "E", "warning": "W", "info": "I"}
# The annotated copy's Issues sheet has the same columns in the same order.
ISSUE_COLUMNS = ("Severity", "Rule", "Sheet", "Cell", "Row", "Column", "Value", "Message")
COLUMN_WIDTHS = (("A:A", 10), ("B:C", 24), ("D:E", 8), ("F:G", 26), ("H:H", 110))
EXCEL_EPOCH = dt.datetime(1899, 12, 30)

_CELL = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_REFERS_TO = re.compile(r"=(?:'((?:[^']|'')+)'|([^'!#]+))!\$?A\$?1")


# --------------------------------------------------------------------------- workbook state


@dataclass(frozen=True)
class BookState:
    """What Validate needs to know about the workbook's structure, read without cell values.

    ``codes`` maps the number N of each ``SheetCheck codes N`` sheet to the data sheet it mirrors
    (None when that sheet was deleted). ``issues_sheet`` is our Issues sheet, if there is one.
    """

    sheets: tuple[str, ...]
    codes: dict[int, str | None] = field(default_factory=dict)
    issues_sheet: str | None = None

    def codes_sheet(self, number: int) -> str:
        return f"{CODES_SHEET} {number}"

    def codes_for(self, data_sheet: str) -> int | None:
        for number, sheet in self.codes.items():
            if sheet is not None and sheet.casefold() == data_sheet.casefold():
                return number
        return None

    def own_sheets(self) -> set[str]:
        """Sheets sheetcheck created: never candidates for checking."""
        own = {self.codes_sheet(n).casefold() for n in self.codes}
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


def read_state(book: Any) -> BookState:
    """Snapshot the workbook's sheet names and sheetcheck's own names (a few cheap calls)."""
    sheets = tuple(sheet.name for sheet in book.sheets)
    codes: dict[int, str | None] = {}
    issues: str | None = None
    for name in book.names:
        label = name.name
        if label.startswith(CODES_NAME) and label[len(CODES_NAME) :].isdigit():
            number = int(label[len(CODES_NAME) :])
            codes_sheet = f"{CODES_SHEET} {number}"
            if codes_sheet.casefold() in {s.casefold() for s in sheets}:
                target = sheet_of(name.refers_to)
                exists = target is not None and target.casefold() in {s.casefold() for s in sheets}
                codes[number] = target if exists else None
        elif label == ISSUES_NAME:
            target = sheet_of(name.refers_to)
            if target is not None and target.casefold() in {s.casefold() for s in sheets}:
                issues = target
    return BookState(sheets=sheets, codes=codes, issues_sheet=issues)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class CodesWrite:
    """The codes for one data sheet: a rectangle anchored at (row, col), 1-based."""

    row: int
    col: int
    values: list[list[str]]


@dataclass(frozen=True)
class IssuesPage:
    """The content of the Issues sheet: a rectangle of values and formulas from A1."""

    cells: list[list[Any]]
    header_rows: tuple[int, ...]  # 1-based rows to show in bold
    severity_rows: tuple[int, int]  # rows whose column A names a severity (counts, issues)
    table_rows: tuple[int, int]  # the issue list with its header: a filterable Excel table


@dataclass(frozen=True)
class Plan:
    """Everything Validate (or Clear) will do, computed before Excel is touched."""

    data_sheet: str | None
    codes_number: int | None = None
    new_codes_sheet: bool = False  # add the sheet, its rules and its name
    codes: CodesWrite | None = None
    empty_codes: tuple[int, ...] = ()  # codes sheets to empty (stale or all, for Clear)
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


def excel_serial(moment: dt.datetime) -> float:
    """A naive local datetime as an Excel serial number (1900 date system)."""
    return (moment - EXCEL_EPOCH).total_seconds() / 86400


def status_formula(report: FileReport, checked_at: dt.datetime) -> str:
    """The status line, '12 errors, 3 warnings in 4,210 rows, checked 0.4 s ago', as a formula
    so that 'checked ... ago' stays true while the sheet is open."""
    ago = f"(NOW()-{excel_serial(checked_at):.6f})"
    age = (
        f'IF({ago}*86400<60,ROUND(MAX(0,{ago}*86400),1)&" s",'
        f'IF({ago}*1440<60,INT({ago}*1440)&" min",'
        f'IF({ago}*24<24,INT({ago}*24)&" h",INT({ago})&" days")))'
    )
    return f'={quote_text(summary(report) + ", checked ")}&{age}&" ago"'


def quote_text(text: str) -> str:
    """A string literal for an Excel formula."""
    return '"' + text.replace('"', '""') + '"'


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def link_formula(sheet: str, cell: str, label: str) -> str:
    """=HYPERLINK("#'Data'!C12","C12"): a click jumps to the cell, on every engine."""
    return f"=HYPERLINK({quote_text('#' + quote_sheet(sheet) + '!' + cell)},{quote_text(label)})"


def literal(value: Any) -> Any:
    """A cell value as written into a formula range: text that Excel would read as a formula
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


def codes_for(report: FileReport, first_col: int) -> CodesWrite | None:
    """One rectangle of codes covering every issue cell: 'E invalid-date date-order'."""
    worst: dict[tuple[int, int], Severity] = {}
    rules: dict[tuple[int, int], list[str]] = {}
    for issue in report.issues:
        where = issue_position(issue, first_col)
        if where is None:
            continue
        current = worst.get(where)
        if current is None or SEVERITY_ORDER[issue.severity] < SEVERITY_ORDER[current]:
            worst[where] = issue.severity
        names = rules.setdefault(where, [])
        if issue.rule not in names:
            names.append(issue.rule)
    if not worst:
        return None
    top = min(r for r, _ in worst)
    bottom = max(r for r, _ in worst)
    left = min(c for _, c in worst)
    right = max(c for _, c in worst)
    values = [[""] * (right - left + 1) for _ in range(bottom - top + 1)]
    for (row, col), severity in worst.items():
        values[row - top][col - left] = f"{CODE_LETTERS[severity]} {' '.join(rules[(row, col)])}"
    return CodesWrite(row=top, col=left, values=values)


def issues_page(
    report: FileReport, data_sheet: str, first_col: int, checked_at: dt.datetime
) -> IssuesPage:
    """Status line, counts per rule, then every issue with a link to its cell: the layout of
    the annotated copy's Issues sheet."""
    width = len(ISSUE_COLUMNS)
    cells: list[list[Any]] = []

    def add(*values: Any) -> None:
        cells.append([*values, *([""] * (width - len(values)))])

    add(status_formula(report, checked_at))
    add(f"Template: {report.template}   Sheet: {data_sheet}   Header row: {report.header_row}")
    add()
    add("Severity", "Rule", "Count")
    counts_header = len(cells)
    by_rule = Counter((issue.rule, issue.severity) for issue in report.issues)
    for (rule, severity), count in sorted(
        by_rule.items(), key=lambda item: (SEVERITY_ORDER[item[0][1]], item[0][0])
    ):
        add(severity, rule, count)
    add()
    add(*ISSUE_COLUMNS)
    table_header = len(cells)
    for issue in sorted(report.issues, key=sort_key):
        where = issue_position(issue, first_col)
        link = ""
        if where is not None:
            ref = issue.cell or f"{column_letter(where[1])}{where[0]}"
            link = link_formula(data_sheet, ref, issue.cell or f"row {where[0]}")
        add(
            issue.severity,
            issue.rule,
            literal(issue.sheet),
            link,
            issue.row,
            literal(issue.column),
            literal(issue.value),
            literal(issue.message),
        )
    return IssuesPage(
        cells=cells,
        header_rows=(1, counts_header, table_header),
        severity_rows=(counts_header + 1, len(cells)),
        table_rows=(table_header, len(cells)),
    )


def plan(
    report: FileReport,
    state: BookState,
    data_sheet: str,
    first_col: int,
    *,
    checked_at: dt.datetime,
) -> Plan:
    """Everything Validate will do for this report, before anything is sent to Excel."""
    codes = codes_for(report, first_col)
    number = state.codes_for(data_sheet)
    stale = tuple(sorted(n for n in state.codes if n != number))
    if not report.issues:
        return Plan(
            data_sheet=data_sheet,
            codes_number=number,
            empty_codes=tuple(sorted(state.codes)),
            delete_issues_sheet=state.issues_sheet,
            activate=data_sheet if state.issues_sheet else None,
            alert=f"Nothing to fix: {plural(report.rows, 'row')} checked against "
            f"{report.template} on sheet {data_sheet}.",
        )
    new = number is None and codes is not None
    if new:
        number = max(state.codes, default=0) + 1
        while state.has_sheet(f"{CODES_SHEET} {number}"):
            number += 1
    if state.issues_sheet:
        issues_sheet = state.issues_sheet
    elif state.has_sheet(ISSUES_SHEET):
        issues_sheet = FALLBACK_ISSUES_SHEET
    else:
        issues_sheet = ISSUES_SHEET
    return Plan(
        data_sheet=data_sheet,
        codes_number=number,
        new_codes_sheet=new,
        codes=codes,
        empty_codes=stale if new else (*stale, *([number] if number is not None else [])),
        delete_issues_sheet=state.issues_sheet,
        issues_sheet=issues_sheet,
        issues_page=issues_page(report, data_sheet, first_col, checked_at),
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
    return Plan(
        data_sheet=data,
        empty_codes=tuple(sorted(state.codes)),
        delete_issues_sheet=state.issues_sheet,
        activate=data if state.issues_sheet and data else None,
    )


# --------------------------------------------------------------------------- talking to Excel


def codes_formula(codes_sheet: str, severity: Severity) -> str:
    return (
        f"=LEFT(INDEX({quote_sheet(codes_sheet)}!$1:$1048576,ROW(),COLUMN()),1)"
        f'="{CODE_LETTERS[severity]}"'
    )


def severity_formula(column: str, severity: Severity) -> str:
    return f'=INDEX(${column}:${column},ROW())="{severity}"'


def _last(book: Any) -> Any:
    sheets = book.sheets
    return sheets[len(sheets) - 1]


def _add_sheet(book: Any, name: str) -> Any:
    return book.sheets.add(name=name, after=_last(book))


def _set_name(book: Any, label: str, sheet: str) -> None:
    refers_to = f"={quote_sheet(sheet)}!$A$1"
    for name in book.names:
        if name.name == label:
            name.refers_to = refers_to
            return
    book.names.add(label, refers_to)


def apply(book: Any, todo: Plan) -> None:
    """Carry out a plan: a fixed number of Excel calls whatever the size of the report."""
    sheets = book.sheets
    for number in todo.empty_codes:
        sheets[f"{CODES_SHEET} {number}"].clear_contents()
    if todo.codes is not None and todo.codes_number is not None and todo.data_sheet:
        codes_name = f"{CODES_SHEET} {todo.codes_number}"
        if todo.new_codes_sheet:
            # Named first: should a later call fail on desktop, Clear still finds the sheet.
            codes_sheet = _add_sheet(book, codes_name)
            codes_sheet.visible = False
            _set_name(book, f"{CODES_NAME}{todo.codes_number}", todo.data_sheet)
        else:
            codes_sheet = sheets[codes_name]
        write = todo.codes
        codes_sheet.range(
            (write.row, write.col),
            (write.row + len(write.values) - 1, write.col + len(write.values[0]) - 1),
        ).value = write.values
        if todo.new_codes_sheet:
            rules = sheets[todo.data_sheet].cells.conditional_formats
            for severity in ("info", "warning", "error"):  # each add goes on top: error first
                rules.add_custom(
                    codes_formula(codes_name, severity),
                    fill_color=FILLS[severity],
                    font_color=FONTS[severity],
                    stop_if_true=True,
                )
    if todo.delete_issues_sheet:
        sheets[todo.delete_issues_sheet].delete()
    if todo.issues_sheet and todo.issues_page is not None:
        _add_sheet(book, todo.issues_sheet)
        _set_name(book, ISSUES_NAME, todo.issues_sheet)
        _write_issues(sheets[todo.issues_sheet], todo.issues_page)
    if todo.activate:
        sheets[todo.activate].activate()
    if todo.alert:
        book.app.alert(todo.alert, title="SheetCheck")


def _write_issues(sheet: Any, page: IssuesPage) -> None:
    rows, cols = len(page.cells), len(page.cells[0])
    sheet.range((1, 1), (rows, cols)).formula = page.cells
    for row in page.header_rows:
        sheet.range((row, 1), (row, cols)).font.bold = True
    for columns, width in COLUMN_WIDTHS:
        sheet.range(columns).column_width = width
    first, last = page.table_rows
    sheet.tables.add(sheet.range((first, 1), (last, cols)), table_style_name="TableStyleLight1")
    first, last = page.severity_rows
    severities = sheet.range((first, 1), (last, 1))
    for severity in ("info", "warning", "error"):
        severities.conditional_formats.add_custom(
            severity_formula("A", severity),
            fill_color=FILLS[severity],
            font_color=FONTS[severity],
        )
