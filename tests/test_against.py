"""ilr-learners against the old system's export (--against OLD.xlsx, --cutoff DATE).

Identity of a learner: the ULN when both records carry a real one (valid, not 9999999999),
otherwise family name + given names + date of birth normalised; otherwise unknown, and no
error is raised on a guess. The engine-level tables assert on (row, column, rule); the end of
the file runs the command line in-process and validates its JSON report against the schema.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import validate_report
from sheetcheck.cli import main
from sheetcheck.engine import Context, check_table
from sheetcheck.packs import load_pack
from test_pack_ilr import HEADER, IMPORT_DATE, table

TEMP = "9999999999"
ANN = {
    "LearnRefNumber": "A1",
    "ULN": "1234567899",
    "FamilyName": "Smith",
    "GivenNames": "Ann",
    "DateOfBirth": "1/2/1990",
}
BOB = {
    "LearnRefNumber": "B1",
    "ULN": "2000000001",
    "FamilyName": "Jones",
    "GivenNames": "Bob",
    "DateOfBirth": "3/4/1985",
}
BASE = {
    "LearnAimRef": "ZPROG001",
    "LearnStartDate": "1/9/2024",
    "LearnPlanEndDate": "31/7/2025",
    "CompStatus": 1,
}
# Old records default to "ended before any cutoff", so only the cases about who should move
# produce missing-learner findings.
ENDED_OLD = {"CompStatus": 2, "LearnActEndDate": "30/6/2025", "Outcome": 1}


def new_row(*parts: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {**BASE}
    for part in parts:
        row.update(part)
    return row


def old_row(*parts: Mapping[str, Any]) -> dict[str, Any]:
    return new_row(ENDED_OLD, *parts)


def reconcile(
    new: Sequence[Mapping[str, Any]],
    old: Sequence[Mapping[str, Any]] | None,
    cutoff: dt.date | None = None,
    old_header: Sequence[str] = HEADER,
) -> tuple[set[tuple[int, str | None, str]], dict[str, Any]]:
    """(row, column, rule) of every issue, and the context's extra sections."""
    related = {"old-system": table(old, old_header)} if old is not None else {}
    options = {"cutoff": cutoff} if cutoff else {}
    context = Context(import_date=IMPORT_DATE, related=related, options=options)
    issues = check_table(load_pack("ilr-learners"), table(new), context)
    return {(i.row, i.column, i.rule) for i in issues}, context.extra


REUSED = (2, "LearnRefNumber", "learn-ref-number-reused")
PREV = (2, "PrevLearnRefNumber", "prev-learn-ref-number-mismatch")


@pytest.mark.parametrize(
    ("new", "old", "expected"),
    [
        pytest.param(ANN, ANN, set(), id="same-reference-same-uln"),
        pytest.param(ANN, {**BOB, "LearnRefNumber": "A1"}, {REUSED}, id="reference-of-another-uln"),
        pytest.param({**ANN, "FamilyName": "Jones"}, ANN, set(), id="same-uln-decides-over-names"),
        pytest.param(
            ANN,
            {**ANN, "ULN": "2000000001"},
            {REUSED},
            id="different-real-ulns-same-names",
        ),
        pytest.param({**ANN, "ULN": TEMP}, ANN, set(), id="temporary-uln-names-match"),
        pytest.param(
            {**ANN, "ULN": TEMP},
            {**ANN, "ULN": TEMP, "GivenNames": "Anna"},
            {REUSED},
            id="temporary-ulns-names-differ",
        ),
        pytest.param(
            {**ANN, "ULN": TEMP},
            {**ANN, "GivenNames": "Anna", "DateOfBirth": None},
            set(),
            id="unknown-identity-no-guess",
        ),
        pytest.param(
            {**ANN, "ULN": "1234567898"},
            ANN,
            {(2, "ULN", "invalid-uln")},
            id="invalid-uln-falls-back-to-names",
        ),
        pytest.param(
            {**ANN, "ULN": TEMP, "FamilyName": "O'Brien", "GivenNames": "Zoë"},
            {**ANN, "ULN": TEMP, "FamilyName": "OBRIEN", "GivenNames": "zoe"},
            set(),
            id="names-ignore-accents-case-apostrophes",
        ),
        pytest.param({**ANN, "LearnRefNumber": "a1"}, ANN, set(), id="reference-case-ignored"),
    ],
)
def test_reference_belongs_to_another_learner(
    new: Mapping[str, Any], old: Mapping[str, Any], expected: set[tuple[int, str, str]]
) -> None:
    """A LearnRefNumber the old system used for a different learner is an error."""
    found, _ = reconcile([new_row(new)], [old_row(old)])
    assert found == expected


