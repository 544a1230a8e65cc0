"""The cell functions SHEETCHECK.DATE, SHEETCHECK.ROW and SHEETCHECK.ISSUES, called directly.

Inputs are what Excel hands a custom function: text, numbers (a real date cell arrives as its
serial number in xlwings Lite), datetimes (classic desktop UDFs), 2-D lists for ranges.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sheetcheck.excel import udfs, udfs_desktop
from sheetcheck.packs import load_pack

HEADER = [column.name for column in load_pack("enrollment-history").columns]
MARCH_1 = dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("1/3/2025", MARCH_1),
        ("01/03/2025", MARCH_1),
        (" 1/03/2025 ", MARCH_1),
        (45717, MARCH_1),  # a real date cell, as xlwings Lite passes it
        (45717.0, MARCH_1),
        (dt.datetime(2025, 3, 1), MARCH_1),  # a real date cell on desktop
        ("", ""),
        (None, ""),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("29/02/2025", "invalid: is not a real date (no such day in that month)"),
        ("31/02/2025", "invalid: is not a real date (no such day in that month)"),
        (
            "2025-03-01",
            "invalid: is written year-month-day; the target reads d/m/yyyy; did you mean 1/3/2025?",
        ),
        (
            dt.datetime(2025, 3, 1, 10, 30),
            "invalid: has a time of day, which the target does not accept; did you mean 1/3/2025?",
        ),
        ("3/1/25", "invalid: has a two-digit year; write all four digits; did you mean 3/1/2025?"),
        (True, "invalid: is TRUE/FALSE, not a date"),
        (45717.5, "invalid: is a number, not a date"),
    ],
)
def test_date(value: Any, expect: Any) -> None:
    """=SHEETCHECK.DATE(cell): the date, or why it is not one (the engine's own reasons)."""
    assert udfs.check_date(value) == expect
    assert udfs_desktop.sheetcheck_date(value) == expect


def enrollment(**changes: Any) -> list[Any]:
    row: dict[str, Any] = dict(
        zip(
            HEADER,
            ["ana@example.org", "Fire Safety", "Passed", 80, 45658, 45660, 45670],
            strict=True,
        )
    )
    row.update({k.replace("_", " "): v for k, v in changes.items()})
    return [row[h] for h in HEADER]


@pytest.mark.parametrize(
    ("row", "expect"),
    [
        (enrollment(), []),
        (enrollment(**{"Enrollment Status": "Done"}), [("Enrollment Status", "unknown-status")]),
        (enrollment(**{"Enrollment Score": 101}), [("Enrollment Score", "invalid-score")]),
        (enrollment(**{"Course Name": ""}), [("Course Name", "required")]),
        (
            enrollment(**{"Enrollment Created Date": "31/02/2025"}),
            [("Enrollment Created Date", "invalid-date")],
        ),
        (
            enrollment(**{"Enrollment Status": "In Progress", "Enrollment Score": ""}),
            [("Enrollment Completed Date", "completion-date-not-allowed")],
        ),
    ],
)
def test_row(row: list[Any], expect: list[tuple[str, str]]) -> None:
    """=SHEETCHECK.ROW(A2:G2, A$1:G$1): the engine's issues for that row (date serials in
    date columns are dates); the text is empty when clean, one part per issue otherwise."""
    report = udfs.check_cells([HEADER, row])
    assert [(issue.column, issue.rule) for issue in report.issues] == expect
    text = udfs.row_issues([row], [HEADER])
    assert text == udfs_desktop.sheetcheck_row([row], [HEADER])
    parts = text.split(" | ") if text else []
    assert [
        (part.startswith(column), f": {rule}. " in part)
        for part, (column, rule) in zip(parts, expect, strict=True)
    ] == [(True, True)] * len(expect)


def test_row_text_names_value_rule_and_fix() -> None:
    """The text shows the value as written and the fix, not the message's cell reference."""
    text = udfs.row_issues(enrollment(**{"Enrollment Status": "Done"}), HEADER)
    assert text == (
        'Enrollment Status "Done": unknown-status. '
        "Choose one of the five statuses from the dropdown."
    )


def test_row_without_a_template_header_says_so() -> None:
    """A header no template matches gives one readable line, not #VALUE!."""
    text = udfs.row_issues(["x"], ["Budget"])
    assert text == "SheetCheck: no sheet has a header row that matches a known template"


def test_issues_table_spills_every_issue() -> None:
    """=SHEETCHECK.ISSUES(A1:G4): a header then one row per issue, addresses from A1."""
    data = [
        HEADER,
        enrollment(),
        enrollment(Login_ID="bob example", **{"Enrollment Score": 101}),
        [None] * 7,
    ]
    table = udfs.issues_table(data)
    assert table == udfs_desktop.sheetcheck_issues(data)
    assert table[0] == udfs.ISSUE_COLUMNS
    assert [tuple(row[:6]) for row in table[1:]] == [
        ("error", "invalid-login-id", "A3", 3, "Login ID", "bob example"),
        ("error", "invalid-score", "D3", 3, "Enrollment Score", 101),
    ]
    assert all(row[6] for row in table[1:])


@pytest.mark.parametrize(
    ("data", "expect"),
    [
        ([HEADER, enrollment()], [udfs.ISSUE_COLUMNS]),
        ([["Budget"], [1]], None),
        (None, None),
    ],
)
def test_issues_table_edges(data: Any, expect: Any) -> None:
    """A clean range gives just the header; no template header gives one message cell."""
    table = udfs.issues_table(data)
    if expect is None:
        assert len(table) == 1 and len(table[0]) == 1
        assert table[0][0].startswith("SheetCheck: ")
    else:
        assert table == expect


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        (1, dt.date(1899, 12, 31)),
        (45717, MARCH_1),
        (2_958_465, dt.date(9999, 12, 31)),
        (0, None),
        (2_958_466, None),
        (1.5, None),
        (True, None),
        ("45717", None),
    ],
)
def test_serial_date(value: Any, expect: dt.date | None) -> None:
    """Only whole numbers in Excel's date range are read as date serials."""
    assert udfs.serial_date(value) == expect


def _as_excel_hands_it(value: Any) -> Any:
    """A cell value as Excel hands it to a custom function: dates as serial numbers."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (value - dt.date(1899, 12, 30)).days
    return value


SAMPLES = sorted((Path(__file__).parents[1] / "workbook_templates" / "samples").glob("*.xlsx"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_issues_over_a_range_agree_with_the_check_of_that_range(path: Path, tmp_path: Path) -> None:
    """=SHEETCHECK.ISSUES(A1:...) over a sample's data sheet lists exactly what
    ``sheetcheck check`` finds in a workbook holding only that range (the function sees one
    range: no related sheet, see the README)."""
    from openpyxl import load_workbook

    from conftest import write_book
    from sheetcheck import check

    sheet = load_workbook(path, data_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    alone = write_book(tmp_path / "range.xlsx", {sheet.title: rows})
    reference = check(alone).files[0].issues  # both compare dates with today
    data = [[_as_excel_hands_it(v) for v in row] for row in rows]
    table = udfs.issues_table(data)
    assert table[0] == udfs.ISSUE_COLUMNS
    assert sorted(tuple(row[:4]) for row in table[1:]) == sorted(
        (i.severity, i.rule, i.cell or "", i.row) for i in reference
    )
