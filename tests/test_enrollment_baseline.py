"""enrollment-history against what the platform already has: --baseline and the Licenses sheet.

``existing-enrollment`` compares rows with the platform's export (a related *input*);
``licenses-exceeded`` counts enrollments per course against the optional Licenses sheet (a
related *sheet*, checked with its own rules). Assertions are on (sheet, row, column, rule).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from conftest import validate_report, write_book
from enrollment import HEADER, IMPORT_DATE, row, table
from sheetcheck.cli import main
from sheetcheck.engine import Context, check_table
from sheetcheck.model import Issue, Table
from sheetcheck.packs import load_pack

PACK = "enrollment-history"
LICENSES = ["Course Name", "Licenses Available"]
NEW_RULES = ("existing-enrollment", "licenses-exceeded", "invalid-license-count")


def licenses(rows: Sequence[Sequence[Any]], header: Sequence[str] = LICENSES) -> Table:
    return Table(
        sheet="Licenses",
        header_row=1,
        header=list(header),
        first_col=1,
        row_numbers=list(range(2, 2 + len(rows))),
        columns=[list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header],
    )


def issues(
    rows: Sequence[list[Any]],
    baseline: Sequence[list[Any]] | None = None,
    seats: Sequence[Sequence[Any]] | None = None,
) -> list[Issue]:
    related: dict[str, Table] = {}
    if baseline is not None:
        related["baseline"] = table(baseline)
    if seats is not None:
        related["licenses"] = licenses(seats)
    context = Context(import_date=IMPORT_DATE, related=related)
    return check_table(load_pack(PACK), table(rows), context)


def found(rows: Sequence[list[Any]], rule: str, **kw: Any) -> set[tuple[str, int, str | None]]:
    return {(i.sheet, i.row, i.column) for i in issues(rows, **kw) if i.rule == rule}


# --------------------------------------------------------------------------- --baseline


@pytest.mark.parametrize(
    ("mine", "theirs", "rows"),
    [
        (row(), row(), {2}),
        (row(), row(completed="03/01/2025"), {2}),  # zero padding: the same day
        (row(), row(completed=dt.datetime(2025, 1, 3)), {2}),  # a real date cell
        (row(login="ANN@School.org ", status="completed"), row(), {2}),  # case and spaces
        (row(status="In Progress", completed=None), row(status="In Progress", completed=None), {2}),
        (row(), row(completed="4/1/2025"), set()),
        (row(), row(status="Passed", score=80), set()),
        (row(), row(course="Fire Safety 2"), set()),
        (row(), row(login="bob@school.org"), set()),
    ],
)
def test_existing_enrollment(mine: list[Any], theirs: list[Any], rows: set[int]) -> None:
    """Same learner, course, status and dates as an enrollment the platform already has."""
    got = found([mine], "existing-enrollment", baseline=[row(login="x@y.org"), theirs])
    assert got == {("Enrollments", r, "Login ID") for r in rows}


def test_existing_enrollment_names_the_baseline_row() -> None:
    """The message points at the matching row of the --baseline export."""
    (issue,) = [
        i
        for i in issues([row()], baseline=[row(login="x@y.org"), row()])
        if i.rule == "existing-enrollment"
    ]
    assert issue.severity == "warning" and "row 3 of the --baseline file" in issue.message


def test_without_baseline_nothing_is_compared() -> None:
    """No --baseline: the check is silent (the option is not required)."""
    assert found([row(), row(login="b@c.org")], "existing-enrollment") == set()


# --------------------------------------------------------------------------- Licenses


@pytest.mark.parametrize(
    ("courses", "seats", "expected"),
    [
        (["Fire Safety"] * 2, [["Fire Safety", 2]], set()),
        (["Fire Safety"] * 3, [["Fire Safety", 2]], {("Enrollments", 4, "Course Name")}),
        (["Fire Safety"] * 5, [["Fire Safety", 2]], {("Enrollments", 4, "Course Name")}),
        (
            ["Fire Safety", "fire  safety ", "FIRE SAFETY"],
            [["Fire Safety", 2]],
            {("Enrollments", 4, "Course Name")},
        ),
        (["Fire Safety"], [["Fire Safety", 0]], {("Enrollments", 2, "Course Name")}),
        (["Fire Safety"] * 3, [["GDPR", 1]], set()),  # not listed: not limited
        (["Fire Safety"] * 3, [["Fire Safety", "lots"]], set()),  # unusable: not limited
        (["Fire Safety"] * 3, [["Fire Safety", None]], set()),
        (
            ["Fire Safety"] * 3,
            [["Fire Safety", 2], ["Fire Safety", 5]],
            {("Enrollments", 4, "Course Name")},
        ),
        (["Fire Safety"] * 3, [["Fire Safety", "3"]], set()),  # a number as text counts
    ],
)
def test_licenses_exceeded(
    courses: list[str], seats: list[list[Any]], expected: set[tuple[Any, ...]]
) -> None:
    """More enrollments for a course than licenses: once per course, on the first row over."""
    rows = [row(login=f"l{k}@school.org", course=c) for k, c in enumerate(courses)]
    assert found(rows, "licenses-exceeded", seats=seats) == expected


def test_licenses_message_names_the_course_and_both_numbers() -> None:
    """'Course "Fire Safety" has 3 enrollments but only 2 licenses available (B2 ...)'."""
    rows = [row(login=f"l{k}@school.org") for k in range(3)]
    (issue,) = [
        i for i in issues(rows, seats=[["Fire Safety", 2]]) if i.rule == "licenses-exceeded"
    ]
    assert issue.severity == "error" and issue.cell == "B4"
    assert 'Course "Fire Safety" has 3 enrollments but only 2 licenses available' in issue.message
    assert "(B2 on the Licenses sheet)" in issue.message


@pytest.mark.parametrize(
    ("seats", "expected"),
    [
        ([["Fire Safety", 2]], set()),
        (
            [["Fire Safety", "two"]],
            {("Licenses", 2, "Licenses Available", "invalid-license-count")},
        ),
        ([["Fire Safety", -1]], {("Licenses", 2, "Licenses Available", "invalid-license-count")}),
        ([["Fire Safety", 2.5]], {("Licenses", 2, "Licenses Available", "invalid-license-count")}),
        ([["Fire Safety", None]], {("Licenses", 2, "Licenses Available", "required")}),
        (
            [["Fire Safety", 2], ["fire safety", 3]],
            {("Licenses", 3, "Course Name", "duplicate-license-course")},
        ),
    ],
)
def test_licenses_sheet_is_checked_on_its_own_cells(
    seats: list[list[Any]], expected: set[tuple[Any, ...]]
) -> None:
    """Problems on the Licenses sheet are reported there, with their own rules."""
    got = {(i.sheet, i.row, i.column, i.rule) for i in issues([row()], seats=seats)}
    assert got == expected


def test_licenses_sheet_is_optional() -> None:
    """No Licenses sheet, no --baseline: a clean file stays clean (no missing-sheet)."""
    assert issues([row()]) == []


def test_existing_rule_ids_are_kept() -> None:
    """The pack only gained rules: every id other tools already parse is still there."""
    rules = set(load_pack(PACK).rules)
    old = {
        "missing-column", "required", "invalid-login-id", "unknown-status", "invalid-date",
        "date-order", "completion-date-required", "completion-date-not-allowed",
        "score-status-mismatch", "score-missing", "invalid-score", "duplicate-open-enrollment",
        "duplicate-enrollment", "status-date-conflict", "future-date", "archived-enrollment",
    }  # fmt: skip
    assert old | set(NEW_RULES) | {"duplicate-license-course", "extra-spaces", "no-rows"} == rules


# --------------------------------------------------------------------------- command line


def test_cli_baseline_and_licenses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """End to end: --baseline file and a Licenses sheet; JSON valid against the report schema."""
    enrollments = [row(), row(login="bob@school.org"), row(login="cy@school.org")]
    book = write_book(
        tmp_path / "enrollments.xlsx",
        {"Enrollments": [HEADER, *enrollments], "Licenses": [LICENSES, ["Fire Safety", 2]]},
    )
    existing = write_book(tmp_path / "existing.xlsx", {"Export": [HEADER, row()]})
    code = main(
        [
            "check",
            str(book),
            "--baseline",
            str(existing),
            "-f",
            "json",
            "--import-date",
            "2026-06-01",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    validate_report(data)
    assert code == 1
    assert {
        (i["sheet"], i["cell"], i["rule"], i["severity"]) for i in data["files"][0]["issues"]
    } == {
        ("Enrollments", "A2", "existing-enrollment", "warning"),
        ("Enrollments", "B4", "licenses-exceeded", "error"),
    }


CERT_HEADER = ["Student ID", "Program", "Component", "Status", "Date", "Grade"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([CERT_HEADER, ["S1", "P", "C", "Registered", "1/1/2025", None]], "--baseline is not used"),
        ([HEADER, row()], "nope.xlsx: no such file"),
    ],
)
def test_cli_baseline_misuse_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[Any]], message: str
) -> None:
    """--baseline with a pack that has none, or naming a missing file: one line, exit 2."""
    book = write_book(tmp_path / "e.xlsx", {"Sheet1": rows})
    code = main(["check", str(book), "--baseline", str(tmp_path / "nope.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
