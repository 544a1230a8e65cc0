"""The student-roster pack: one row per student, no gaps, and the platform's current students.

Cases are small tables checked by the engine (with the ``--baseline`` table as a related
input); assertions are on (row, column, rule) tuples. The name matching behind
``similar-student`` is tested on its own, including its speed at 5,000 x 5,000 students.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from conftest import validate_report, write_xlsx
from sheetcheck.cli import main
from sheetcheck.engine import Context, check_table
from sheetcheck.model import Issue, Table
from sheetcheck.names import NameIndex, edit_distance, fold_name, likeness
from sheetcheck.packs import load_pack

PACK = "student-roster"
HEADER = [column.name for column in load_pack(PACK).columns]
BASE_HEADER = HEADER[:5]
ID, GIVEN, FAMILY = "Student ID", "Given Name", "Family Name"

# The platform's current students.
BASELINE = [
    ["1", "Zoë", "Smith", "7", "7B"],
    ["2", "Anna", "Lee", "7", "7A"],
    ["3", "Tom", "Jones", "8", "8A"],
]


def student(sid: str, given: str, family: str, year: str = "7", klass: str = "7B") -> list[Any]:
    return [sid, given, family, year, klass, "Jo Park", "Ms"]


CURRENT = [student("1", "Zoë", "Smith"), student("2", "Anna", "Lee", klass="7A")]
CURRENT.append(student("3", "Tom", "Jones", "8", "8A"))


def table(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] = HEADER,
    numbers: Sequence[int] | None = None,
    sheet: str = "Students",
) -> Table:
    return Table(
        sheet=sheet,
        header_row=1,
        header=list(header),
        first_col=1,
        row_numbers=list(numbers or range(2, 2 + len(rows))),
        columns=[list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header],
    )


def issues(
    rows: Sequence[Sequence[Any]],
    baseline: Sequence[Sequence[Any]] | None = None,
    options: Mapping[str, Any] | None = None,
    numbers: Sequence[int] | None = None,
) -> list[Issue]:
    related = {} if baseline is None else {"baseline": table(baseline, BASE_HEADER, sheet="Export")}
    context = Context(related=related, options=dict(options or {}))
    return check_table(load_pack(PACK), table(rows, numbers=numbers), context)


def found(rows: Sequence[Sequence[Any]], rule: str, **kw: Any) -> set[tuple[int, str | None, str]]:
    return {(i.row, i.column, i.rule) for i in issues(rows, **kw) if i.rule == rule}


def test_a_clean_roster_matching_the_platform_has_no_issues() -> None:
    """Every current student present with the same name: nothing to report."""
    assert issues(CURRENT, BASELINE) == []
    assert issues(CURRENT) == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([student("1", "A", "B"), student("1", "C", "D")], {(3, ID, "duplicate-student")}),
        ([student("x1", "A", "B"), student(" X1 ", "A", "B")], {(3, ID, "duplicate-student")}),
        ([student("1", "A", "B"), student("2", "A", "B")], set()),
        ([student("", "A", "B"), student(None, "A", "B")], set()),  # type: ignore[arg-type]
    ],
)
def test_each_student_once(rows: list[list[Any]], expected: set[tuple[Any, ...]]) -> None:
    """The same Student ID twice (case and spaces aside); empty IDs are 'required' instead."""
    assert found(rows, "duplicate-student") == expected


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([2, 3, 4], set()),
        ([2, 3, 5], {(5, ID, "blank-row")}),
        ([2, 6, 7], {(6, ID, "blank-row")}),
        ([3, 4, 5], {(3, ID, "blank-row")}),  # between the header and the first student
        ([2, 4, 6], {(4, ID, "blank-row"), (6, ID, "blank-row")}),
    ],
)
def test_no_blank_rows_between_classes(numbers: list[int], expected: set[tuple[Any, ...]]) -> None:
    """A gap in the sheet's row numbers is reported on the row after it."""
    rows = [student(str(n), "A", f"B{n}") for n in range(3)]
    assert found(rows, "blank-row", numbers=numbers) == expected


