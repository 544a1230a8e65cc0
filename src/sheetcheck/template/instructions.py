"""The Instructions sheet, generated from the rule pack, and the technical trace sheet.

The Instructions sheet is for the administrator who fills in the template, in plain words: how
to fill in the data sheet, the import date the date rules compare against, how to validate
everything, the columns, and every problem the checks report (what it is, why the target cares,
how to fix it, whether the template shows it as you type). No message templates, placeholders,
regular expressions or formulas.

The rule-to-formula trace (every conditional format with its rule id, range and formula, and
what the formulas leave to the Validate button and why) is for whoever maintains the template:
it is on its own sheet at the end of the workbook, :data:`TRACE_SHEET`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import button
from ..packs import RulePack
from ..wording import rule_why

if TYPE_CHECKING:
    from .workbook import DataSheet

INSTRUCTIONS_SHEET = "Instructions"
TRACE_SHEET = "Technical - rule formulas"
IMPORT_DATE_CELL = "B4"
BUTTON_ROW_HEIGHT = 30  # points: room for the Validate button (see .button)
COVERAGE_TEXT = {
    "live": "Highlighted as you type",
    "partial": "Partly highlighted as you type",
    "none": "Validate button / headless check only",
}
_NEUTRAL = {"value_q": "[value]", "suggestion_text": "", "suggestion": ""}
_PLAIN = {  # what a message's placeholder stands for, said in words
    "value": "the value",
    "value_q": "the value",
    "cell": "the cell",
    "column": "the column",
    "row": "the row",
    "first_row": "the earlier row",
    "import_date": "the import date",
    "aliases": "see the Columns table above",
    "suggestion_text": "",
    "suggestion": "",
    "likely_text": "",
    "reason": "",
    "related_student": "from the platform",
}


def neutral(template: str) -> str:
    """A message template with its placeholders shown as [names] ('[column] [value] in [cell]')."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: _NEUTRAL.get(m.group(1), "[" + m.group(1).replace("_", " ") + "]"),
        template,
    )


def plain(text: str, known: Mapping[str, str] | None = None) -> str:
    """A why or fix in plain words: each placeholder said as what it stands for ('the column',
    'the status') or, when ``known`` has it, its value ('"Programs"'); never '[column]'."""
    known = known or {}

    def word(match: re.Match[str]) -> str:
        before, quote, name = match.group(1), match.group(2), match.group(3)
        if name in known:
            return f"{before}{quote}{known[name]}{quote}"
        noun = name.removeprefix("related_").replace("_", " ")
        if before.casefold().rstrip().endswith(noun.casefold()):
            return before.rstrip()  # 'program {program}' -> 'program'
        if name in _PLAIN:
            return before + _PLAIN[name]
        if before.casefold().endswith("the "):
            return before + noun  # 'the {return_period}' -> 'the return period'
        return f"{before}the {noun}"

    said = re.sub(r'(\b\w+ |)("?)\{(\w+)\}"?', word, text)
    said = re.sub(r"\(\s*\)", "", said)  # '(accepted names: )' left empty
    return re.sub(r"\s+([,.;:)])", r"\1", " ".join(said.split()))


def import_date_formula(day: dt.date | None) -> str:
    if day is None:
        return "=TODAY()"
    return f"=DATE({day.year},{day.month},{day.day})"


def required_columns(pack: RulePack) -> set[str]:
    """Columns a top-level row rule requires unconditionally."""
    return {name for rule in pack.row_rules for name in rule.schema.get("required", ())}


WIDTHS = (28, 12, 48, 48, 48, 40)  # columns A-F