@pytest.mark.parametrize(
    ("new", "old", "expected"),
    [
        pytest.param({**ANN, "LearnRefNumber": "N1"}, ANN, {PREV}, id="changed-no-prev"),
        pytest.param(
            {**ANN, "LearnRefNumber": "N1", "PrevLearnRefNumber": "a1"},
            ANN,
            set(),
            id="changed-prev-given",
        ),
        pytest.param(
            {**ANN, "LearnRefNumber": "N1", "PrevLearnRefNumber": "A2"},
            ANN,
            {PREV},
            id="changed-prev-wrong",
        ),
        pytest.param(
            {**ANN, "LearnRefNumber": "N1", "ULN": TEMP},
            {**ANN, "ULN": TEMP},
            {PREV},
            id="changed-found-by-names",
        ),
        pytest.param(
            {**ANN, "LearnRefNumber": "N1", "ULN": "2000000001"},
            ANN,
            set(),
            id="different-uln-is-another-learner",
        ),
        pytest.param(
            {**ANN, "LearnRefNumber": "N1", "DateOfBirth": None, "ULN": TEMP},
            ANN,
            set(),
            id="unknown-identity-no-guess",
        ),
    ],
)
def test_changed_reference_needs_prev_learn_ref_number(
    new: Mapping[str, Any], old: Mapping[str, Any], expected: set[tuple[int, str, str]]
) -> None:
    """A migrated learner whose reference changed carries the old one in PrevLearnRefNumber."""
    found, _ = reconcile([new_row(new)], [old_row(old)])
    assert found == expected


MISSING = (1, None, "missing-learner")
CUTOFF = dt.date(2025, 7, 31)


@pytest.mark.parametrize(
    ("old", "cutoff", "expected"),
    [
        pytest.param(
            {"CompStatus": 1, "LearnActEndDate": None, "Outcome": None},
            None,
            {MISSING},
            id="continuing",
        ),
        pytest.param({"LearnActEndDate": "31/7/2025"}, CUTOFF, set(), id="ends-on-cutoff"),
        pytest.param({"LearnActEndDate": "1/8/2025"}, CUTOFF, {MISSING}, id="ends-after-cutoff"),
        pytest.param({"LearnActEndDate": "1/8/2025"}, None, set(), id="no-cutoff-given"),
        pytest.param({"LearnActEndDate": "2025-08-01"}, CUTOFF, {MISSING}, id="iso-date-in-export"),
        pytest.param({"LearnActEndDate": None}, None, {MISSING}, id="no-end-date"),
        pytest.param({"LearnActEndDate": "soon"}, None, {MISSING}, id="unreadable-end-date"),
        pytest.param(
            {"CompStatus": 6, "LearnActEndDate": None, "Outcome": None},
            None,
            {MISSING},
            id="break-no-end",
        ),
        pytest.param(
            {"CompStatus": "1", "LearnActEndDate": None}, None, {MISSING}, id="status-as-text"
        ),
    ],
)
def test_learners_who_should_have_moved(
    old: Mapping[str, Any], cutoff: dt.date | None, expected: set[tuple[int, None, str]]
) -> None:
    """Still in learning (CompStatus 1 or no end date) or ending after --cutoff, and in
    neither the file's references nor its PrevLearnRefNumbers: listed as missing, one
    file-level issue each, on the header row."""
    found, _ = reconcile([new_row(ANN)], [old_row(BOB, old)], cutoff)
    assert found == expected


