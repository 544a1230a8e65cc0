"""The built-in fixers, case by case: what must be fixed, and the near misses that must not.

Each fixer proposes a value only when it is certain; the engine then checks the proposal
against the column's own rules and puts it on the issue (``fix_value``), and the message's
"did you mean" shows that same value.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from conftest import validate_report
from sheetcheck.engine import FIX_BLOCKED, check_table
from sheetcheck.functions import Context, FixRequest, get_fixer
from sheetcheck.functions.basic import dmy_date
from sheetcheck.functions.fixers import (
    fix_allowed_value,
    fix_date,
    fix_number_text,
    fix_spaces,
)
from sheetcheck.model import Report, Table
from sheetcheck.packs import load_pack
from sheetcheck.report import write_report

IMPORT_DATE = dt.date(2025, 6, 30)
STATUSES = ("Not Started", "In Progress", "Completed", "Passed", "Failed")


def date_fix(value: Any) -> Any:
    """What the dmy-date fixer makes of a cell, through the dmy-date check's own finding."""
    result = dmy_date(value, {})
    if not result.findings:
        return "valid"
    return fix_date(FixRequest(value, result.findings[0].params))


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("1/3/2025 10:30", "1/3/2025"),
        ("01/03/2025 10:30:15", "1/3/2025"),
        ("1/3/2025 9:05 PM", "1/3/2025"),
        (dt.datetime(2025, 3, 1, 10, 30), "1/3/2025"),
        ("2025-03-01", "1/3/2025"),
        ("2025-03-01T10:30:00", "1/3/2025"),
        ("1.3.2025", "1/3/2025"),
        ("01-03-2025", "1/3/2025"),
        ("25.12.2024", "25/12/2024"),
        # near misses: impossible, month-first, guessed, or already fine
        ("31/02/2025", None),
        ("2025-02-31", None),
        ("31.02.2025", None),
        ("3/25/2025", None),
        ("3/25/2025 10:30", None),
        ("03-25-2025", None),
        ("12/5/25", None),
        (45000, None),
        ("1 March 2025", None),
        ("1/3/1969 10:30", None),
        ("soon", None),
        ("1/3/2025", "valid"),
        (dt.datetime(2025, 3, 1), "valid"),
    ],
)
def test_date_fixer(value: Any, expect: Any) -> None:
    assert date_fix(value) == expect


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("Complete", "Completed"),
        ("completed", "Completed"),
        ("in-progress", "In Progress"),
        ("IN_PROGRESS", "In Progress"),
        ("In progres", "In Progress"),
        ("inprogress", "In Progress"),
        ("Not  Started", "Not Started"),
        ("Faild", "Failed"),
        ("Psased", "Passed"),
        # near misses: two letters off, unrelated, too short, not text
        ("Pass", None),
        ("Done", None),
        ("Started", None),
        ("Fa", None),
        ("", None),
        (5, None),
    ],
)
def test_allowed_value_fixer(value: Any, expect: Any) -> None:
    assert fix_allowed_value(FixRequest(value, {}, STATUSES)) == expect


def test_allowed_value_fixer_needs_exactly_one_candidate() -> None:
    """One letter away from two allowed values is not certain."""
    assert fix_allowed_value(FixRequest("Pased", {}, ("Passed", "Parsed"))) is None
    assert fix_allowed_value(FixRequest("Pased", {}, ("Passed", "Failed"))) == "Passed"
    assert fix_allowed_value(FixRequest("in progress", {}, ())) is None


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        (" Fire Safety", "Fire Safety"),
        ("Fire Safety  ", "Fire Safety"),
        ("Fire  Safety 101", "Fire Safety 101"),
        ("Fire\u00a0Safety", "Fire Safety"),
        ("\u00a0Fire Safety\u00a0", "Fire Safety"),
        # near misses
        ("Fire Safety", None),
        ("   ", None),
        ("Fire\tSafety", None),
        (101, None),
    ],
)
def test_spaces_fixer(value: Any, expect: Any) -> None:
    assert fix_spaces(FixRequest(value)) == expect


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("85%", 85),
        ("85 %", 85),
        ("12.5%", 12.5),
        ("85,0", 85),
        ("85,5", 85.5),
        ("7,25", 7.25),
        ("85,5%", 85.5),
        # near misses: a thousands separator, letters, or not text at all
        ("1,234", None),
        ("1,234%", None),
        ("85%%", None),
        ("%85", None),
        ("B+", None),
        ("85", None),
        (85, None),
    ],
)
def test_number_text_fixer(value: Any, expect: Any) -> None:
    assert fix_number_text(FixRequest(value)) == expect


def test_fixers_are_registered_like_check_functions() -> None:
    """The bundled packs name these fixers; the registry finds them by name."""
    for name in ("dmy-date", "allowed-value", "extra-spaces", "number-text"):
        fixer = get_fixer(name)
        assert fixer is not None and fixer.name == name
    assert get_fixer("no-such-fixer") is None


# --------------------------------------------------------------------------- through the engine

HEADER = [c.name for c in load_pack("enrollment-history").columns]


def enrollment_table(rows: list[list[Any]]) -> Table:
    return Table(
        sheet="Enrollments",
        header_row=1,
        header=HEADER,
        first_col=1,
        row_numbers=list(range(2, len(rows) + 2)),
        columns=[[row[k] for row in rows] for k in range(len(HEADER))],
    )