class _Writer:
    """Writes the sheet line by line; ``row`` is the next row to fill.

    Wrapped rows get a height from their longest cell (openpyxl does not measure text, and
    neither Excel nor LibreOffice refits rows of a file they did not write).
    """

    def __init__(self, sheet: Any) -> None:
        from openpyxl.styles import Alignment, Font

        self.sheet = sheet
        self.row = 1
        self.bold = Font(bold=True)
        self.title = Font(bold=True, size=14)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")
        self.middle = Alignment(vertical="center")

    def line(self, *values: Any, font: Any = None, wrap_last: bool = True) -> None:
        lines = 1
        for index, value in enumerate(values, start=1):
            cell = self.sheet.cell(row=self.row, column=index, value=value)
            wrap = wrap_last or index < len(values)
            cell.alignment = self.wrap if wrap else self.top
            if font is not None:
                cell.font = font
            if wrap and isinstance(value, str):
                width = WIDTHS[index - 1] if index <= len(WIDTHS) else 12
                lines = max(lines, math.ceil(len(value) * 1.1 / width))
        if lines > 1:
            self.sheet.row_dimensions[self.row].height = 15 * lines
        self.row += 1

    def text(self, value: str, font: Any = None) -> None:
        """A paragraph in column A, not wrapped: it reads across the empty cells beside it."""
        cell = self.sheet.cell(row=self.row, column=1, value=value)
        if font is not None:
            cell.font = font
        self.row += 1

    def gap(self) -> None:
        self.row += 1


def write_instructions(
    sheet: Any,
    pack: RulePack,
    *,
    sheets: Sequence[DataSheet],
    import_date: dt.date | None,
) -> None:
    """Fill ``sheet`` with the instructions for ``pack`` and its data ``sheets``."""
    out = _Writer(sheet)
    out.text(f"{pack.title}: how to fill in this template", font=out.title)
    out.text(pack.description)
    _button_row(out)
    _import_date(out, import_date)
    out.gap()
    _how_to(out, pack, sheets)
    for data in sheets:
        _columns(out, pack, data)
    _rules(out, pack, sheets)
    out.text(
        f"For whoever maintains this template: the '{TRACE_SHEET}' sheet at the end lists the "
        "formula behind every highlight. You do not need it to fill in the template."
    )
    _page(sheet, out.row)


def write_trace(sheet: Any, sheets: Sequence[DataSheet]) -> None:
    """Fill ``sheet`` with the rule-to-formula trace: every conditional format in priority
    order, and what the formulas leave to the Validate button (with the technical reason)."""
    out = _Writer(sheet)
    out.text("Rule formulas: how each highlight is computed", font=out.title)
    out.text(
        "Technical reference for whoever maintains or audits this template. Each highlight on "
        f"the data sheets is a conditional format; the rules themselves are explained in plain "
        f"words on the '{INSTRUCTIONS_SHEET}' sheet."
    )
    out.gap()
    _traces(out, sheets)
    out.gap()
    _left_out(out, sheets)
    _page(sheet, out.row)


