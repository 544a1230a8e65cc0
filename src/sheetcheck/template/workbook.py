"""The openpyxl writer: a rule pack's compiled checks -> the workbook an administrator fills in.

Sheets: the data sheet (the pack's columns as an Excel table, header frozen, input messages,
dropdowns, conditional formats), the Instructions sheet (generated from the pack, with the
import date cell the date rules compare against) and a hidden Lists sheet feeding the
dropdowns. Date columns are text cells (number format ``@``): what is typed stays exactly as
typed, so 1/3/2025 is 1 March 2025 on every machine; see the README, "Templates".
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import replacing
from ..errors import SheetcheckError, UsageError
from ..issues_layout import highlight
from ..model import Severity, column_letter
from ..packs import Column, RulePack
from ..style import HEADER_FILL, HEADER_FONT
from .button import add_validate_button
from .formulas import CompiledPack, Layout, compile_pack
from .instructions import (
    IMPORT_DATE_CELL,
    INSTRUCTIONS_SHEET,
    TRACE_SHEET,
    write_instructions,
    write_trace,
)
from .rig import add_rig

LISTS_SHEET = "Lists"
FIRST_ROW = 2  # the header is row 1
DEFAULT_DATA_ROWS = 1000
MAX_DATA_ROWS = 50_000
ERROR_STYLES: dict[Severity, str] = {"error": "stop", "warning": "warning", "info": "information"}
TEXT_FORMAT = "@"
EXCEL_FORMULA_LIMIT = 8192
VERDICT_GAP = 2  # columns between the data and the verdict cells of the differential test


class TemplateError(SheetcheckError):
    """The template cannot be written (bad output path, unwritable folder...)."""


@dataclass(frozen=True)
class TemplateOptions:
    """How to build one template.

    ``rows`` pre-fill the data sheet (values in pack column order: text, numbers, dates),
    ``related_rows`` the sheets of related tables, by the related table's name;
    ``data_rows`` is how many rows the table, dropdowns and conditional formats cover;
    ``import_date`` fixes the Instructions sheet's import date (default: ``=TODAY()``);
    ``verdict_columns`` adds, right of the table, one cell per conditional format per filled
    row holding the very formula the format uses (the differential test reads them back);
    ``timestamp`` (default: the time of saving) is written as the workbook's creation time
    and the time of every part, so the same content gives the same bytes (``make templates``).
    """

    rows: Sequence[Sequence[Any]] = ()
    related_rows: Mapping[str, Sequence[Sequence[Any]]] = field(default_factory=dict)
    data_rows: int = DEFAULT_DATA_ROWS
    import_date: dt.date | None = None
    verdict_columns: bool = False
    timestamp: dt.datetime | None = None


def sheet_name(text: str) -> str:
    """A valid worksheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", text).strip("' ") or "Data"
    return cleaned[:31]


def sheet_ref(title: str) -> str:
    """A sheet name as a formula prefix: 'O''Neil data'!"""
    return "'" + title.replace("'", "''") + "'!"


def is_text_column(col: Column) -> bool:
    """Columns whose cells keep what is typed as text (number format '@')."""
    return col.json_type == "string" or col.enum is not None or col.function is not None


@dataclass(frozen=True)
class DataSheet:
    """One table of the template: the main pack, or a related table kept on its own sheet."""

    pack: RulePack
    title: str
    compiled: CompiledPack
    layout: Layout
    traces: tuple[Trace, ...]


def tables_of(pack: RulePack) -> list[tuple[str | None, RulePack]]:
    """The pack itself (name None), then every related table kept on a sheet of the workbook."""
    related = [(name, sub) for name, sub in pack.related.items() if sub.origin == "sheet"]
    return [(None, pack), *related]


@dataclass(frozen=True)
class SheetPlan:
    """Where one table goes: its sheet title, column letters and last covered row."""

    related: str | None  # the related table's name; None for the pack's own table
    pack: RulePack
    title: str
    letters: Mapping[str, str]
    last: int

    def range_of(self, column: str) -> str:
        letter = self.letters[column]
        return f"{sheet_ref(self.title)}${letter}${FIRST_ROW}:${letter}${self.last}"