def row(**changes: Any) -> list[Any]:
    values = {
        "login": "a@example.org",
        "course": "Fire Safety 101",
        "status": "In Progress",
        "score": None,
        "created": "1/3/2025",
        "started": "2/3/2025",
        "completed": None,
    }
    values.update(changes)
    return list(values.values())


def issues_of(rows: list[list[Any]]) -> tuple[list[Any], Context]:
    context = Context(import_date=IMPORT_DATE)
    return check_table(load_pack("enrollment-history"), enrollment_table(rows), context), context


def test_engine_puts_the_fix_on_the_issue_and_in_the_message() -> None:
    """fix_value on each fixable issue; its "did you mean" is exactly that value."""
    found, _ = issues_of(
        [
            row(login="a@example.org", status="Complete", completed="9/3/2025"),
            row(login="b@example.org", created="2025-03-01"),
            row(login="c@example.org", course=" Fire  Safety 101"),
            row(login="d@example.org", status="Passed", score="85%", completed="9/3/2025"),
        ]
    )
    fixes = {(i.cell, i.rule): i.fix_value for i in found}
    assert fixes == {
        ("C2", "unknown-status"): "Completed",
        ("E3", "invalid-date"): "1/3/2025",
        ("B4", "extra-spaces"): "Fire Safety 101",
        ("D5", "invalid-score"): 85,
    }
    said = {i.cell: i.fix for i in found}
    assert 'did you mean "Completed"?' in said["C2"]
    assert "did you mean 1/3/2025?" in said["E3"]
    assert 'did you mean "Fire Safety 101"?' in said["B4"]
    assert "did you mean 85?" in said["D5"]


@pytest.mark.parametrize(
    ("changes", "cell", "rule"),
    [
        ({"score": "185%", "status": "Passed", "completed": "9/3/2025"}, "D2", "invalid-score"),
        ({"status": "Done"}, "C2", "unknown-status"),
        ({"created": "31/02/2025"}, "E2", "invalid-date"),
        ({"login": "jane smith@example.org"}, "A2", "invalid-login-id"),
    ],
)
def test_no_fix_where_it_is_not_certain(changes: dict[str, Any], cell: str, rule: str) -> None:
    """A proposal the column would still reject (185 is over 100), an unknown status, an
    impossible date and a Login ID are never fixed."""
    found, _ = issues_of([row(**changes)])
    hit = [i for i in found if (i.cell, i.rule) == (cell, rule)]
    assert hit and all(i.fix_value is None for i in found)


def test_month_first_column_is_refused_as_a_whole() -> None:
    """One unambiguous 3/25/2025 in a column: none of that column's dates gets a fix, the
    column is named once; another column's fixes are unaffected."""
    found, context = issues_of(
        [
            row(login="a@example.org", created="3/25/2025"),
            row(login="b@example.org", created="2025-03-01"),
            row(login="c@example.org", created="1/3/2025 10:30", started="2025-03-02"),
        ]
    )
    created = [i for i in found if i.cell and i.cell.startswith("E")]
    assert len(created) == 3 and all(i.fix_value is None for i in created)
    assert [i.fix_value for i in found if i.cell == "F4"] == ["2/3/2025"]
    assert context.extra[FIX_BLOCKED] == [
        {
            "sheet": "Enrollments",
            "column": "Enrollment Created Date",
            "letter": "E",
            "reason": "looks month/day/year: every date in it may be swapped",
        }
    ]


def test_json_report_publishes_fix_value() -> None:
    """fix_value is in the JSON report only where there is a fix, and the schema names it."""
    import io

    from sheetcheck.model import FileReport
    from sheetcheck.packs import schemas_dir

    found, _ = issues_of([row(status="Complete", completed="9/3/2025", created="3/25/2025")])
    out = io.StringIO()
    report = Report([FileReport("x.xlsx", "enrollment-history", "Enrollments", 1, 1, found)])
    write_report(report, out, "json")
    data = json.loads(out.getvalue())
    validate_report(data)
    issues = {i["cell"]: i for i in data["files"][0]["issues"]}
    assert issues["C2"]["fix_value"] == "Completed"
    assert "fix_value" not in issues["E2"]
    schema = json.loads((schemas_dir() / "report.schema.json").read_text(encoding="utf-8"))
    assert "fix_value" in schema["$defs"]["issue"]["properties"]


def test_pack_naming_an_unknown_fixer_is_a_load_error() -> None:
    from sheetcheck.errors import PackError
    from sheetcheck.packs import compile_pack, resolve_pack_path

    data = json.loads(resolve_pack_path("enrollment-history").read_text(encoding="utf-8"))
    data["properties"]["Enrollment Status"]["x-sheetcheck"]["fix"] = "guess-anything"
    with pytest.raises(PackError, match="unknown fixer 'guess-anything'"):
        compile_pack(data, "broken")


def test_did_you_mean_comes_only_from_the_fix() -> None:
    """A status column with a fixer: "Pass" (two letters off) gets no guessed suggestion; the
    fixable "Complete" gets exactly its fix."""
    found, _ = issues_of(
        [
            row(login="a@example.org", status="Pass", score=80, completed="9/3/2025"),
            row(login="b@example.org", status="Complete", completed="9/3/2025"),
        ]
    )
    said = {i.cell: i.fix for i in found if i.rule == "unknown-status"}
    assert "did you mean" not in said["C2"]
    assert said["C3"].endswith('(did you mean "Completed"?).')
