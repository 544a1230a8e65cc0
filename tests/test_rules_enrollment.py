"""Every enrollment-history rule, failing and passing at its edges.

Each case is a small table; assertions are on (row, column, rule) tuples of one rule.
"""

from __future__ import annotations

import datetime as dt

import pytest

from enrollment import by_short, found, issues, row

L, C, S, SC, CR, ST, CO = (
    by_short(n) for n in ("login", "course", "status", "score", "created", "started", "completed")
)


def test_a_valid_row_has_no_issues() -> None:
    """The base row is clean: every other case changes one thing."""
    assert found([row()]) == set()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"login": None}, {(2, L, "required")}),
        ({"login": "   "}, {(2, L, "required")}),
        ({"course": ""}, {(2, C, "required")}),
        ({"status": None, "completed": None}, {(2, S, "required")}),
        ({"login": "x"}, set()),
    ],
)
def test_required(changes: dict, expected: set) -> None:
    """Empty or blank Login ID, Course Name and Enrollment Status."""
    assert found([row(**changes)], "required") == expected


@pytest.mark.parametrize(
    ("login", "bad"),
    [
        ("ann smith@school.org", True),
        ("ann@school", True),
        ("ann@@school.org", True),
        ("@school.org", True),
        ("ann@school.org.", True),
        ("ann@-school.org", True),
        ("ann..b@school.org", True),
        ("jo\tsmith", True),
        ("jsmith", False),
        ("j.smith@school.co.uk", False),
        ("  ann@school.org  ", False),
        ("o'brien+tag@school.org", False),
        (12345, False),
    ],
)
def test_invalid_login_id(login: object, bad: bool) -> None:
    """Inner whitespace, or an @ without a valid e-mail address."""
    assert found([row(login=login)], "invalid-login-id") == (
        {(2, L, "invalid-login-id")} if bad else set()
    )


@pytest.mark.parametrize(
    ("status", "bad"),
    [
        ("Completed", False),
        ("COMPLETED", False),
        ("  passed ", False),
        ("not   started", False),
        ("Complete", True),
        ("Done", True),
        ("Passed.", True),
        (1, True),
    ],
)
def test_unknown_status(status: object, bad: bool) -> None:
    """Five statuses, case and surrounding spaces ignored."""
    completed = "3/1/2025" if str(status).strip().lower() in ("completed", "passed") else None
    score = 80 if str(status).strip().lower() == "passed" else None
    got = found([row(status=status, completed=completed, score=score)], "unknown-status")
    assert got == ({(2, S, "unknown-status")} if bad else set())


def test_unknown_status_suggests_the_closest() -> None:
    """A near miss names the status that was probably meant."""
    (issue,) = [i for i in issues([row(status="Complete")]) if i.rule == "unknown-status"]
    assert '"Completed"' in issue.message


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ("29/02/2024", False),
        ("29/02/2025", True),
        ("31/02/2025", True),
        ("1/1/1970", False),
        ("31/12/1969", True),
        ("01/03/2025", False),
        ("1/03/2025", False),
        ("01/3/2025", False),
        ("1/3/2025", False),
        ("1/3/25", True),
        ("2025-03-01", True),
        ("1/3/2025 10:00", True),
        ("1/3/2025 00:00", True),
        ("1.3.2025", True),
        ("3/25/2025", True),
        ("first of march", True),
        (dt.datetime(2025, 3, 1), False),
        (dt.date(2025, 3, 1), False),
        (dt.datetime(2025, 3, 1, 10, 30), True),
        (dt.datetime(1969, 12, 31), True),
        (45717, True),
        (dt.time(10, 0), True),
    ],
)
def test_invalid_date(value: object, bad: bool) -> None:
    """d/m/yyyy text or a real date; no times, two-digit years, impossible days or pre-1970."""
    got = found([row(created=value, started=None, completed="1/1/2026")], "invalid-date")
    assert got == ({(2, CR, "invalid-date")} if bad else set())


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("2025-03-01", "1/3/2025"),
        ("3/25/2025", "25/3/2025"),
        ("1/3/25", "1/3/2025"),
        ("1/3/2025 10:00", "1/3/2025"),
        ("1.3.2025", "1/3/2025"),
        ("1 March 2025", "1/3/2025"),
        (45717, "1/3/2025"),
    ],
)
def test_invalid_date_suggests_the_intended_date(value: object, suggestion: str) -> None:
    """The message offers the likely intended date as d/m/yyyy."""
    (issue,) = [i for i in issues([row(created=value, started=None)]) if i.rule == "invalid-date"]
    assert f"did you mean {suggestion}?" in issue.message