def test_blank_row_message_says_how_many_students_would_be_lost() -> None:
    """The message names the blank rows and the rows below that the upload would drop."""
    rows = [student(str(n), "A", f"B{n}") for n in range(4)]
    (issue,) = [i for i in issues(rows, numbers=[2, 5, 6, 7]) if i.rule == "blank-row"]
    assert issue.cell == "A5"
    assert (
        "Rows 3 to 4 are blank" in issue.message
        and "the 3 student(s) from there down" in issue.message
    )


@pytest.mark.parametrize(
    ("changes", "rule", "column", "bad"),
    [
        ({0: "S 1"}, "invalid-student-id", ID, True),
        ({0: 1001}, "invalid-student-id", ID, False),
        ({1: None}, "required", GIVEN, True),
        ({3: None}, "required", "Year/Grade", True),
        ({5: "  "}, "required", "Teacher", True),
        ({6: None}, "required", "Teacher Title", False),
        ({6: "mrs"}, "unknown-teacher-title", "Teacher Title", False),
        ({6: "Mr."}, "unknown-teacher-title", "Teacher Title", True),
        ({6: "Sir"}, "unknown-teacher-title", "Teacher Title", True),
    ],
)
def test_row_values(changes: dict[int, Any], rule: str, column: str, bad: bool) -> None:
    """Value rules at their edges; Teacher Title is the only optional value."""
    row = student("9", "Ada", "King")
    for position, value in changes.items():
        row[position] = value
    assert found([row], rule) == ({(2, column, rule)} if bad else set())


def test_teacher_title_is_the_only_optional_column() -> None:
    """Without Teacher Title the roster is fine; without Class it is missing-column."""
    pack = load_pack(PACK)
    assert [c.name for c in pack.columns if c.optional_column] == ["Teacher Title"]
    rows = [r[:6] for r in CURRENT]
    short = Table(
        "Students", 1, HEADER[:6], 1, [2, 3, 4], [list(c) for c in zip(*rows, strict=True)]
    )
    assert check_table(pack, short) == []
    no_class = [r[:4] + r[5:6] for r in CURRENT]
    header = HEADER[:4] + HEADER[5:6]
    table_ = Table(
        "Students", 1, header, 1, [2, 3, 4], [list(c) for c in zip(*no_class, strict=True)]
    )
    assert {(i.row, i.column, i.rule) for i in check_table(pack, table_)} == {
        (1, "Class", "missing-column")
    }


# --------------------------------------------------------------------------- --baseline