def _page(sheet: Any, last_row: int) -> None:
    for letter, width in zip("ABCDEF", WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_area = f"A1:F{last_row}"  # formulas overflow to the right on screen only


def _button_row(out: _Writer) -> None:
    """Row 3: the Validate sheet button (drawn over column A after saving, see
    :mod:`.button`) and what it does."""
    assert out.row == button.ROW, "the button row moved"
    out.sheet.row_dimensions[out.row].height = BUTTON_ROW_HEIGHT
    hint = out.sheet.cell(row=out.row, column=2, value=button.HINT)
    hint.alignment = out.middle
    out.row += 1


def _import_date(out: _Writer, import_date: dt.date | None) -> None:
    assert f"B{out.row}" == IMPORT_DATE_CELL, "the import date cell moved"
    out.line(
        "Import date",
        import_date_formula(import_date),
        "Dates after this day are flagged as in the future, and the date rules that count "
        "years back start from it. It is today's date; to check against a fixed import day, "
        "replace it with a formula such as =DATE(2026,11,1).",
    )
    out.sheet["A" + IMPORT_DATE_CELL[1:]].font = out.bold
    out.sheet[IMPORT_DATE_CELL].number_format = "d/m/yyyy"


def _how_to(out: _Writer, pack: RulePack, sheets: Sequence[DataSheet]) -> None:
    out.text("How to fill in", font=out.bold)
    names = " and ".join(f"'{s.title}'" for s in sheets)
    for text in (
        f"Type one row per record on the {names} sheet{'s' if len(sheets) > 1 else ''}, from "
        "row 2 down. Keep the header row as it is: the import and the checker find the columns "
        "by these names.",
        "Dates: type them as d/m/yyyy, for example 1/3/2025 for 1 March 2025. Date cells are "
        "text cells, so what you type is kept exactly as typed whatever the computer's regional "
        "settings (a real date cell would read 1/3/2025 as 3 January on a US machine).",
        "Columns with a fixed list of values have a dropdown. Select a header to see what the "
        "column expects.",
        "Problems light up as you type: red for errors (the import rejects, skips or mangles "
        "the row), yellow for warnings (accepted but probably not what was meant), blue for "
        "information.",
    ):
        out.text(text)
    out.gap()
    out.text("How to validate everything", font=out.bold)
    for text in (
        "In Excel with the SheetCheck add-in: SheetCheck tab > Validate. It checks every rule "
        "below (including those marked 'Validate button / headless check only'), highlights "
        "the cells and lists every issue on an Issues sheet.",
        f"Without Excel: sheetcheck check THIS-FILE.xlsx --template {pack.name} "
        "(add --import-date YYYY-MM-DD to fix the import date).",
    ):
        out.text(text)
    out.gap()


def _columns(out: _Writer, pack: RulePack, data: DataSheet) -> None:
    out.text(f"Columns of the '{data.title}' sheet", font=out.bold)
    if data.pack is not pack:
        out.text(data.pack.description)
    out.line("Column", "Required", "What to enter", "Also accepted as header", font=out.bold)
    required = required_columns(data.pack)
    for col in data.pack.columns:
        out.line(
            col.name,
            "yes" if col.name in required else "",
            col.description,
            ", ".join(col.aliases),
        )
    out.gap()


def coverage_note(rule_id: str, sheets: Sequence[DataSheet]) -> str:
    """How the template checks a rule, in plain words: as you type, partly, or only by the
    Validate button (the technical reason is on the trace sheet)."""
    if rule_id == "missing-column":
        return "The template has every column; the Validate button checks the header"
    if rule_id == "no-rows":
        return "The Validate button checks that the sheet has rows"
    compiled = [data.compiled for data in sheets]
    live = any(r.rule == rule_id for c in compiled for r in c.rules)
    missed = any(u.rule == rule_id for c in compiled for u in c.uncovered)
    if live and missed:
        return f"{COVERAGE_TEXT['partial']}; the Validate button checks the rest"
    if live:
        return COVERAGE_TEXT["live"]
    return COVERAGE_TEXT["none"]


def _rules(out: _Writer, pack: RulePack, sheets: Sequence[DataSheet]) -> None:
    out.text("Rules: the problems the checks report", font=out.bold)
    out.line(
        "Rule id (as in reports)",
        "Severity",
        "Problem",
        "Why it matters",
        "How to fix it",
        "Checked in this template",
        font=out.bold,
    )
    related_sheets = [s.sheet_name for s in pack.related.values() if s.origin == "sheet"]
    known = {}
    if len(related_sheets) == 1 and related_sheets[0]:
        known = {"sheet": related_sheets[0], "related_sheet": related_sheets[0]}
    for rule in pack.rules.values():
        out.line(
            rule.id,
            SEVERITY_WORDS[rule.severity],
            rule.title,
            plain(rule_why(pack, rule), known),
            PLAIN_FIX.get(rule.id) or plain(rule.fix, known),
            coverage_note(rule.id, sheets),
        )
    out.gap()


PLAIN_FIX = {"missing-column": "Add the missing column, headed as in the Columns table above."}
SEVERITY_WORDS = {
    "error": "Error: must be fixed",
    "warning": "Warning: check it",
    "info": "Information",
}


def _left_out(out: _Writer, sheets: Sequence[DataSheet]) -> None:
    out.text("Left to the Validate button (not highlighted as you type)", font=out.bold)
    out.line("Rule id", "Column", "Why the formulas cannot check it", font=out.bold)
    for data in sheets:
        for gap in data.compiled.uncovered:
            out.line(gap.rule, gap.column or "", gap.reason)


def _traces(out: _Writer, sheets: Sequence[DataSheet]) -> None:
    out.text("Highlighting rules (conditional formats), in priority order", font=out.bold)
    out.line("Rule id", "Severity", "Column", "Cells", "Formula (for the first row)", font=out.bold)
    for data in sheets:
        for trace in data.traces:
            cells = "'" + data.title.replace("'", "''") + "'!" + trace.range
            out.line(
                trace.rule, trace.severity, trace.column, cells, trace.formula, wrap_last=False
            )
