"""The certification-registrations pack and the general ``reference`` rule kind it uses.

Registrations are checked against the Programs sheet of the same workbook: each case is a
small pair of tables; assertions are on (sheet, row, column, rule) tuples.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from conftest import validate_report, write_book
from sheetcheck.cli import main
from sheetcheck.engine import Context, check_table
from sheetcheck.errors import PackError
from sheetcheck.model import Issue, Table
from sheetcheck.packs import compile_pack, load_pack

PACK = "certification-registrations"
IMPORT_DATE = dt.date(2026, 6, 1)
REG = ["Student ID", "Program", "Component", "Status", "Date", "Grade"]
PROG = ["Program", "Component", "Required"]
PROGRAMS = [
    ["First Aid", "CPR", "Yes"],
    ["First Aid", "Bandaging", "No"],
    ["Food Hygiene", "Level 2", "Yes"],
]
GOOD = ["S1", "First Aid", "CPR", "Passed", "1/3/2025", 80]


def table(sheet: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    return Table(
        sheet=sheet,
        header_row=1,
        header=list(header),
        first_col=1,
        row_numbers=list(range(2, 2 + len(rows))),
        columns=[list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header],
    )


def issues(
    rows: Sequence[Sequence[Any]], programs: Sequence[Sequence[Any]] | None = PROGRAMS
) -> list[Issue]:
    related = {} if programs is None else {"programs": table("Programs", PROG, programs)}
    context = Context(import_date=IMPORT_DATE, related=related)
    return check_table(load_pack(PACK), table("Registrations", REG, rows), context)


def found(
    rows: Sequence[Sequence[Any]],
    rule: str | None = None,
    programs: Sequence[Sequence[Any]] | None = PROGRAMS,
) -> set[tuple[str, int, str | None, str]]:
    """{(sheet, row, column, rule)}, optionally of one rule only."""
    return {
        (i.sheet, i.row, i.column, i.rule)
        for i in issues(rows, programs)
        if rule is None or i.rule == rule
    }


def reg(**changes: Any) -> list[Any]:
    """The good registration with some fields changed (keys: id, program, component...)."""
    names = dict(zip(("id", "program", "component", "status", "date", "grade"), GOOD, strict=True))
    names.update(changes)
    return list(names.values())


def test_a_valid_registration_has_no_issues() -> None:
    """The base row against the base programs: every other case changes one thing."""
    assert found([reg(), reg(id="S2", component="Bandaging", status="Registered", grade=None)]) == (
        set()
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([reg(program="First Aide")], {("Registrations", 2, "Program", "unknown-program")}),
        ([reg(program="Fire Safety")], {("Registrations", 2, "Program", "unknown-program")}),
        ([reg(program="first aid")], set()),
        ([reg(program="  First   Aid ")], set()),
        ([reg(program=None)], set()),  # empty: the required rule's business
    ],
)
def test_unknown_program(rows: list[list[Any]], expected: set[tuple[Any, ...]]) -> None:
    """A program the Programs sheet does not list; case and spaces do not count."""
    assert found(rows, "unknown-program") == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([reg(component="Defib")], {("Registrations", 2, "Component", "component-not-in-program")}),
        (
            [reg(program="Food Hygiene", component="CPR")],
            {("Registrations", 2, "Component", "component-not-in-program")},
        ),
        ([reg(component="cpr ")], set()),
        ([reg(program="Fire Safety", component="Defib")], set()),  # unknown program instead
        ([reg(component=None)], set()),
    ],
)
def test_component_not_in_program(rows: list[list[Any]], expected: set[tuple[Any, ...]]) -> None:
    """A component of another program, or of none; never on a row whose program is unknown."""
    assert found(rows, "component-not-in-program") == expected


def test_component_message_names_student_component_program_and_the_fix() -> None:
    """The warning names the student, component and program and suggests adding it for now."""
    (issue,) = [i for i in issues([reg(component="Bandage")]) if i.severity == "warning"]
    assert issue.rule == "component-not-in-program" and issue.cell == "C2"
    for part in ("S1", '"Bandage"', '"First Aid"', "temporarily", 'did you mean "Bandaging"'):
        assert part in issue.message


def test_unknown_program_suggests_the_closest() -> None:
    """A near miss is offered as the likely program."""
    (issue,) = issues([reg(program="Frist Aid")])
    assert issue.rule == "unknown-program" and 'did you mean "First Aid"' in issue.message


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([reg(), reg()], {("Registrations", 3, "Student ID", "duplicate-registration")}),
        (
            [reg(), reg(id="s1", program="FIRST AID", component="cpr", status="Failed", grade=3)],
            {("Registrations", 3, "Student ID", "duplicate-registration")},
        ),
        (
            [reg(), reg(), reg()],
            {
                ("Registrations", 3, "Student ID", "duplicate-registration"),
                ("Registrations", 4, "Student ID", "duplicate-registration"),
            },
        ),
        ([reg(), reg(component="Bandaging")], set()),
        ([reg(), reg(id="S2")], set()),
    ],
)
def test_duplicate_registration(rows: list[list[Any]], expected: set[tuple[Any, ...]]) -> None:
    """Same student, program and component (case aside): every row after the first."""
    assert found(rows, "duplicate-registration") == expected


@pytest.mark.parametrize(
    ("changes", "rule", "column", "bad"),
    [
        ({"status": "Registered", "grade": 50}, "grade-not-allowed", "Grade", True),
        ({"status": "Withdrawn", "grade": 0}, "grade-not-allowed", "Grade", True),
        ({"status": "Completed", "grade": None}, "grade-not-allowed", "Grade", False),
        ({"status": "Passed", "grade": None}, "grade-missing", "Grade", True),
        ({"status": "Failed", "grade": 0}, "grade-missing", "Grade", False),
        ({"grade": 0}, "invalid-grade", "Grade", False),
        ({"grade": 100}, "invalid-grade", "Grade", False),
        ({"grade": "72.5"}, "invalid-grade", "Grade", False),
        ({"grade": 100.5}, "invalid-grade", "Grade", True),
        ({"grade": -1}, "invalid-grade", "Grade", True),
        ({"grade": "B"}, "invalid-grade", "Grade", True),
        ({"status": "passed"}, "unknown-status", "Status", False),
        ({"status": "Enrolled"}, "unknown-status", "Status", True),
        ({"date": "31/2/2025"}, "invalid-date", "Date", True),
        ({"date": "2025-03-01"}, "invalid-date", "Date", True),
        ({"date": dt.datetime(2025, 3, 1)}, "invalid-date", "Date", False),
        ({"date": "1/6/2026"}, "future-date", "Date", False),
        ({"date": "2/6/2026"}, "future-date", "Date", True),
        ({"id": "S 1"}, "invalid-student-id", "Student ID", True),
        ({"id": 1001}, "invalid-student-id", "Student ID", False),
        ({"date": None}, "required", "Date", True),
        ({"status": None, "grade": None}, "required", "Status", True),
    ],
)
def test_registration_values(changes: dict[str, Any], rule: str, column: str, bad: bool) -> None:
    """Status, date and grade rules at their edges (grade 0 and 100, the import date itself)."""
    assert found([reg(**changes)], rule) == ({("Registrations", 2, column, rule)} if bad else set())


@pytest.mark.parametrize(
    ("programs", "expected"),
    [
        ([["First Aid", "CPR", "yes"]], set()),
        ([["First Aid", "CPR", "Maybe"]], {("Programs", 2, "Required", "invalid-required")}),
        ([["First Aid", "CPR", None]], {("Programs", 2, "Required", "required")}),
        (
            [["First Aid", "CPR", "Yes"], ["first aid", "cpr", "No"]],
            {("Programs", 3, "Program", "duplicate-program-component")},
        ),
        ([["First Aid", None, "Yes"]], {("Programs", 2, "Component", "required")}),
    ],
)
def test_programs_sheet_problems_are_reported_on_that_sheet(
    programs: list[list[Any]], expected: set[tuple[Any, ...]]
) -> None:
    """The related sheet is checked with its own columns and rules, on its own cells."""
    got = {i for i in found([reg()], programs=programs) if i[0] == "Programs"}
    assert got == expected


def test_missing_programs_sheet_is_one_error() -> None:
    """Without the Programs sheet: one missing-sheet issue, no reference findings."""
    assert found([reg(), reg(program="Nope")], programs=None) == {
        ("Registrations", 1, None, "missing-sheet")
    }


# --------------------------------------------------------------------------- the rule kind


def _pack(check_args: dict[str, Any], related_columns: Sequence[str] = ("Code",)) -> Any:
    """A minimal pack with one reference check against a related sheet."""
    ext = {"description": "x", "type": "string", "x-sheetcheck": {}}
    return compile_pack(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "T",
            "type": "object",
            "properties": {"Code": ext, "Name": ext},
            "x-sheetcheck": {
                "version": 1,
                "name": "t",
                "related": {
                    "codes": {
                        "source": "sheet",
                        "sheet": "Codes",
                        "title": "Codes",
                        "properties": dict.fromkeys(related_columns, ext),
                    }
                },
                "checks": [{"rule": "ref", "function": "reference", "args": check_args}],
                "rules": {
                    rid: {"severity": "error", "title": "t", "message": "m", "why": "w", "fix": "f"}
                    for rid in ("missing-column", "ref")
                },
            },
        },
        "test-pack",
    )


@pytest.mark.parametrize(
    ("args", "pointer"),
    [
        ({"related": "codes", "match": {"Nope": "Code"}}, "/x-sheetcheck/checks/0/args/match"),
        ({"related": "codes", "match": {}}, "/x-sheetcheck/checks/0/args/match"),
        (
            {"related": "codes", "match": {"Code": "Code"}, "expect": "same"},
            "/x-sheetcheck/checks/0/args",
        ),
        (
            {"related": "codes", "match": {"Code": "Code"}, "expect": "maybe"},
            "/x-sheetcheck/checks/0/args/expect",
        ),
    ],
)
def test_reference_arguments_are_checked_when_the_pack_loads(
    args: dict[str, Any], pointer: str
) -> None:
    """Unknown main columns, an empty match, 'same' without 'compare': load errors with a pointer."""
    with pytest.raises(PackError) as err:
        _pack(args)
    assert err.value.pointer.startswith(pointer)


def test_reference_to_an_undefined_related_column_is_a_pack_error() -> None:
    """A related column the related table does not define is reported against the pack."""
    pack = _pack({"related": "codes", "match": {"Code": "Other"}})
    main = table("Main", ["Code", "Name"], [["A", "x"]])
    context = Context(related={"codes": table("Codes", ["Code"], [["A"]])})
    with pytest.raises(PackError, match="'Other' is not a column of the related table"):
        check_table(pack, main, context)


@pytest.mark.parametrize(
    ("expect", "main_codes", "related_codes", "rows"),
    [
        ("present", ["A", "B", None], ["A"], {3}),
        ("absent", ["A", "B", None], ["A"], {2}),
        ("present", [1, "1"], [1.0], set()),
        ("absent", ["a"], ["A"], set()),  # case counts without ignore_case
    ],
)
def test_reference_expectations(
    expect: str, main_codes: list[Any], related_codes: list[Any], rows: set[int]
) -> None:
    """'present' reports keys not found, 'absent' keys found; empty keys are never reported."""
    pack = _pack({"related": "codes", "match": {"Code": "Code"}, "expect": expect})
    main = table("Main", ["Code", "Name"], [[c, "x"] for c in main_codes])
    context = Context(related={"codes": table("Codes", ["Code"], [[c] for c in related_codes])})
    assert {i.row for i in check_table(pack, main, context) if i.rule == "ref"} == rows


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize("programs_first", [True, False])
def test_cli_checks_both_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], programs_first: bool
) -> None:
    """End to end: JSON valid against the report schema, issues on both sheets, exit 1."""
    sheets = {
        "Programs": [PROG, *PROGRAMS, ["First Aid", "CPR", "Perhaps"]],
        "Registrations": [REG, reg(), reg(program="Frist Aid"), reg(component="Defib"), reg()],
    }
    if not programs_first:
        sheets = dict(reversed(sheets.items()))
    path = write_book(tmp_path / "certs.xlsx", sheets)
    code = main(["check", str(path), "-f", "json", "--import-date", "2026-06-01"])
    data = json.loads(capsys.readouterr().out)
    validate_report(data)
    (report,) = data["files"]
    assert code == 1 and report["template"] == PACK and report["sheet"] == "Registrations"
    assert {(i["sheet"], i["cell"], i["rule"]) for i in report["issues"]} == {
        ("Programs", "C5", "invalid-required"),
        ("Programs", "A5", "duplicate-program-component"),
        ("Registrations", "B3", "unknown-program"),
        ("Registrations", "C4", "component-not-in-program"),
        ("Registrations", "A5", "duplicate-registration"),
    }


def test_cli_without_programs_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A workbook with only Registrations: missing-sheet, exit 1, still a report."""
    path = write_book(tmp_path / "certs.xlsx", {"Registrations": [REG, reg()]})
    code = main(["check", str(path), "--template", PACK, "-f", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [i["rule"] for i in data["files"][0]["issues"]] == ["missing-sheet"]


def test_bundled_sample_has_exactly_the_planted_problems(tmp_path: Path) -> None:
    """The sample workbook (template + realistic rows) shows each planted rule on its row."""
    from sheetcheck import check
    from sheetcheck.template import build_sample
    from sheetcheck.template.sample import DEMO_IMPORT_DATE, sample_data

    target = tmp_path / "sample.xlsx"
    build_sample(PACK, target)
    data = sample_data(load_pack(PACK))
    (report,) = check(target, template=PACK, import_date=DEMO_IMPORT_DATE).files
    found_rules: dict[tuple[str, int], set[str]] = {}
    for issue in report.issues:
        found_rules.setdefault((issue.sheet, issue.row - 2), set()).add(issue.rule)
    expected = {("Registrations", k): set(v) for k, v in data.planted.items()}
    expected.update({("Programs", k): set(v) for k, v in data.related_planted["programs"].items()})
    assert found_rules == expected
    planted = {rule for rules in expected.values() for rule in rules}
    assert planted == set(load_pack(PACK).rules) - {"missing-column", "missing-sheet", "no-rows"}
