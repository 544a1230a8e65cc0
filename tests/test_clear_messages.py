"""Messages that say the truth to a data administrator (issue 13, points 5, 6, 7 and 9).

Each line of a report says which file, which sheet and which row it is about; inputs are
counted as inputs; headers written the British way are understood, and a near miss is named.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import validate_report, write_book, write_xlsx
from enrollment import HEADER, issues, row
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


def test_a_licences_sheet_is_the_licenses_sheet(tmp_path: Path) -> None:
    """A British 'Licences' sheet is read and checked like 'Licenses' (it was silently ignored)."""
    from sheetcheck import check

    book = write_book(
        tmp_path / "british.xlsx",
        {
            "Enrollments": [BRITISH, row(), row(login="bob@school.org")],
            "Licences": [["Course Name", "Licences Available"], ["Fire Safety", 1]],
        },
    )
    (report,) = check(book, import_date=dt.date(2026, 6, 1)).files
    assert {(i.sheet, i.rule) for i in report.issues} == {("Enrollments", "licenses-exceeded")}


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


# --------------------------------------------------------------------------- point 9


def _rules_on(rows: list[list[Any]]) -> set[tuple[str | None, str]]:
    return {(i.cell, i.rule) for i in issues(rows)}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # A repeated open enrollment: the error only, not also the duplicate-row warning.
        (
            [row(status="In Progress", completed=None, score=None)] * 2,
            {("A3", "duplicate-open-enrollment")},
        ),
        # A repeated finished enrollment is only a duplicate row.
        ([row()] * 2, {("A3", "duplicate-enrollment")}),
        # Same learner and course, open twice with other dates: the error alone, as before.
        (
            [
                row(status="In Progress", completed=None, score=None),
                row(status="Not Started", started=None, completed=None, score=None),
            ],
            {("A3", "duplicate-open-enrollment")},
        ),
    ],
)
def test_one_problem_one_rule(rows: list[list[Any]], expected: set[tuple[str, str]]) -> None:
    assert _rules_on(rows) == expected


@pytest.mark.parametrize(
    ("status", "says", "never"),
    [
        ("In Progress", "the import rejects the row", "whole file"),
        ("Not Started", "the import rejects the row", "whole file"),
        ("Completed", "a score on a Completed row makes the import reject the whole file", None),
    ],
)
def test_score_status_mismatch_says_what_happens_to_this_row(
    status: str, says: str, never: str | None
) -> None:
    started = None if status == "Not Started" else "5/2/2025"
    completed = "1/3/2025" if status == "Completed" else None
    rows = [row(status=status, started=started, completed=completed, score=70)]
    (found,) = [i for i in issues(rows) if i.rule == "score-status-mismatch"]
    assert says in found.why
    assert never is None or never not in found.why


def test_login_id_case_is_said_the_same_everywhere() -> None:
    """The duplicate checks ignore case, so no message may say IDs are matched exactly."""
    from sheetcheck.packs import bundled_pack_names, load_pack

    assert _rules_on([row(login="Ann@School.org"), row(login="ann@school.org")]) == {
        ("A3", "duplicate-enrollment")
    }
    for name in bundled_pack_names():
        pack = load_pack(name)
        for rule_id in ("invalid-login-id", "invalid-student-id"):
            if rule_id in pack.rules:
                rule = pack.rules[rule_id]
                assert "matched exactly" not in rule.why
                assert "ignoring upper and lower case" in rule.why