@pytest.mark.parametrize(
    ("created", "started", "completed", "expected"),
    [
        ("1/1/2025", "1/1/2025", "1/1/2025", set()),
        ("2/1/2025", "1/1/2025", "3/1/2025", {(2, ST, "date-order")}),
        ("1/1/2025", "3/1/2025", "2/1/2025", {(2, CO, "date-order")}),
        ("3/1/2025", None, "2/1/2025", {(2, CO, "date-order")}),
        ("3/1/2025", "2/1/2025", "1/1/2025", {(2, ST, "date-order"), (2, CO, "date-order")}),
        ("31/02/2025", "1/1/2025", "2/1/2025", set()),
    ],
)
def test_date_order(created: str, started: str | None, completed: str, expected: set) -> None:
    """Created <= Started <= Completed, reported on the later column."""
    assert (
        found([row(created=created, started=started, completed=completed)], "date-order")
        == expected
    )


@pytest.mark.parametrize(
    ("status", "completed", "score", "expected"),
    [
        ("Completed", None, None, {(2, CO, "completion-date-required")}),
        ("Passed", None, 70, {(2, CO, "completion-date-required")}),
        ("failed", None, 10, {(2, CO, "completion-date-required")}),
        ("Completed", "3/1/2025", None, set()),
        ("In Progress", None, None, set()),
    ],
)
def test_completion_date_required(
    status: str, completed: str | None, score: int | None, expected: set
) -> None:
    """Completed, Passed and Failed need a completion date."""
    got = found([row(status=status, completed=completed, score=score)], "completion-date-required")
    assert got == expected


@pytest.mark.parametrize(
    ("status", "started", "expected"),
    [
        ("In Progress", "2/1/2025", {(2, CO, "completion-date-not-allowed")}),
        ("Not Started", None, {(2, CO, "completion-date-not-allowed")}),
        ("Completed", "2/1/2025", set()),
    ],
)
def test_completion_date_not_allowed(status: str, started: str | None, expected: set) -> None:
    """Not Started and In Progress must not have a completion date."""
    got = found([row(status=status, started=started)], "completion-date-not-allowed")
    assert got == expected


@pytest.mark.parametrize(
    ("status", "score", "completed", "expected"),
    [
        ("Completed", 80, "3/1/2025", {(2, SC, "score-status-mismatch")}),
        ("In Progress", 0, None, {(2, SC, "score-status-mismatch")}),
        ("Not Started", "50", None, {(2, SC, "score-status-mismatch")}),
        ("Passed", 80, "3/1/2025", set()),
        ("Failed", 0, "3/1/2025", set()),
        ("Completed", None, "3/1/2025", set()),
    ],
)
def test_score_status_mismatch(
    status: str, score: object, completed: str | None, expected: set
) -> None:
    """Only Passed and Failed may carry a score."""
    got = found(
        [row(status=status, score=score, completed=completed, started=None)],
        "score-status-mismatch",
    )
    assert got == expected


@pytest.mark.parametrize(
    ("status", "score", "expected"),
    [
        ("Passed", None, {(2, SC, "score-missing")}),
        ("Failed", None, {(2, SC, "score-missing")}),
        ("Passed", 0, set()),
        ("Completed", None, set()),
    ],
)
def test_score_missing(status: str, score: object, expected: set) -> None:
    """Passed or Failed without a score is a warning."""
    assert found([row(status=status, score=score)], "score-missing") == expected


@pytest.mark.parametrize(
    ("score", "bad"),
    [
        (0, False),
        (100, False),
        (99.5, False),
        ("85", False),
        (" 85 ", False),
        ("0.0", False),
        (-1, True),
        (100.01, True),
        (101, True),
        ("85%", True),
        ("abc", True),
        ("1,000", True),
        (True, True),
    ],
)
def test_invalid_score(score: object, bad: bool) -> None:
    """A number from 0 to 100 (numeric text accepted)."""
    assert found([row(status="Passed", score=score)], "invalid-score") == (
        {(2, SC, "invalid-score")} if bad else set()
    )