@pytest.mark.parametrize(
    ("rows", "options", "expected"),
    [
        (CURRENT[:1], {}, [("student-deleted", "error"), ("student-deleted", "error")]),
        (CURRENT[:1], {"allow_deletions": True}, [("deletions-allowed", "warning")]),
        (CURRENT, {"allow_deletions": True}, []),
        ([student(" 1 ", "Zoë", "Smith"), *CURRENT[1:]], {}, []),
    ],
)
def test_students_missing_from_the_sheet_would_be_deleted(
    rows: list[list[Any]], options: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    """One error per student the platform has and the sheet lacks, or one acknowledged warning."""
    got = [(i.rule, i.severity) for i in issues(rows, BASELINE, options)]
    assert got == expected


def test_deleted_students_are_listed_by_name_and_class() -> None:
    """Each deletion error names the student and their class; the warning gives the count."""
    errors = issues(CURRENT[:1], BASELINE)
    assert {(i.row, i.cell) for i in errors} == {(1, None)}
    assert "Anna Lee (Student ID 2, class 7A; row 3 of the --baseline file)" in errors[0].message
    assert "Tom Jones (Student ID 3, class 8A; row 4 of the --baseline file)" in errors[1].message
    (warning,) = issues(CURRENT[:1], BASELINE, {"allow_deletions": True})
    assert warning.message.startswith("2 student(s)") and "Anna Lee (7A)" in warning.message


@pytest.mark.parametrize(
    ("given", "family", "bad"),
    [
        ("Zoë", "Smith", False),
        ("  Zoë ", "Smith ", False),  # surrounding spaces never count
        ("Zoe", "Smith", True),  # an accent is a different name to the platform
        ("zoë", "Smith", True),
        ("Zoë", "Smith-Jones", True),
    ],
)
def test_same_id_with_another_name(given: str, family: str, bad: bool) -> None:
    """Same Student ID, different name: an error on the first differing name cell."""
    rows = [student("1", given, family), *CURRENT[1:]]
    got = found(rows, "name-changed", baseline=BASELINE)
    column = GIVEN if given.strip() != "Zoë" else FAMILY
    assert got == ({(2, column, "name-changed")} if bad else set())


def test_name_changed_message_tells_to_rename_in_the_platform_first() -> None:
    """The message shows both names and says where to change it."""
    rows = [student("1", "Zoe", "Smith"), *CURRENT[1:]]
    (issue,) = issues(rows, BASELINE)
    assert '"Zoe Smith" in B2 but "Zoë Smith" in the platform (row 2 of the' in issue.message
    assert "in the platform first" in issue.message


@pytest.mark.parametrize(
    ("new", "candidate"),
    [
        (student("9", "Zoe", "Smith", "7", "7C"), "1"),  # accent, same year
        (student("9", "ZOË", "SMITH", "9", "7B"), "1"),  # case, same class
        (student("9", "Smith", "Zoë", "7", "7B"), "1"),  # swapped
        (student("9", "Anna", "Leo", "7", "7A"), "2"),  # one-letter typo
        (student("9", "Ana", "Lee", "7", "7A"), "2"),  # one letter missing
        (student("9", "Tmo", "Jones", "8", "8A"), "3"),  # two letters swapped
        (student("9", "Anna", "Lee", "7", "7A"), "2"),  # the very same name
        (student("9", "Zoe", "Smith", "9", "9C"), None),  # other class and year
        (student("9", "Anna", "Li", "7", "7A"), None),  # two edits
        (student("9", "Zara", "Smith", "7", "7B"), None),
        (student("2", "Anna", "Leo", "7", "7A"), None),  # not new: name-changed instead
    ],
)
def test_new_student_close_to_an_existing_one(new: list[Any], candidate: str | None) -> None:
    """A new ID with a name close to a current student in the same class or year."""
    rows = [*[r for r in CURRENT if r[0] != new[0]], new]
    got = [
        i for i in issues(rows, BASELINE, {"allow_deletions": True}) if i.rule == "similar-student"
    ]
    if candidate is None:
        assert got == []
    else:
        (issue,) = got
        assert (issue.row, issue.column) == (len(rows) + 1, GIVEN)
        assert f"Student ID {candidate}," in issue.message


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("anna", "anna", 0),
        ("anna", "anan", 1),
        ("anna", "ana", 1),
        ("anna", "annna", 1),
        ("anna", "anne", 1),
        ("anna", "emma", 2),
        ("anna", "bob", 2),
        ("", "ab", 2),
    ],
)
def test_edit_distance_is_bounded(a: str, b: str, distance: int) -> None:
    """Insert, delete, substitute and adjacent swap count one; the answer stops at bound + 1."""
    assert edit_distance(a, b, bound=1) == distance


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Zoë", "zoe"), (" O'Brien-Smith ", "obriensmith"), ("ÅSA", "asa"), ("Ｊｏ", "jo")],
)
def test_fold_name(text: str, folded: str) -> None:
    """Accents, case, full-width forms, spaces and punctuation do not count."""
    assert fold_name(text) == folded


@pytest.mark.parametrize(
    ("one", "other", "rank"),
    [
        (("Zoë", "Smith"), ("Zoë", "Smith"), 0),
        (("Zoe", "Smith"), ("Zoë", "Smith"), 1),
        (("Smith", "Zoë"), ("Zoë", "Smith"), 2),
        (("Zoey", "Smith"), ("Zoë", "Smith"), 3),
        (("Smith", "Zoey"), ("Zoë", "Smith"), 4),
        (("Al", "Smith"), ("Ali", "Smith"), None),  # short names must match exactly
        (("Zoey", "Smyth"), ("Zoë", "Smith"), 3),
        (("Zoey", "Smythe"), ("Zoë", "Smith"), None),
        (("", "Smith"), ("Zoë", "Smith"), None),
    ],
)
def test_likeness(one: tuple[str, str], other: tuple[str, str], rank: int | None) -> None:
    """How two names resemble each other, best first."""
    got = likeness(*one, *other)
    assert (got.rank if got is not None else None) == rank


def _random_name(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length)).title()


