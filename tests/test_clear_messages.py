"""Messages that say the truth to a data administrator (issue 13, points 5, 6, 7 and 9).

Each line of a report says which file, which sheet and which row it is about; inputs are
counted as inputs; headers written the British way are understood, and a near miss is named.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from conftest import validate_report, write_book, write_xlsx
from enrollment import HEADER, row
from sheetcheck.cli import main
from sheetcheck.model import FileReport, Issue, Report
from sheetcheck.nearmiss import likely_header
from sheetcheck.report.text import write_text

ROSTER = ["Student ID", "Given Name", "Family Name", "Year/Grade", "Class", "Teacher"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def issue(sheet: str, cell: str | None, what: str, column: str | None = "X") -> Issue:
    return Issue("dup", "warning", sheet, 14, column, cell, None, what, "why", "fix")


# --------------------------------------------------------------------------- point 5

BRITISH = [
    "Login ID",
    "Course Name",
    "Enrolment Status",
    "Enrolment Score",
    "Enrolment Created Date",
    "Enrolment Started Date",
    "Enrolment Completed Date",
]


def test_british_spellings_are_the_template_s_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'Enrolment Status'... is enrollment-history, detected without --template."""
    book = write_xlsx(tmp_path / "british.xlsx", [BRITISH, row()])
    code, out, _ = run(capsys, "check", str(book), "-f", "json", "--import-date", "2026-06-01")
    data = json.loads(out)
    validate_report(data)
    (file,) = data["files"]
    assert code == 0 and file["template"] == "enrollment-history" and file["issues"] == []


def test_a_near_miss_header_is_named_in_text_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = [*BRITISH[:5], "Enrolment Startd Date", BRITISH[6]]
    book = write_xlsx(tmp_path / "typo.xlsx", [header, row()])
    argv = ["check", str(book), "--import-date", "2026-06-01"]
    code, out, _ = run(capsys, *argv, "-f", "json")
    data = json.loads(out)
    validate_report(data)
    (missing,) = [i for i in data["files"][0]["issues"] if i["rule"] == "missing-column"]
    assert code == 1 and missing["likely_header"] == {"cell": "F1", "text": "Enrolment Startd Date"}
    assert 'F1 "Enrolment Startd Date" looks like it' in missing["message"]
    _, text, _ = run(capsys, *argv)
    flat = " ".join(text.split())
    assert 'no "Enrollment Started Date" column; F1 "Enrolment Startd Date" looks like it' in flat


@pytest.mark.parametrize(
    ("names", "headers", "expected"),
    [
        (["Enrollment Started Date"], [(5, "Enrolment Startd Date")], (5, "Enrolment Startd Date")),
        (["Enrollment Started Date", "start date"], [(1, "Strat Date")], (1, "Strat Date")),
        (["Course Name"], [(0, "Notes"), (3, "Course Nmae")], (3, "Course Nmae")),
        (["Course Name"], [(0, "Notes"), (1, "")], None),  # nothing close: no guess
        (["Login ID"], [(2, "Licenses Available")], None),
    ],
)
def test_likely_header(
    names: list[str], headers: list[tuple[int, str]], expected: tuple[int, str] | None
) -> None:
    assert likely_header(names, headers) == expected


# --------------------------------------------------------------------------- point 6


@pytest.mark.parametrize(
    ("found", "line"),
    [
        (issue("Enrollments", "A14", "on the data sheet"), "  A14     on the data sheet"),
        (issue("Licenses", "A14", "a Licenses cell"), "  Licenses!A14 a Licenses cell"),
        (issue("My Seats", "B3", "a spaced name"), "  'My Seats'!B3 a spaced name"),
        (issue("Licenses", None, "a Licenses row"), "  Licenses row 14 a Licenses row"),
        (issue("Enrollments", None, "whole sheet", column=None), "  sheet   whole sheet"),
    ],
)
def test_the_sheet_is_named_wherever_it_is_not_the_data_sheet(found: Issue, line: str) -> None:
    report = Report([FileReport("f.xlsx", "t", "Enrollments", 1, 20, [found])])
    out = io.StringIO()
    write_text(report, out)
    assert line in out.getvalue().splitlines()


# --------------------------------------------------------------------------- point 7


@pytest.fixture
def teachers(tmp_path: Path) -> list[Path]:
    first = write_xlsx(
        tmp_path / "teacher1.xlsx",
        [ROSTER, ["1", "Ann", "Lee", "7", "7A", "Jo"], ["2", "Bo", "Kim", "7", "7A", "Jo"]],
        "Class",
    )
    second = write_xlsx(tmp_path / "teacher2.xlsx", [ROSTER, ["3", "Cy", "Ng", "7", "7B", "Al"]])
    return [first, second]


def test_merge_report_names_files_and_rows_and_counts_inputs(
    teachers: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = write_book(
        tmp_path / "current.xlsx",
        {
            "Export": [
                ROSTER[:5],
                ["1", "Ann", "Lee", "7", "7A"],
                ["9", "Old", "Student", "7", "7C"],
            ]
        },
    )
    merged = tmp_path / "merged.xlsx"
    argv = [*map(str, teachers), "-t", "student-roster", "--baseline", str(baseline)]
    code, out, _ = run(capsys, "check", *argv, "--merge", str(merged))
    assert code == 1 and not merged.exists()
    lines = out.splitlines()
    assert "The 2 files as one upload: " + ", ".join(map(str, teachers)) in lines
    assert any("to be merged into" in line and str(merged) in line for line in lines)
    assert not any("header on row 1, 3 data rows" in line for line in lines)  # not written
    (deleted,) = [line for line in lines if line.startswith("  upload  ")]
    assert "Old Student (Student ID 9, class 7C; row 3 of current.xlsx)" in deleted
    assert lines[-1] == "2 files: 2 ready, 0 with problems to fix; as one upload: NOT READY"
    assert "3 files" not in out


def test_existing_enrollment_names_the_baseline_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = write_xlsx(tmp_path / "history.xlsx", [HEADER, row()])
    platform = write_xlsx(tmp_path / "platform-export.xlsx", [HEADER, row(login="x@y.org"), row()])
    argv = ["check", str(book), "--baseline", str(platform), "--import-date", "2026-06-01"]
    code, out, _ = run(capsys, *argv)
    assert "row 3 of platform-export.xlsx has the same learner" in " ".join(out.split())
    assert "--baseline export" not in out and code == 0