def test_duplicate_open_enrollment_flags_every_row_after_the_first() -> None:
    """Three open rows for one learner and course: the 2nd and 3rd are errors naming row 2."""
    rows = [
        row(status="In Progress", completed=None),
        row(status="Not Started", started=None, completed=None, login="ANN@school.org"),
        row(status="Completed"),
        row(status="In Progress", completed=None, created="5/1/2025"),
        row(status="In Progress", completed=None, course="Other course"),
    ]
    got = issues(rows)
    dupes = [i for i in got if i.rule == "duplicate-open-enrollment"]
    assert {(i.row, i.column, i.rule) for i in dupes} == {
        (3, L, "duplicate-open-enrollment"),
        (5, L, "duplicate-open-enrollment"),
    }
    assert all("row 2" in i.message for i in dupes)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (row(), {(3, L, "duplicate-enrollment")}),
        (row(login=" ANN@SCHOOL.ORG "), {(3, L, "duplicate-enrollment")}),
        (row(completed="4/1/2025"), set()),
        (row(course="Other"), set()),
    ],
)
def test_duplicate_enrollment(second: list, expected: set) -> None:
    """Identical learner, course, status and dates: a warning on the repeat."""
    assert found([row(), second], "duplicate-enrollment") == expected


@pytest.mark.parametrize(
    ("status", "started", "expected"),
    [
        ("Not Started", "2/1/2025", {(2, ST, "status-date-conflict")}),
        ("Not Started", None, set()),
        ("In Progress", "2/1/2025", set()),
    ],
)
def test_status_date_conflict(status: str, started: str | None, expected: set) -> None:
    """Not Started with a start date is a warning."""
    assert (
        found([row(status=status, started=started, completed=None)], "status-date-conflict")
        == expected
    )


@pytest.mark.parametrize(
    ("completed", "expected"),
    [
        ("1/6/2026", set()),
        ("2/6/2026", {(2, CO, "future-date")}),
        ("1/1/2030", {(2, CO, "future-date")}),
    ],
)
def test_future_date(completed: str, expected: set) -> None:
    """Any date after the import date (1 June 2026 here) is a warning."""
    assert found([row(completed=completed)], "future-date") == expected


@pytest.mark.parametrize(
    ("completed", "expected"),
    [
        ("31/5/2024", {(2, CO, "archived-enrollment")}),
        ("1/6/2024", set()),
        ("1/1/2026", set()),
    ],
)
def test_archived_enrollment(completed: str, expected: set) -> None:
    """Completed more than two years before the import date is info."""
    rows = [row(created="1/1/2020", started="1/1/2020", completed=completed)]
    assert found(rows, "archived-enrollment") == expected


def test_archived_on_leap_day_import() -> None:
    """Two years before 29/2/2028 is 28/2/2026: the day before is archived, that day is not."""
    rows = [
        row(created="1/1/2020", started="1/1/2020", completed=c) for c in ("27/2/2026", "28/2/2026")
    ]
    assert found(rows, "archived-enrollment", import_date=dt.date(2028, 2, 29)) == {
        (2, CO, "archived-enrollment")
    }


def test_missing_column_is_reported_once_on_the_header_row() -> None:
    """A required column absent from the header: one error, no per-row noise about it."""
    header = list(HEADER_NO_SCORE)
    rows = [
        [v for h, v in zip(HEADER_FULL, row(login=f"l{n}"), strict=True) if h in header]
        for n in range(3)
    ]
    got = found(rows, header=header)
    assert got == {(1, SC, "missing-column")}


HEADER_FULL = [
    by_short(n) for n in ("login", "course", "status", "score", "created", "started", "completed")
]
HEADER_NO_SCORE = [h for h in HEADER_FULL if h != SC]


def test_error_value_cells_are_reported_instead_of_other_rules() -> None:
    """An #N/A in a date cell is a cell-error, not also an invalid-date."""
    from sheetcheck.model import CellError, UncachedFormula

    got = found([row(created=CellError("#N/A")), row(login=UncachedFormula("=A1"))])
    assert got == {(2, CR, "cell-error"), (3, L, "formula-not-calculated")}


def test_messages_say_what_why_and_fix() -> None:
    """Every issue's message carries the value, the cell, the reason and the fix."""
    got = issues([row(created="31/02/2025")])
    (issue,) = got
    assert issue.cell == "E2"
    assert issue.value == "31/02/2025"
    assert issue.message.startswith(issue.what)
    assert issue.why in issue.message and issue.fix in issue.message
    assert "E2" in issue.what and "31/02/2025" in issue.what


def test_a_boolean_cell_does_not_make_empty_cells_invalid() -> None:
    """TRUE in one score cell is invalid; the empty score cells of other rows stay empty."""
    rows = [row(status="Passed", score=True), row(status="Completed", login="b@school.org")]
    assert found(rows, "invalid-score") == {(2, SC, "invalid-score")}
