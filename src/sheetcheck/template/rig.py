"""The Validate rig written into every generated template and sample.

For each data sheet (the pack's table and each related table kept on a sheet): a very hidden
sheet ``SheetCheck codes N``, the workbook name ``SheetCheck_codes_N`` pointing at the data
sheet's A1, and three conditional formats over the whole data sheet that light the cells the
codes sheet lists (:mod:`sheetcheck.issues_layout`). The Validate button then only writes
values into the codes sheet and its Issues sheet, which is all xlwings Lite's Office.js client
can do (see :mod:`sheetcheck.excel.painter`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..issues_layout import (
    CODES_NAME,
    CODES_SHEET,
    HIGHLIGHT_ORDER,
    codes_rule_formula,
    highlight,
    quote_sheet,
)

WHOLE_SHEET = "A1:XFD1048576"


def add_rig(book: Any, data_sheets: Sequence[str]) -> None:
    """Add the rig of every sheet in ``data_sheets`` (titles, in order) to an openpyxl book."""
    from openpyxl.formatting.rule import Rule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.styles.differential import DifferentialStyle
    from openpyxl.workbook.defined_name import DefinedName

    for number, title in enumerate(data_sheets, start=1):
        codes_title = f"{CODES_SHEET} {number}"
        codes = book.create_sheet(codes_title)
        codes.sheet_state = "veryHidden"
        name = f"{CODES_NAME}{number}"
        book.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheet(title)}!$A$1")
        sheet = book[title]
        for severity in HIGHLIGHT_ORDER:  # errors first: the first matching rule wins
            fill, font = highlight(severity)
            style = DifferentialStyle(
                fill=PatternFill(fill_type="solid", start_color=fill, end_color=fill, bgColor=fill),
                font=Font(color=font),
            )
            rule = Rule(
                type="expression",
                dxf=style,
                formula=[codes_rule_formula(codes_title, severity)],
                stopIfTrue=True,
            )
            sheet.conditional_formatting.add(WHOLE_SHEET, rule)
