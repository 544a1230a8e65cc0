"""Every input format through the whole check: same data, same verdicts, right row numbers.

One source workbook (title rows, header at B3, a formula, an error value, a merged cell, a
real date cell) is saved by LibreOffice as xlsx, xls and ods -- LibreOffice computes the
formulas, as Excel would on save -- and written as CSV in the dialects users send.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from conftest import soffice_convert
from enrollment import HEADER
from sheetcheck.checker import CheckOptions, check_file

OPTIONS = CheckOptions(template="enrollment-history", import_date=dt.date(2026, 6, 1))


def source_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Enrollments"
    sheet["A1"] = "Enrollment history export"
    for col, name in enumerate(HEADER, start=2):
        sheet.cell(row=3, column=col, value=name)
    rows = [
        ["ann@school.org", "Fire Safety", "Completed", None, "1/1/2025", "2/1/2025", "3/1/2025"],
        [
            "bob@school.org",
            '="Fire "&"Safety"',
            "In Progress",
            None,
            dt.datetime(2025, 1, 1),
            "=NA()",
            None,
        ],
        ["cy@school.org", "Merged course", "Passed", 80, "1/1/2025", "2/1/2025", "31/02/2025"],
        ["cy@school.org", None, "Passed", 80, "1/1/2025", "2/1/2025", "3/1/2025"],
    ]
    for r, values in enumerate(rows, start=4):
        for c, value in enumerate(values, start=2):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    sheet.merge_cells("C6:C7")
    book.save(path)
    return path


EXPECTED = {
    (5, "Enrollment Started Date", "cell-error"),
    (6, "Enrollment Completed Date", "invalid-date"),
    (7, "Course Name", "required"),
}


def verdicts(path: Path) -> set[tuple[int, str | None, str]]:
    report = check_file(path, OPTIONS)
    assert (report.sheet, report.header_row, report.rows) == ("Enrollments", 3, 4)
    return {(i.row, i.column, i.rule) for i in report.issues}


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    source = source_workbook(folder / "source.xlsx")
    out: dict[str, Path] = {}
    for fmt in ("xlsx", "xls", "ods"):
        (done,) = soffice_convert([source], fmt, folder / fmt)
        out[fmt] = done
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_saved_by_a_spreadsheet_application(converted: dict[str, Path], fmt: str) -> None:
    """Formulas read as their cached values, #N/A as an error value, rows as in the sheet."""
    assert verdicts(converted[fmt]) == EXPECTED


def test_formula_without_cached_value_is_reported(tmp_path: Path) -> None:
    """openpyxl saves formulas without results: reported, never guessed."""
    got = verdicts(source_workbook(tmp_path / "raw.xlsx"))
    assert (5, "Course Name", "formula-not-calculated") in got
    assert (5, "Enrollment Started Date", "formula-not-calculated") in got


def test_xlsm_is_read_like_xlsx(converted: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "macro.xlsm"
    target.write_bytes(converted["xlsx"].read_bytes())
    assert verdicts(target) == EXPECTED


def test_misnamed_file_is_read_by_its_content(converted: dict[str, Path], tmp_path: Path) -> None:
    """An .xls that is really an xlsx is read as xlsx."""
    target = tmp_path / "really-xlsx.xls"
    target.write_bytes(converted["xlsx"].read_bytes())
    assert verdicts(target) == EXPECTED


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-8"), (";", "utf-8")],
)
def test_csv_dialects(tmp_path: Path, delimiter: str, encoding: str) -> None:
    """CSV with , ; or tab, with or without a BOM; values are text."""
    lines = [
        "Enrollment history export",
        "",
        delimiter.join(["", *HEADER]),
        delimiter.join(
            [
                "",
                "ann@school.org",
                "Fire Safety",
                "Completed",
                "",
                "1/1/2025",
                "2/1/2025",
                "3/1/2025",
            ]
        ),
        delimiter.join(
            ["", "bób@school.org", "Fire Safety", "In Progress", "", "1/1/2025", "#N/A", ""]
        ),
        delimiter.join(
            [
                "",
                "cy@school.org",
                "Merged course",
                "Passed",
                "80",
                "1/1/2025",
                "2/1/2025",
                "31/02/2025",
            ]
        ),
        delimiter.join(
            ["", "cy@school.org", "", "Passed", "80", "1/1/2025", "2/1/2025", "3/1/2025"]
        ),
    ]
    path = tmp_path / "Enrollments.csv"
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    got = verdicts(path)
    assert (6, "Enrollment Completed Date", "invalid-date") in got
    assert (7, "Course Name", "required") in got
    assert (5, "Login ID", "invalid-login-id") in got  # ó is not a valid e-mail character here


def test_1904_date_system(tmp_path: Path) -> None:
    """Real date cells in a workbook using the 1904 date system are the dates Excel shows."""
    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        [
            "ann@school.org",
            "Fire",
            "Completed",
            None,
            dt.datetime(2025, 1, 1),
            dt.datetime(2025, 1, 2),
            dt.datetime(2025, 1, 1),
        ]
    )
    path = tmp_path / "mac.xlsx"
    book.save(path)
    report = check_file(path, OPTIONS)
    assert {(i.cell, i.rule) for i in report.issues} == {("G2", "date-order")}
    (issue,) = report.issues
    assert "1/1/2025" in issue.message and "2/1/2025" in issue.message
