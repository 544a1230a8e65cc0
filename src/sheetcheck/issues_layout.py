"""The Issues sheet's layout and the highlight description, shared by every output.

One place says which columns the Issues sheet has, how wide they are, how tall a row must be
for its message to be readable, and how an issue is shown on its cell (which fill and font for
which severity, and which code a painted cell carries). The annotated copy
(:mod:`sheetcheck.annotate.issues_sheet`), the Excel Validate button
(:mod:`sheetcheck.excel.painter`), the cell function ``SHEETCHECK.ISSUES``
(:mod:`sheetcheck.excel.udfs`) and the generated template's Validate rig
(:mod:`sheetcheck.template.rig`) all read it.

Row heights (issue 13, point 10): LibreOffice does not grow a row for wrapped text written by
another program unless told, so a long message overlapped the next row in a 15-point row. The
annotated copy therefore sets every issue row's height from the number of lines its message
wraps to in the Message column (:func:`row_height`). The Excel Issues sheet cannot set row
heights through the actions Office.js runs, so it writes each message on one line and autofits
the columns instead (see the README, "The Validate button").
"""

from __future__ import annotations

import math

from .model import SEVERITY_ORDER, Issue, Severity
from .style import FILLS, FONTS

# ----------------------------------------------------------------------------- the Issues sheet

COLUMNS: tuple[str, ...] = (
    "Severity",
    "Rule",
    "Sheet",
    "Cell",
    "Row",
    "Column",
    "Value",
    "Message",
)
WIDTHS: tuple[float, ...] = (10, 28, 18, 8, 7, 24, 28, 110)  # characters, per column
COUNT_COLUMNS: tuple[str, ...] = ("Severity", "Rule", "Count")
# The Excel Issues sheet travels in the button's response: it says why and how to fix once
# per rule, beside the rule's count, and each issue's Message column says what is wrong (plus
# a fix of its own when it has one). The annotated copy writes the whole message per issue.
EXCEL_COUNT_COLUMNS: tuple[str, ...] = (*COUNT_COLUMNS, "Why it matters and how to fix")
# The cell functions see a range, not a sheet: the same columns less Sheet.
RANGE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c != "Sheet")
MESSAGE_COLUMN = COLUMNS.index("Message")
LINE_POINTS = 15.0  # one line of 11-point Calibri / Liberation Sans, with spacing
CHARS_PER_WIDTH = 0.9  # wide letters: a column of width w holds about 0.9 w characters
TITLE_MARK = "SheetCheck"  # the Issues sheet's A1 starts with it (how Validate finds its own)


def wrapped_lines(text: str, width: float = WIDTHS[MESSAGE_COLUMN]) -> int:
    """How many lines ``text`` takes when wrapped in a column ``width`` characters wide."""
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += max(1, math.ceil(len(paragraph) / per_line))
    return lines


def row_height(text: str, width: float = WIDTHS[MESSAGE_COLUMN]) -> float:
    """The height (points) of an issue row whose message is ``text``: every line visible."""
    return LINE_POINTS * wrapped_lines(text, width)


def severity_blocks(severities: list[Severity]) -> dict[Severity, tuple[int, int]]:
    """For a list sorted by severity: each severity's (first, last) index, 0-based."""
    blocks: dict[Severity, tuple[int, int]] = {}
    for index, severity in enumerate(severities):
        first, _ = blocks.get(severity, (index, index))
        blocks[severity] = (first, index)
    return blocks


# ----------------------------------------------------------------------------- highlights

HIGHLIGHT_ORDER: tuple[Severity, ...] = ("error", "warning", "info")  # first match wins
CODE_LETTERS: dict[Severity, str] = {"error": "E", "warning": "W", "info": "I"}
CODES_SHEET = "SheetCheck codes"  # + " N": the hidden sheet of one painted sheet's codes
CODES_NAME = "SheetCheck_codes_"  # + "N": workbook name -> the painted sheet's $A$1
KEY_ROW = 16_384  # a cell's key in the codes list: row * KEY_ROW + column (one number)


def highlight(severity: Severity) -> tuple[str, str]:
    """(fill, font colour) of a cell with an issue of this severity, RRGGBB."""
    return FILLS[severity], FONTS[severity]


def cell_key(row: int, col: int) -> int:
    return row * KEY_ROW + col


def worst(issues: list[Issue]) -> Severity:
    return min((issue.severity for issue in issues), key=SEVERITY_ORDER.__getitem__)


def cell_code(severity: Severity) -> str:
    """What the codes sheet holds for a painted cell: the letter of its worst severity."""
    return CODE_LETTERS[severity]


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def codes_rule_formula(codes_sheet: str, severity: Severity) -> str:
    """The conditional format (English, without '=') that lights a cell whose key is in the
    codes sheet's sorted column A with a code of this severity in column B.

    Approximate VLOOKUP on the sorted keys is a binary search, so the rule stays cheap at a
    million rows; the equality test rejects the neighbouring key it falls back to.
    """
    key = f"ROW()*{KEY_ROW}+COLUMN()"
    keys = f"{quote_sheet(codes_sheet)}!$A:$B"
    return (
        f"IFERROR(AND(VLOOKUP({key},{keys},1,TRUE)={key},"
        f'LEFT(VLOOKUP({key},{keys},2,TRUE),1)="{CODE_LETTERS[severity]}"),FALSE)'
    )


def severity_name(number: int, severity: Severity) -> str:
    """The workbook name holding :func:`codes_rule_formula` for desktop Excel, whose
    conditional formats are then just ``=SheetCheck_E_1``: no function name, no separator,
    so the same text is valid in every language of Excel."""
    return f"SheetCheck_{CODE_LETTERS[severity]}_{number}"