@pytest.mark.parametrize(
    "new",
    [
        pytest.param({**BOB, "LearnRefNumber": "N1", "PrevLearnRefNumber": "B1"}, id="by-uln"),
        pytest.param(
            {
                **BOB,
                "LearnRefNumber": "N1",
                "PrevLearnRefNumber": "b1",
                "ULN": TEMP,
                "DateOfBirth": None,
            },
            id="by-prev-reference-only",
        ),
        pytest.param({**BOB, "ULN": TEMP}, id="same-reference-names"),
    ],
)
def test_moved_learners_are_not_missing(new: Mapping[str, Any]) -> None:
    """A continuing old learner found by ULN, by PrevLearnRefNumber or by reference."""
    continuing = {"CompStatus": 1, "LearnActEndDate": None, "Outcome": None}
    found, extra = reconcile([new_row(new)], [old_row(BOB, continuing)])
    assert found == set()
    assert extra["reconciliation"]["missing"] == 0
    assert extra["reconciliation"]["moved"] == 1


def test_reconciliation_counts() -> None:
    """expected, present, missing, moved and new for a small migration, in the JSON-able
    extra and as a text section."""
    continuing = {"CompStatus": 1, "LearnActEndDate": None, "Outcome": None}
    cy = {
        "LearnRefNumber": "C1",
        "ULN": "1000000000",
        "FamilyName": "Cy",
        "GivenNames": "Cy",
        "DateOfBirth": "1/1/2000",
    }
    dee = {**cy, "LearnRefNumber": "D1", "ULN": "2000000001", "GivenNames": "Dee"}
    eve = {**cy, "LearnRefNumber": "E1", "ULN": TEMP, "GivenNames": "Eve"}
    fay = {**cy, "LearnRefNumber": "F1", "ULN": TEMP, "GivenNames": "Fay"}
    bob = {**BOB, "ULN": "1234567899"}
    old = [
        old_row(ANN, {"ULN": "4012345671"}, continuing),
        old_row(bob, continuing),
        old_row(cy),  # ended 30/6/2025, before the cutoff: not expected, but moved anyway
        old_row(dee, {"LearnActEndDate": "15/8/2025"}),  # after the cutoff: expected, missing
        old_row(eve, continuing),  # expected, missing
    ]
    new = [
        new_row(ANN, {"ULN": "4012345671"}),
        new_row(bob, {"LearnRefNumber": "N2", "PrevLearnRefNumber": "B1"}),
        new_row(cy, ENDED_OLD),
        new_row(fay),
    ]
    found, extra = reconcile(new, old, CUTOFF)
    assert found == {MISSING}
    assert extra["reconciliation"] == {
        "expected": 4,
        "present": 4,
        "missing": 2,
        "moved": 3,
        "new": 1,
        "reference_changed": 1,
        "cutoff": "2025-07-31",
    }
    [(title, lines)] = extra["sections"]
    assert title == "Reconciliation"
    assert [line.split()[:2] for line in lines] == [
        ["expected", "4"],
        ["present", "4"],
        ["missing", "2"],
        ["moved", "3"],
        ["new", "1"],
    ]
    json.dumps(extra)  # JSON-able as the report needs it


def test_without_against_nothing_is_compared() -> None:
    """No --against: no comparison issues and no reconciliation section."""
    found, extra = reconcile([new_row(ANN)], None)
    assert found == set()
    assert extra == {}


def test_export_without_identity_columns() -> None:
    """An export lacking columns the comparison reads is a warning naming each column; the
    rest of the comparison still runs (here: the continuing learner is found by reference)."""
    header = [h for h in HEADER if h not in ("DateOfBirth", "ULN")]
    found, extra = reconcile([new_row(ANN)], [old_row(ANN, {"CompStatus": 1})], old_header=header)
    assert found == {
        (1, "DateOfBirth", "against-column-missing"),
        (1, "ULN", "against-column-missing"),
    }
    assert extra["reconciliation"]["moved"] == 1


