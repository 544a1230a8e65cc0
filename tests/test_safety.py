"""Output safety: CSV cells never start a formula; workbook text fits a cell."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from sheetcheck.model import FileReport, Issue, Report
from sheetcheck.report import write_csv
from sheetcheck.safety import EXCEL_CELL_LIMIT, FORMULA_TRIGGERS, cell_text, neutralize

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x", "\n=x", "=cmd|'/c calc'!A1"]
)


@given(value=_text | st.integers() | st.none(), what=_text, column=_text, sheet=_text, file=_text)
def test_no_csv_report_cell_starts_a_formula(
    value: object, what: str, column: str, sheet: str, file: str
) -> None:
    """Whatever the workbook held, the CSV report is safe to open in a spreadsheet (a plain
    negative number is a number, not a formula)."""
    issue = Issue("invalid-date", "error", sheet, 2, column, "E2", value, what, "why", "fix")
    out = io.StringIO()
    write_csv(
        Report([FileReport(file=file, template="t", sheet=sheet, rows=1, issues=[issue])]), out
    )
    for row in csv.reader(io.StringIO(out.getvalue(), newline="")):
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS) or _number(cell), cell


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


@given(_text)
def test_neutralize_keeps_the_text(text: str) -> None:
    safe = neutralize(text)
    assert not safe.startswith(FORMULA_TRIGGERS)
    assert safe in (text, "'" + text)


def test_cell_text_fits_excel_and_drops_control_characters() -> None:
    assert cell_text("a\x00b\x07c\td\ne") == "abc\td\ne"
    long = cell_text("x" * 40_000)
    assert len(long) == EXCEL_CELL_LIMIT and long.endswith("[truncated]")
