"""A saved workbook as Excel would send it to xlwings Lite, and as the model holds it.

:func:`from_xlsx` reads an .xlsx with openpyxl (cached values) and builds the payload the
Office.js client sends: every sheet, hidden ones included, with its used range, values (real
date cells as ISO text, as the client sends them; empty cells as ""), the book's names that
refer to a cell. The :class:`~excel_payloads.model.ExcelModel` built beside it also holds
what the payload does not carry and Validate relies on: the conditional formats of the
generated template's Validate rig.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from . import book_payload, iso, sheet_payload
from .model import ExcelModel, Rule, _cell


def _sent(value: Any) -> Any:
    """One cell value as the Office.js client sends it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return iso(value.date())
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, dt.date):
        return iso(value)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return value


def from_xlsx(path: str | Path, *, active: int | None = None) -> tuple[dict[str, Any], ExcelModel]:
    """(payload, model) of a saved workbook."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    sheets = []
    for sheet in book.worksheets:
        values = [[_sent(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        while values and all(v == "" for v in values[-1]):
            values.pop()
        sheets.append(sheet_payload(sheet.title, values, visible=sheet.sheet_state == "visible"))
    names = []
    for label, defined in book.defined_names.items():
        destinations = list(defined.destinations)
        if len(destinations) != 1:
            continue
        title, ref = destinations[0]
        if not re.fullmatch(r"\$?[A-Z]{1,3}\$?[0-9]+", ref) or title not in book.sheetnames:
            continue  # only names of one cell are modelled
        names.append(
            {
                "name": label,
                "sheet_index": book.sheetnames.index(title),
                "address": ref.replace("$", ""),
                "book_scope": True,
                "scope_sheet_name": None,
                "scope_sheet_index": None,
            }
        )
    current = book.active.title if book.active is not None else book.sheetnames[0]
    index = book.sheetnames.index(current) if active is None else active
    payload = book_payload(sheets, active=index, names=names, book_name=Path(path).name)
    model = ExcelModel(payload)
    formulas = load_workbook(path)  # the rules' formulas, not values
    for sheet in formulas.worksheets:
        for cf in sheet.conditional_formatting:
            for rule in cf.rules:
                formula = rule.formula[0] if rule.formula else ""
                if not formula.startswith("IFERROR(AND(VLOOKUP(ROW()*16384"):
                    continue  # the template's own typing-time rules: not Validate's
                fill = rule.dxf.fill.bgColor.rgb[-6:] if rule.dxf and rule.dxf.fill else None
                for bounds in cf.sqref.ranges:
                    top, left = _cell(bounds.coord.split(":")[0])
                    bottom, right = _cell(bounds.coord.split(":")[-1])
                    model.sheet(sheet.title).rules.append(
                        Rule(
                            top,
                            left,
                            bottom - top + 1,
                            right - left + 1,
                            formula,
                            fill,
                            None,
                            bool(rule.stopIfTrue),
                        )
                    )
    return payload, model


def with_rig(payload: dict[str, Any], sheets: list[str]) -> tuple[dict[str, Any], ExcelModel]:
    """The workbook of ``payload`` with the Validate rig ``sheetcheck template`` writes for
    each of ``sheets`` (a very hidden codes sheet, its name, the three rules), as the payload
    Excel sends for it and the model that holds the rules."""
    from sheetcheck.issues_layout import (
        CODES_NAME,
        CODES_SHEET,
        HIGHLIGHT_ORDER,
        codes_rule_formula,
        highlight,
    )

    from .model import Sheet

    model = ExcelModel(payload)
    for number, title in enumerate(sheets, start=1):
        codes = f"{CODES_SHEET} {number}"
        model.sheets.append(Sheet(codes, visible=False))
        model.names[f"{CODES_NAME}{number}"] = "='" + title.replace("'", "''") + "'!$A$1"
        for severity in HIGHLIGHT_ORDER:
            model.sheet(title).rules.append(
                Rule(
                    1,
                    1,
                    1_048_576,
                    16_384,
                    codes_rule_formula(codes, severity),
                    highlight(severity)[0],
                    highlight(severity)[1],
                    True,
                )
            )
    return model.payload(), model