# --------------------------------------------------------------------------- command line


def write_book(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Learners"
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row.get(name) for name in HEADER])
    book.save(path)
    return path


@pytest.fixture
def migration(tmp_path: Path) -> tuple[Path, Path]:
    """A new file with one problem per comparison rule, and the old system's export."""
    continuing = {"CompStatus": 1, "LearnActEndDate": None, "Outcome": None}
    old = write_book(
        tmp_path / "old.xlsx",
        [
            old_row(ANN, continuing),
            old_row(BOB, {"LearnRefNumber": "X1"}, continuing),
            old_row(
                {"LearnRefNumber": "GONE", "ULN": TEMP, "FamilyName": "Lost", "GivenNames": "Lee"},
                {"LearnActEndDate": dt.datetime(2025, 8, 15)},
            ),
        ],
    )
    new = write_book(
        tmp_path / "new.xlsx",
        [
            new_row(  # a new learner, but X1 is Bob's reference in the old system
                {"LearnRefNumber": "X1", "ULN": "1000000000", "FamilyName": "Cy"},
                {"GivenNames": "Cy", "DateOfBirth": "1/1/2000"},
            ),
            new_row(BOB, {"LearnRefNumber": "B2"}),  # Bob's reference changed, no Prev
        ],
    )
    return new, old


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of the command line run in-process."""
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse rejects a bad command line this way
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_against_and_cutoff_json(
    migration: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """sheetcheck check NEW --against OLD --cutoff: issues and reconciliation in valid JSON."""
    new, old = migration
    code, out, err = run_cli(
        [
            "check", str(new), "--template", "ilr-learners", "--against", str(old),
            "--cutoff", "2025-07-31", "--import-date", "2025-10-01", "--format", "json",
        ],
        capsys,
    )  # fmt: skip
    assert (code, err) == (1, "")
    report = json.loads(out)
    validate_report(report)
    [item] = report["files"]
    assert {(i["row"], i["cell"], i["rule"]) for i in item["issues"]} == {
        (2, "A2", "learn-ref-number-reused"),
        (3, "B3", "prev-learn-ref-number-mismatch"),
        (1, None, "missing-learner"),  # Ann (A1) and Lost (GONE, ends after the cutoff)
    }
    assert sum(i["rule"] == "missing-learner" for i in item["issues"]) == 2
    assert item["reconciliation"] == {
        "expected": 3,
        "present": 2,
        "missing": 2,
        "moved": 1,
        "new": 1,
        "reference_changed": 1,
        "cutoff": "2025-07-31",
    }


def test_cli_text_report_ends_with_the_reconciliation(
    migration: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The text report prints the reconciliation section after the issues."""
    new, old = migration
    code, out, _ = run_cli(
        [
            "check",
            str(new),
            "-t",
            "ilr-learners",
            "--against",
            str(old),
            "--import-date",
            "2025-10-01",
        ],
        capsys,
    )
    assert code == 1
    assert out.index("missing-learner") < out.index("Reconciliation") < out.index("NOT READY")
    assert "expected" in out and "moved" in out