def plan_sheets(pack: RulePack, options: TemplateOptions) -> list[SheetPlan]:
    """The data sheets of the template of ``pack``, in order (its own table first)."""
    plans: list[SheetPlan] = []
    reserved = {s.casefold() for s in (INSTRUCTIONS_SHEET, LISTS_SHEET, TRACE_SHEET)}
    for related, table in tables_of(pack):
        rows = options.rows if related is None else options.related_rows.get(related, ())
        letters = {col.name: column_letter(i) for i, col in enumerate(table.columns, start=1)}
        last = FIRST_ROW - 1 + max(options.data_rows, len(rows))
        title = sheet_name(table.sheet_name or table.sheet_title)
        if title.casefold() in reserved | {p.title.casefold() for p in plans}:
            raise TemplateError(
                f"{pack.source}: the sheet name '{title}' is used twice in the template "
                f"(give the table another sheet_title; '{INSTRUCTIONS_SHEET}', "
                f"'{LISTS_SHEET}' and '{TRACE_SHEET}' are the template's own)"
            )
        plans.append(SheetPlan(related, table, title, letters, last))
    return plans


def layout_for(plans: Sequence[SheetPlan], plan: SheetPlan, lists: Mapping[str, str]) -> Layout:
    """References of one data sheet's formulas; the main table also sees its related sheets."""
    related: dict[tuple[str, str], str] = {}
    if plan.related is None:
        for other in plans:
            if other.related is not None:
                related.update({(other.related, c): other.range_of(c) for c in other.letters})
    import_date = sheet_ref(INSTRUCTIONS_SHEET) + _absolute(IMPORT_DATE_CELL)
    return Layout(plan.letters, FIRST_ROW, import_date, lists, related)


def write_template(
    pack: RulePack, target: str | os.PathLike[str], options: TemplateOptions
) -> Path:
    """Build the workbook for ``pack`` and write it to ``target`` atomically."""
    from openpyxl import Workbook

    if not 1 <= options.data_rows <= MAX_DATA_ROWS:
        raise TemplateError(
            f"data rows must be from 1 to {MAX_DATA_ROWS:,}, got {options.data_rows:,} "
            "(the duplicate checks compare each row with those above it)"
        )
    book = Workbook()
    book.remove(book.active)
    lists_sheet = book.create_sheet(LISTS_SHEET)
    lists_sheet.sheet_state = "hidden"
    sheets: list[DataSheet] = []
    plans = plan_sheets(pack, options)
    for position, plan in enumerate(plans):
        table, title, letters, last = plan.pack, plan.title, plan.letters, plan.last
        sheet = book.create_sheet(title, position)
        rows = options.rows if plan.related is None else options.related_rows.get(plan.related, ())
        compiled = compile_pack(table)
        layout = layout_for(plans, plan, _write_lists(lists_sheet, table))
        _write_data(sheet, table, rows, last, letters)
        _add_table(sheet, table, last)
        _add_validations(sheet, table, layout, last)
        traces = _add_formats(sheet, compiled, layout, last)
        if options.verdict_columns and position == 0:
            _add_verdicts(sheet, compiled, layout, len(rows))
        sheets.append(DataSheet(table, title, compiled, layout, tuple(traces)))
    instructions = book.create_sheet(INSTRUCTIONS_SHEET, len(sheets))
    write_instructions(instructions, pack, sheets=sheets, import_date=options.import_date)
    add_rig(book, [sheet.title for sheet in sheets])  # very hidden codes sheets
    write_trace(book.create_sheet(TRACE_SHEET), sheets)  # last: for maintainers, not users
    book.active = 0
    return _save(book, Path(target), options.timestamp)


def _absolute(cell: str) -> str:
    match = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert match is not None
    return f"${match.group(1)}${match.group(2)}"