def test_name_index_finds_the_planted_5000_by_5000() -> None:
    """5,000 new students against 5,000 current ones, all in one year: every planted near
    duplicate is found. (Its speed, about 0.3 s, is measured by benchmarks/bench_names.py.)"""
    rng = random.Random(6)
    common_given = [_random_name(rng, 5) for _ in range(60)]
    existing = [(rng.choice(common_given), _random_name(rng, 7)) for _ in range(5000)]
    index = NameIndex()
    for number, (given, family) in enumerate(existing):
        index.add(number, given, family, [("year", "7")])
    planted = {k: (g + "x", f) for k, (g, f) in enumerate(existing[:50])}
    new = [planted.get(k, (rng.choice(common_given), _random_name(rng, 7))) for k in range(5000)]
    hits = [index.search(given, family, [("year", "7")]) for given, family in new]
    assert all(any(item == k for _, item in hits[k]) for k in planted)


# --------------------------------------------------------------------------- command line


def test_cli_baseline_and_allow_deletions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end with --baseline: deletion errors, then one warning with --allow-deletions."""
    sheet = write_xlsx(
        tmp_path / "roster.xlsx",
        [HEADER, CURRENT[0], None or [], student("9", "Ana", "Lee", klass="7A")],
        title="Students",
    )
    baseline = write_xlsx(tmp_path / "current.xlsx", [BASE_HEADER, *BASELINE], title="Export")
    argv = ["check", str(sheet), "--template", PACK, "--baseline", str(baseline), "-f", "json"]
    code = main(argv)
    data = json.loads(capsys.readouterr().out)
    validate_report(data)
    got = {(i["row"], i["cell"], i["rule"]) for i in data["files"][0]["issues"]}
    assert code == 1
    assert got == {
        (1, None, "student-deleted"),
        (4, "A4", "blank-row"),
        (4, "B4", "similar-student"),
    }
    assert len(data["files"][0]["issues"]) == 4  # Anna Lee and Tom Jones
    code = main([*argv, "--allow-deletions"])
    data = json.loads(capsys.readouterr().out)
    rules = sorted(i["rule"] for i in data["files"][0]["issues"])
    assert code == 1 and rules == ["blank-row", "deletions-allowed", "similar-student"]


def test_cli_allow_deletions_alone_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--allow-deletions without --baseline acknowledges nothing: one line, exit 2."""
    sheet = write_xlsx(tmp_path / "roster.xlsx", [HEADER, *CURRENT], title="Students")
    assert main(["check", str(sheet), "--allow-deletions", "-q"]) == 2
    assert "--allow-deletions only applies with --baseline" in capsys.readouterr().err


def test_bundled_sample_has_exactly_the_planted_problems(tmp_path: Path) -> None:
    """The sample workbook shows each planted rule on its row (baseline rules need --baseline)."""
    from sheetcheck import check
    from sheetcheck.template import build_sample
    from sheetcheck.template.sample import DEMO_IMPORT_DATE, sample_data

    target = tmp_path / "sample.xlsx"
    build_sample(PACK, target)
    data = sample_data(load_pack(PACK))
    (report,) = check(target, template=PACK, import_date=DEMO_IMPORT_DATE).files
    found_rules: dict[int, set[str]] = {}
    for issue in report.issues:
        found_rules.setdefault(issue.row - 2, set()).add(issue.rule)
    assert found_rules == {k: set(v) for k, v in data.planted.items()}
    baseline_rules = {"student-deleted", "deletions-allowed", "name-changed", "similar-student"}
    assert {r for v in data.planted.values() for r in v} == (
        set(load_pack(PACK).rules) - baseline_rules - {"missing-column", "no-rows"}
    )


@pytest.mark.parametrize(
    ("missing", "tail"),
    [(1, "Pat Gale0 (7C)."), (5, "Pat Gale4 (7C)."), (7, "Pat Gale4 (7C) and 2 more.")],
)
def test_acknowledged_deletions_list_at_most_five(missing: int, tail: str) -> None:
    """The single warning counts every deletion and names the first five."""
    gone = [[f"g{k}", "Pat", f"Gale{k}", "7", "7C"] for k in range(missing)]
    (warning,) = issues(CURRENT, [*BASELINE, *gone], {"allow_deletions": True})
    assert warning.rule == "deletions-allowed"
    assert warning.what.startswith(f"{missing} student(s)") and warning.what.endswith(tail)