@pytest.mark.parametrize(
    "extra_args",
    [
        pytest.param(
            ["--template", "enrollment-history", "--against", "{old}"], id="pack-without-against"
        ),
        pytest.param(["--template", "ilr-learners", "--against", "{missing}"], id="no-such-export"),
        pytest.param(["--template", "ilr-learners", "--cutoff", "31/07/2025"], id="cutoff-not-iso"),
    ],
)
def test_cli_bad_comparison_options(
    migration: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra_args: list[str],
) -> None:
    """A comparison that cannot be made is one line on stderr and exit code 2."""
    new, old = migration
    args = [a.format(old=old, missing=tmp_path / "nope.xlsx") for a in extra_args]
    code, _, err = run_cli(["check", str(new), *args], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_context_reused_for_another_file_is_not_answered_from_the_first() -> None:
    """The comparison is shared by the four rules of one check, never across tables."""
    old = table([old_row(ANN, {"CompStatus": 1, "LearnActEndDate": None, "Outcome": None})])
    context = Context(import_date=IMPORT_DATE, related={"old-system": old})
    pack = load_pack("ilr-learners")
    first = check_table(pack, table([new_row(ANN)]), context)
    second = check_table(pack, table([new_row(BOB)]), context)
    assert [i.rule for i in first] == []
    assert [i.rule for i in second] == ["missing-learner"]


# --------------------------------------------------------------------------- learners, not rows

CONTINUING = {"CompStatus": 1, "LearnActEndDate": None, "Outcome": None}


@pytest.mark.parametrize(
    ("new", "old", "cutoff", "expected", "counts"),
    [
        # the old export lists Ann twice (two aims): one expected learner, one missing
        pytest.param(
            [new_row(BOB)],
            [old_row(ANN, CONTINUING), old_row(ANN, CONTINUING, {"LearnAimRef": "60012345"})],
            None,
            {(1, None, "missing-learner")},
            {"expected": 1, "missing": 1, "present": 1, "new": 1},
            id="two-continuing-aims-one-learner",
        ),
        # one aim ended, the other continues: the learner must move
        pytest.param(
            [new_row(BOB)],
            [old_row(ANN), old_row(ANN, CONTINUING, {"LearnAimRef": "60012345"})],
            None,
            {(1, None, "missing-learner")},
            {"expected": 1, "missing": 1},
            id="any-continuing-aim-moves-the-learner",
        ),
        # both aims ended, the second after the cutoff: the learner must move
        pytest.param(
            [new_row(BOB)],
            [old_row(ANN), old_row(ANN, {"LearnActEndDate": "15/8/2025"})],
            dt.date(2025, 7, 31),
            {(1, None, "missing-learner")},
            {"expected": 1, "missing": 1},
            id="second-aim-ends-after-cutoff",
        ),
        # both aims ended before the cutoff: not expected
        pytest.param(
            [new_row(BOB)],
            [old_row(ANN), old_row(ANN, {"LearnActEndDate": "1/7/2025"})],
            dt.date(2025, 7, 31),
            set(),
            {"expected": 0, "missing": 0},
            id="all-aims-ended-before-cutoff",
        ),
        # Ann moved with two aims; the old file had one continuing: present and moved once
        pytest.param(
            [new_row(ANN), new_row(ANN, {"LearnAimRef": "60012345", "AimSeqNumber": 2})],
            [old_row(ANN, CONTINUING), old_row(ANN, CONTINUING, {"LearnAimRef": "60012345"})],
            None,
            set(),
            {"expected": 1, "missing": 0, "present": 1, "moved": 1, "new": 0},
            id="two-rows-each-side-one-learner",
        ),
        # a reused reference on a learner with two aims is one finding, on the first row
        pytest.param(
            [new_row(ANN), new_row(ANN, {"LearnAimRef": "60012345", "AimSeqNumber": 2})],
            [old_row({**BOB, "LearnRefNumber": "A1"})],
            None,
            {REUSED},
            {"expected": 0, "present": 1, "moved": 0, "new": 1},
            id="reused-reference-once-per-learner",
        ),
    ],
)
def test_reconciliation_counts_learners_not_rows(
    new: Sequence[Mapping[str, Any]],
    old: Sequence[Mapping[str, Any]],
    cutoff: dt.date | None,
    expected: set[tuple[int, str | None, str]],
    counts: Mapping[str, int],
) -> None:
    """--against compares learners: a learner with several aims on either side counts once."""
    found, extra = reconcile(new, old, cutoff)
    assert found == expected
    summary = extra["reconciliation"]
    assert {key: summary[key] for key in counts} == counts