def _write_lists(sheet: Any, pack: RulePack) -> dict[str, str]:
    """One column per enumerated column; returns column -> absolute range of its members."""
    ranges: dict[str, str] = {}
    index = sheet.max_column if sheet.max_row > 1 or sheet["A1"].value is not None else 0
    for col in pack.columns:
        if not col.enum or any(isinstance(m, bool) for m in col.enum):
            continue
        index += 1
        letter = column_letter(index)
        sheet.cell(row=1, column=index, value=col.name)
        for offset, member in enumerate(col.enum, start=2):
            cell = sheet.cell(row=offset, column=index, value=member)
            if isinstance(member, str):
                cell.number_format = TEXT_FORMAT
        last = 1 + len(col.enum)
        ranges[col.name] = f"{sheet_ref(LISTS_SHEET)}${letter}$2:${letter}${last}"
        sheet.column_dimensions[letter].width = max(12, len(col.name) + 2)
    return ranges


def _write_data(
    sheet: Any,
    pack: RulePack,
    rows: Sequence[Sequence[Any]],
    last: int,
    letters: Mapping[str, str],
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    header_font = Font(bold=True, color=HEADER_FONT)
    header_fill = PatternFill(fill_type="solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    for index, col in enumerate(pack.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=col.name)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        width = col.width if col.width else max(12, len(col.name) + 2)
        sheet.column_dimensions[letters[col.name]].width = width
    text_columns = [i for i, col in enumerate(pack.columns, start=1) if is_text_column(col)]
    for index in text_columns:  # rows typed below the table keep text too
        sheet.column_dimensions[column_letter(index)].number_format = TEXT_FORMAT
    for number in range(FIRST_ROW, last + 1):
        for index in text_columns:
            sheet.cell(row=number, column=index).number_format = TEXT_FORMAT
    width = len(pack.columns)
    for offset, values in enumerate(rows):
        if len(values) > width:
            raise TemplateError(
                f"row {offset + 1} has {len(values)} values; the template has {width} columns"
            )
        for index, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=FIRST_ROW + offset, column=index, value=value)
    sheet.freeze_panes = f"A{FIRST_ROW}"
    lines = max(
        (math.ceil(len(col.name) / max(1.0, (col.width or 12) - 2)) for col in pack.columns),
        default=1,
    )
    sheet.row_dimensions[1].height = 15 * min(lines, 4) + 6
    # Printed (and rendered to PDF): landscape, all columns on one page wide, header repeated.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def table_name(pack: RulePack) -> str:
    words = re.findall(r"[A-Za-z0-9]+", pack.name) or ["Data"]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name[0].isalpha() else f"T{name}"


def _add_table(sheet: Any, pack: RulePack, last: int) -> None:
    from openpyxl.worksheet.table import Table, TableStyleInfo

    ref = f"A1:{column_letter(len(pack.columns))}{last}"
    table = Table(displayName=table_name(pack), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(table)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _add_validations(sheet: Any, pack: RulePack, layout: Layout, last: int) -> None:
    """Input messages on headers and data cells; dropdowns and number/length limits."""
    from openpyxl.worksheet.datavalidation import DataValidation

    for col in pack.columns:
        letter = layout.sheet_columns[col.name]
        title, prompt = _prompt_title(col), _clip(col.description, 255)
        header = DataValidation(showInputMessage=True, promptTitle=title, prompt=prompt)
        header.add(f"{letter}1")
        sheet.add_data_validation(header)
        rule = pack.rules.get(col.rule or "")
        severity: Severity = rule.severity if rule is not None else "error"
        kind = _validation_kind(col, layout)
        validation = DataValidation(
            **kind,
            allow_blank=True,
            showInputMessage=True,
            promptTitle=title,
            prompt=prompt,
            showErrorMessage="type" in kind,
            errorStyle=ERROR_STYLES[severity] if "type" in kind else None,
            errorTitle=_clip(rule.title, 32) if rule is not None and "type" in kind else None,
            error=_clip(f"{rule.title}. {rule.fix}", 255)
            if rule is not None and "type" in kind
            else None,
        )
        validation.add(f"{letter}{FIRST_ROW}:{letter}{last}")
        sheet.add_data_validation(validation)


def _prompt_title(col: Column) -> str:
    """The input message's title: the column name, and for a date column the pack's date
    format ("Start Date (d/m/yyyy)") when both fit Excel's 32 characters."""
    dates = col.date_format if col.function is not None and col.function.kind == "value" else None
    if dates is not None and len(col.name) + len(dates.pattern) + 3 <= 32:
        return f"{col.name} ({dates.pattern})"
    return _clip(col.name, 32)


def _validation_kind(col: Column, layout: Layout) -> dict[str, Any]:
    if col.name in layout.lists:
        return {"type": "list", "formula1": layout.lists[col.name]}
    schema = col.schema
    if col.json_type in ("number", "integer") and ("minimum" in schema or "maximum" in schema):
        kind = "whole" if col.json_type == "integer" else "decimal"
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return {
                "type": kind,
                "operator": "between",
                "formula1": str(low),
                "formula2": str(high),
            }
        if low is not None:
            return {"type": kind, "operator": "greaterThanOrEqual", "formula1": str(low)}
        return {"type": kind, "operator": "lessThanOrEqual", "formula1": str(high)}
    if col.json_type == "string" and ("minLength" in schema or "maxLength" in schema):
        low, high = schema.get("minLength", 0), schema.get("maxLength", 32767)
        return {
            "type": "textLength",
            "operator": "between",
            "formula1": str(low),
            "formula2": str(high),
        }
    return {}


@dataclass(frozen=True)
class Trace:
    """One conditional format, for the trace sheet's table."""

    rule: str
    severity: Severity
    column: str
    range: str
    formula: str


def _add_formats(sheet: Any, compiled: CompiledPack, layout: Layout, last: int) -> list[Trace]:
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.styles.differential import DifferentialStyle

    traces = []
    for rule in compiled.rules:  # errors first: the first matching fill wins in Excel
        letter = layout.sheet_columns[rule.column]
        cells = f"{letter}{FIRST_ROW}:{letter}{last}"
        formula = compiled.formula(rule, layout, FIRST_ROW)
        if len(formula) >= EXCEL_FORMULA_LIMIT:
            raise TemplateError(
                f"{compiled.pack.name}: the formula for rule '{rule.rule}' on '{rule.column}' is "
                f"{len(formula)} characters, over Excel's limit of {EXCEL_FORMULA_LIMIT}"
            )
        colour, font_colour = highlight(rule.severity)
        style = DifferentialStyle(
            fill=PatternFill(
                fill_type="solid", start_color=colour, end_color=colour, bgColor=colour
            ),
            font=Font(color=font_colour),
        )
        sheet.conditional_formatting.add(
            cells, Rule(type="expression", dxf=style, formula=[formula])
        )
        traces.append(Trace(rule.rule, rule.severity, rule.column, cells, formula))
    return traces


def verdict_header(rule: str, column: str) -> str:
    return f"{rule}|{column}"


def _add_verdicts(sheet: Any, compiled: CompiledPack, layout: Layout, filled: int) -> None:
    start = len(layout.sheet_columns) + VERDICT_GAP
    for offset, rule in enumerate(compiled.rules):
        index = start + offset
        sheet.cell(row=1, column=index, value=verdict_header(rule.rule, rule.column))
        for number in range(FIRST_ROW, FIRST_ROW + filled):
            sheet.cell(row=number, column=index, value="=" + compiled.formula(rule, layout, number))


def _save(book: Any, target: Path, timestamp: dt.datetime | None = None) -> Path:
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise TemplateError(f"{target}: the folder {folder} does not exist")
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        raise TemplateError(f"{target}: a template must be written as .xlsx")
    try:
        with replacing(target) as temp:
            book.save(temp)
            add_validate_button(Path(temp))  # openpyxl cannot draw shapes
            if timestamp is not None:  # last: the times of every part, the button's too
                from .reproducible import pin_timestamps

                pin_timestamps(temp, timestamp)
    except OSError as err:
        raise TemplateError(
            f"{target}: cannot write the template ({err.strerror or err})"
        ) from None
    except UsageError as err:  # replacing() words a failed write as one line already
        raise TemplateError(str(err)) from None
    return target
