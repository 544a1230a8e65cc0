"""The ilr-learners rule pack: every rule, with failing and passing cases at its edges.

Rows are checked through the engine directly (no workbook I/O): each case starts from a valid
learner and changes a few cells; the assertion is on the exact set of (column, rule) pairs
found, so a case also proves that nothing else fires. The comparison with the old system's
export (--against) is in test_against.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sheetcheck.engine import Context, check_table
from sheetcheck.functions import Finding
from sheetcheck.functions.basic import dmy_date
from sheetcheck.functions.learners import (
    add_years,
    checksum_mod11,
    collection_period,
    export_date,
    period_label,
)
from sheetcheck.functions.reconcile import fold_name
from sheetcheck.model import Table
from sheetcheck.packs import load_pack

PACK = "ilr-learners"
HEADER = [
    "LearnRefNumber",
    "PrevLearnRefNumber",
    "ULN",
    "FamilyName",
    "GivenNames",
    "DateOfBirth",
    "LearnAimRef",
    "AimSeqNumber",
    "AimType",
    "LearnStartDate",
    "LearnPlanEndDate",
    "LearnActEndDate",
    "CompStatus",
    "Outcome",
    "AchDate",
    "FundModel",
    "ProgType",
]
IMPORT_DATE = dt.date(2025, 10, 1)
ULN_ARGS = {
    "weights": [10, 9, 8, 7, 6, 5, 4, 3, 2],
    "offset": 10,
    "leading_zero": False,
    "placeholders": ["9999999999"],
}


def uln(prefix: str) -> str | None:
    """The ULN with these nine first digits, computed from the algorithm in issue 6, or None
    when the weighted sum is divisible by 11 (no check digit exists)."""
    total = sum(int(d) * w for d, w in zip(prefix, range(10, 1, -1), strict=True))
    remainder = total % 11
    return None if remainder == 0 else prefix + str(10 - remainder)


VALID = {
    "LearnRefNumber": "L0001",
    "PrevLearnRefNumber": None,
    "ULN": "1234567899",
    "FamilyName": "Smith",
    "GivenNames": "Ann",
    "DateOfBirth": "1/2/1990",
    "LearnAimRef": "ZPROG001",
    "LearnStartDate": "1/9/2024",
    "LearnPlanEndDate": "31/7/2025",
    "LearnActEndDate": None,
    "CompStatus": 1,
    "Outcome": None,
    "AchDate": None,
    "AimSeqNumber": 1,
    "AimType": 1,  # the programme aim (ZPROG001) of a traineeship: it may carry an AchDate
    "FundModel": 25,
    "ProgType": 24,
}
ENDED = {"CompStatus": 2, "LearnActEndDate": "30/6/2025", "Outcome": 1}


def table(rows: Sequence[Mapping[str, Any]], header: Sequence[str] = HEADER) -> Table:
    """A sheet with ``header`` on row 1 and one data row per mapping from row 2 on."""
    return Table(
        sheet="Learners",
        header_row=1,
        header=list(header),
        first_col=1,
        row_numbers=list(range(2, 2 + len(rows))),
        columns=[[row.get(name) for row in rows] for name in header],
    )


def learners(*changes: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One valid learner per mapping, with distinct references and ULNs, then the changes."""
    rows = []
    for n, change in enumerate(changes):
        base = {**VALID, "LearnRefNumber": f"L{n + 1:04d}", "ULN": uln(f"{100000001 + n:09d}")}
        rows.append({**base, **change})
    return rows


def found(
    rows: Sequence[Mapping[str, Any]], import_date: dt.date = IMPORT_DATE
) -> set[tuple[int, str | None, str]]:
    """(row, column, rule) of every issue the pack finds in ``rows``."""
    issues = check_table(load_pack(PACK), table(rows), Context(import_date=import_date))
    return {(i.row, i.column, i.rule) for i in issues}


def found_one(change: Mapping[str, Any]) -> set[tuple[str | None, str]]:
    """(column, rule) of every issue on a single valid learner with ``change`` applied."""
    return {(column, rule) for _, column, rule in found(learners(change))}


# --------------------------------------------------------------------------- the pack itself


def test_pack_loads_with_every_column_and_rule() -> None:
    """The pack passes the meta-schema and defines the issue's columns in order."""
    pack = load_pack(PACK)
    assert [c.name for c in pack.columns] == HEADER
    assert pack.key_column == "LearnRefNumber"
    assert set(pack.related) == {"old-system"}


def test_a_valid_learner_has_no_issues() -> None:
    """The base rows used by every case below are clean, continuing and ended alike."""
    assert found(learners({}, ENDED, {**ENDED, "AchDate": "30/6/2025"})) == set()


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"LearnRefNumber": "A"}, set()),
        ({"LearnRefNumber": "ABCDEFGHIJ12"}, set()),
        ({"LearnRefNumber": "ABCDEFGHIJ123"}, {("LearnRefNumber", "invalid-learn-ref-number")}),
        ({"LearnRefNumber": "AB 12"}, set()),
        ({"LearnRefNumber": "  AB12  "}, set()),  # surrounding spaces are ignored
        ({"LearnRefNumber": "AB-12"}, {("LearnRefNumber", "invalid-learn-ref-number")}),
        ({"LearnRefNumber": "AB_12"}, {("LearnRefNumber", "invalid-learn-ref-number")}),
        ({"LearnRefNumber": "ÉL12"}, {("LearnRefNumber", "invalid-learn-ref-number")}),
        ({"LearnRefNumber": 123456789012}, set()),  # a number cell: its digits
        ({"LearnRefNumber": None}, {("LearnRefNumber", "required")}),
        ({"PrevLearnRefNumber": "OLD 0001"}, set()),
        (
            {"PrevLearnRefNumber": "ABCDEFGHIJ123"},
            {("PrevLearnRefNumber", "invalid-learn-ref-number")},
        ),
        ({"PrevLearnRefNumber": "OLD/1"}, {("PrevLearnRefNumber", "invalid-learn-ref-number")}),
    ],
)
def test_learn_ref_number_format(
    change: Mapping[str, Any], expected: set[tuple[str | None, str]]
) -> None:
    """1 to 12 ASCII letters, digits or spaces; PrevLearnRefNumber the same but optional."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("references", "expected"),
    [
        (["AB1", "AB2"], set()),
        (["AB1", "ab1"], {(3, "LearnRefNumber", "duplicate-learn-ref-number")}),
        (["AB 1", " ab 1 "], {(3, "LearnRefNumber", "duplicate-learn-ref-number")}),
        (
            ["AB1", "AB2", "Ab1", "aB1"],
            {
                (4, "LearnRefNumber", "duplicate-learn-ref-number"),
                (5, "LearnRefNumber", "duplicate-learn-ref-number"),
            },
        ),
        (["AB1", "AB10"], set()),
    ],
)
def test_learn_ref_number_unique_ignoring_case(
    references: list[str], expected: set[tuple[int, str, str]]
) -> None:
    """R06: a reference written two ways (case or spaces) is two ILR learners with one
    LearnRefNumber. Rows of one learner (same ULN, other aims) otherwise share it freely."""
    rows = learners(
        *(
            {
                "LearnRefNumber": r,
                "ULN": uln(f"{100000001 + len(r.split()):09d}"),
                "AimSeqNumber": n,
            }
            for n, r in enumerate(references, start=1)
        )
    )
    for row in rows:  # one learner per folded reference: the same ULN on its rows
        row["ULN"] = uln(
            f"{100000000 + sum(map(ord, ''.join(row['LearnRefNumber'].split()).casefold())):09d}"
        )
    assert found(rows) == expected


# --------------------------------------------------------------------------- ULN


def test_uln_helper_matches_hand_computed_examples() -> None:
    """The test's own check-digit helper agrees with check digits worked out by hand.

    1,2,...,9 weighted 10..2 sum to 210; 210 mod 11 = 1; check digit 10 - 1 = 9.
    1,0,...,0 sum to 10; mod 11 = 10; check digit 0. Nine 9s sum to 486; mod 11 = 2; digit 8.
    2,0,...,0 sum to 20; mod 11 = 9; digit 1. 1,0,0,0,0,0,0,0,6 sum to 22; mod 11 = 0: none.
    """
    assert uln("123456789") == "1234567899"
    assert uln("100000000") == "1000000000"
    assert uln("999999999") == "9999999998"
    assert uln("200000000") == "2000000001"
    assert uln("100000006") is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1234567899", True),  # hand-verified (see above)
        ("1000000000", True),  # hand-verified: remainder 10 gives check digit 0
        ("9999999998", True),  # hand-verified
        ("2000000001", True),
        (uln("510372468"), True),
        (uln("401234567"), True),
        ("9999999999", True),  # the temporary ULN, although its check digit is wrong
        (9999999999, True),  # ... also as a number cell
        (1234567899, True),  # a number cell
        (1234567899.0, True),  # a number cell read as float
        ("1234567898", False),  # check digit off by one
        ("1234567890", False),
        ("2134567899", False),  # two digits swapped
        ("1000000060", False),  # remainder 0: no check digit can be right
        ("1000000069", False),
        ("0123456789", False),  # first digit 0
        ("0000000000", False),
        ("123456789", False),  # nine digits
        ("12345678990", False),  # eleven digits
        ("123456789X", False),
        ("1234 567899", False),
        (12345678.5, False),
        (True, False),
    ],
)
def test_checksum_mod11_for_uln(value: Any, ok: bool) -> None:
    """The ULN rule: ten digits, first not 0, tenth = 10 - (weighted sum mod 11), sum mod 11
    not 0; 9999999999 is the accepted placeholder."""
    result = checksum_mod11(value, ULN_ARGS)
    assert (result.typed is not None) is ok
    assert bool(result.findings) is not ok


def test_checksum_mod11_first_digit_zero_passes_the_digit_test_but_is_refused() -> None:
    """0 as first digit is refused for its own reason, even with a correct check digit."""
    value = uln("012345678")
    assert value is not None
    assert checksum_mod11(value, {**ULN_ARGS, "leading_zero": True}).typed == value
    assert checksum_mod11(value, ULN_ARGS).findings == (
        Finding(params={"reason": "starts with 0"}),
    )


@given(st.integers(min_value=100_000_000, max_value=999_999_999))
@example(999_999_999)  # the placeholder's own prefix
@example(100_000_006)  # weighted sum divisible by 11
def test_exactly_one_check_digit_fits_unless_the_remainder_is_zero(prefix: int) -> None:
    """For any nine first digits, exactly one tenth digit passes, or none when the weighted
    sum is divisible by 11."""
    passing = [d for d in range(10) if checksum_mod11(f"{prefix}{d}", ULN_ARGS).typed]
    expected = uln(str(prefix))
    placeholder = [9] if prefix == 999_999_999 else []  # 9999999999 is accepted as it is
    assert passing == ([] if expected is None else [int(expected[-1])]) + placeholder


@pytest.mark.parametrize(
    ("value", "ok"),
    [("9434765919", True), ("9434765918", False), ("9434765910", False)],
)
def test_checksum_mod11_serves_the_nhs_number_too(value: str, ok: bool) -> None:
    """With offset 11 the same function checks NHS numbers (943 476 5919 is the NHS's own
    published example)."""
    args = {"weights": [10, 9, 8, 7, 6, 5, 4, 3, 2], "offset": 11}
    assert (checksum_mod11(value, args).typed is not None) is ok


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"ULN": "1234567898"}, {("ULN", "invalid-uln")}),
        ({"ULN": "9999999999", "FundModel": 99}, set()),  # funded learners: ULN_03 below
        ({"ULN": 1234567899}, set()),
        ({"ULN": None}, {("ULN", "required")}),
    ],
)
def test_uln_in_the_sheet(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """The ULN column reports invalid-uln on the cell; an empty ULN is required."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("ulns", "references", "expected"),
    [
        (["1234567899", "2000000001"], ["A", "B"], set()),
        (["1234567899", "1234567899"], ["A", "B"], {(3, "ULN", "duplicate-uln")}),
        (["1234567899", 1234567899], ["A", "B"], {(3, "ULN", "duplicate-uln")}),
        (["9999999999", "9999999999"], ["A", "B"], set()),
        (["9999999999", 9999999999], ["A", "B"], set()),
        # the same reference twice is a duplicate reference, not a ULN conflict
        (
            ["1234567899", "1234567899"],
            ["A", "a"],
            {(3, "LearnRefNumber", "duplicate-learn-ref-number")},
        ),
        (
            ["1234567899", "1234567899", "1234567899"],
            ["A", "B", "C"],
            {(3, "ULN", "duplicate-uln"), (4, "ULN", "duplicate-uln")},
        ),
    ],
)
def test_same_uln_on_two_references(
    ulns: list[Any], references: list[str], expected: set[tuple[int, str, str]]
) -> None:
    """One ULN on two different LearnRefNumbers is an error; the temporary ULN is exempt
    (R59). FundModel 99: the temporary ULN is allowed there (ULN_03 is tested below)."""
    rows = learners(
        *(
            {"ULN": u, "LearnRefNumber": r, "AimSeqNumber": n, "FundModel": 99}
            for n, (u, r) in enumerate(zip(ulns, references, strict=True), start=1)
        )
    )
    assert found(rows) == expected


# --------------------------------------------------------------------------- other cells


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"LearnAimRef": "60012345"}, set()),
        ({"LearnAimRef": "ZPROG00"}, {("LearnAimRef", "invalid-learn-aim-ref")}),
        ({"LearnAimRef": "ZPROG0011"}, {("LearnAimRef", "invalid-learn-aim-ref")}),
        ({"LearnAimRef": "ZPROG-01"}, {("LearnAimRef", "invalid-learn-aim-ref")}),
        ({"LearnAimRef": None}, {("LearnAimRef", "required")}),
        (
            {"FamilyName": None, "GivenNames": "  "},
            {("FamilyName", "required"), ("GivenNames", "required")},
        ),
        # a real ULN needs a date of birth (DateOfBirth_24); the temporary one does not
        ({"DateOfBirth": None}, {("DateOfBirth", "date-of-birth-required")}),
        ({"DateOfBirth": None, "ULN": "9999999999", "FundModel": 99}, set()),
    ],
)
def test_aim_reference_and_required_cells(
    change: Mapping[str, Any], expected: set[tuple[str, str]]
) -> None:
    """LearnAimRef is 8 letters or digits; names are required, the date of birth is not."""
    assert found_one(change) == expected


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"LearnStartDate": "29/2/2024"}, set()),
        ({"LearnStartDate": "29/2/2025"}, {("LearnStartDate", "invalid-date")}),
        ({"LearnStartDate": "2024-09-01"}, {("LearnStartDate", "invalid-date")}),
        ({"LearnStartDate": dt.datetime(2024, 9, 1)}, set()),
        ({"LearnStartDate": dt.datetime(2024, 9, 1, 9, 30)}, {("LearnStartDate", "invalid-date")}),
        ({"DateOfBirth": "29/2/2000"}, set()),
        ({"DateOfBirth": "29/2/1900"}, {("DateOfBirth", "invalid-date")}),  # 1900 not leap
        ({"DateOfBirth": "15/6/1955"}, set()),  # adult learners: before 1970 is fine
        ({"DateOfBirth": dt.date(1955, 6, 15)}, set()),
        ({"DateOfBirth": "1/1/1900"}, {("DateOfBirth", "implausible-age")}),  # DateOfBirth_04
        ({"DateOfBirth": "31/12/1899"}, {("DateOfBirth", "invalid-date")}),
        ({"DateOfBirth": "1990-02-01"}, {("DateOfBirth", "invalid-date")}),
        ({"DateOfBirth": "1/2/90"}, {("DateOfBirth", "invalid-date")}),
    ],
)
def test_date_cells(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """Dates are d/m/yyyy or real date cells; birth dates go back to 1900."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({**ENDED, "LearnActEndDate": "1/9/2024"}, set()),  # same day as the start
        ({**ENDED, "LearnActEndDate": "31/8/2024"}, {("LearnActEndDate", "end-before-start")}),
        ({"LearnPlanEndDate": "1/9/2024"}, set()),
        ({"LearnPlanEndDate": "31/8/2024"}, {("LearnPlanEndDate", "end-before-start")}),
        ({"LearnPlanEndDate": "31/8/2034"}, set()),
        ({"LearnPlanEndDate": "1/9/2034"}, {("LearnPlanEndDate", "planned-duration-too-long")}),
        # 10 years after 29/2/2024 is taken as 28/2/2034 (as .NET's AddYears does)
        ({"LearnStartDate": "29/2/2024", "LearnPlanEndDate": "27/2/2034"}, set()),
        (
            {"LearnStartDate": "29/2/2024", "LearnPlanEndDate": "28/2/2034"},
            {("LearnPlanEndDate", "planned-duration-too-long")},
        ),
        ({"LearnStartDate": "28/2/2023", "LearnPlanEndDate": "27/2/2033"}, set()),
        (
            {"LearnStartDate": "28/2/2023", "LearnPlanEndDate": "28/2/2033"},
            {("LearnPlanEndDate", "planned-duration-too-long")},
        ),
    ],
)
def test_end_dates_against_start(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """End dates not before the start; the planned end less than 10 years after it."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({**ENDED, "AchDate": "30/6/2025"}, set()),
        ({**ENDED, "AchDate": "29/6/2025"}, {("AchDate", "achievement-date-order")}),
        # before both: reported once, against the actual end date
        ({**ENDED, "AchDate": "1/8/2024"}, {("AchDate", "achievement-date-order")}),
        # a continuing learner has no Outcome, so Outcome_04 objects to the AchDate too
        (
            {"AchDate": "1/10/2024"},
            {
                ("AchDate", "achievement-without-end"),
                ("Outcome", "achievement-needs-outcome-achieved"),
            },
        ),
        (
            {"AchDate": "1/8/2024"},
            {
                ("AchDate", "achievement-without-end"),
                ("AchDate", "achievement-date-order"),
                ("Outcome", "achievement-needs-outcome-achieved"),
            },
        ),
    ],
)
def test_achievement_date(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """AchDate not before the start or the actual end, and never without an actual end."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"LearnStartDate": "1/10/2025", "LearnPlanEndDate": "1/10/2026"}, set()),
        # LearnStartDate is compared with the collection year, not the preparation date
        ({"LearnStartDate": "2/10/2025", "LearnPlanEndDate": "1/10/2026"}, set()),
        ({"LearnPlanEndDate": "31/7/2030"}, set()),  # a planned end may well be in the future
        ({**ENDED, "LearnActEndDate": "1/10/2025"}, set()),
        ({**ENDED, "LearnActEndDate": "2/10/2025"}, {("LearnActEndDate", "future-date")}),
        (
            {**ENDED, "AchDate": "2/10/2025"},
            {("AchDate", "future-date"), ("AchDate", "late-achievement-period")},
        ),
        # DateOfBirth too (DateOfBirth_27, LearnStartDate_05)
        (
            {"DateOfBirth": "2/10/2025"},
            {("DateOfBirth", "birth-in-collection-year"), ("DateOfBirth", "born-after-start")},
        ),
    ],
)
def test_no_date_after_the_file_preparation_date(
    change: Mapping[str, Any], expected: set[tuple[str, str]]
) -> None:
    """LearnActEndDate and AchDate after --import-date are errors (LearnActEndDate_04,
    AchDate_07); the planned end date may be in the future."""
    assert found_one(change) == expected


# --------------------------------------------------------------------------- CompStatus/Outcome


@pytest.mark.parametrize(
    ("status", "end", "outcome", "expected"),
    [
        (1, None, None, set()),
        ("1", None, None, set()),  # text cell
        (1, "30/6/2025", None, {("LearnActEndDate", "end-date-not-allowed")}),
        (1, None, 8, {("Outcome", "outcome-not-allowed")}),
        (
            2,
            None,
            None,
            {("LearnActEndDate", "end-date-required"), ("Outcome", "outcome-required")},
        ),
        (2, "30/6/2025", None, {("Outcome", "outcome-required")}),
        (2, None, 1, {("LearnActEndDate", "end-date-required")}),
        (2, "30/6/2025", 1, set()),
        (2, "30/6/2025", 2, set()),
        (2, "30/6/2025", 3, set()),
        (2, "30/6/2025", 8, set()),
        (3, "30/6/2025", 1, {("Outcome", "outcome-status-conflict")}),
        (3, "30/6/2025", 8, {("Outcome", "outcome-status-conflict")}),
        (3, "30/6/2025", 2, set()),
        (3, "30/6/2025", 3, set()),
        (6, "30/6/2025", 1, {("Outcome", "outcome-status-conflict")}),
        (6, "30/6/2025", "8", {("Outcome", "outcome-status-conflict")}),
        (6, "30/6/2025", 3, set()),
        (
            6,
            None,
            None,
            {("LearnActEndDate", "end-date-required"), ("Outcome", "outcome-required")},
        ),
        (4, None, None, {("CompStatus", "unknown-comp-status")}),
        ("x", None, None, {("CompStatus", "unknown-comp-status")}),
        (2, "30/6/2025", 4, {("Outcome", "unknown-outcome")}),
        (2, "30/6/2025", 1.5, {("Outcome", "unknown-outcome")}),
        (None, None, None, {("CompStatus", "required")}),
    ],
)
def test_comp_status_and_outcome(
    status: Any, end: str | None, outcome: Any, expected: set[tuple[str, str]]
) -> None:
    """The consistency rules of issue 6 between CompStatus, LearnActEndDate and Outcome."""
    change = {"CompStatus": status, "LearnActEndDate": end, "Outcome": outcome}
    assert found_one(change) == expected


# --------------------------------------------------------------------------- collection periods


@pytest.mark.parametrize(
    ("day", "period", "label"),
    [
        (dt.date(2025, 8, 1), (2025, 1), "R01 2025/26"),
        (dt.date(2025, 7, 31), (2024, 12), "R12 2024/25"),
        (dt.date(2024, 2, 29), (2023, 7), "R07 2023/24"),
        (dt.date(2025, 1, 1), (2024, 6), "R06 2024/25"),
        (dt.date(2024, 12, 31), (2024, 5), "R05 2024/25"),
        (dt.date(2099, 9, 1), (2099, 2), "R02 2099/00"),
    ],
)
def test_collection_period(day: dt.date, period: tuple[int, int], label: str) -> None:
    """Academic year 1 August to 31 July, R01 = August ... R12 = July."""
    assert collection_period(day) == period
    assert period_label(period) == label


@pytest.mark.parametrize(
    ("end", "achieved", "expected"),
    [
        ("31/7/2025", "31/7/2025", set()),  # same day: nothing to say
        ("31/7/2025", "1/8/2025", {("AchDate", "late-achievement-period")}),
        ("1/7/2025", "31/7/2025", {("AchDate", "late-achievement")}),
        ("31/8/2024", "1/9/2024", {("AchDate", "late-achievement-period")}),
        ("1/8/2024", "31/8/2024", {("AchDate", "late-achievement")}),
        ("31/7/2024", "31/7/2025", {("AchDate", "late-achievement-period")}),  # R12 a year on
        ("28/2/2025", "1/3/2025", {("AchDate", "late-achievement-period")}),
        ("1/2/2024", "29/2/2024", {("AchDate", "late-achievement")}),
    ],
)
def test_late_notified_achievements(
    end: str, achieved: str, expected: set[tuple[str, str]]
) -> None:
    """AchDate later than LearnActEndDate counts for the return: a warning when that moves the
    row into another collection period, an info otherwise."""
    change = {**ENDED, "LearnStartDate": "1/9/2023", "LearnActEndDate": end, "AchDate": achieved}
    assert found_one(change) == expected


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (dt.date(2024, 2, 29), 10, dt.date(2034, 2, 28)),
        (dt.date(2024, 2, 29), 4, dt.date(2028, 2, 29)),
        (dt.date(2024, 3, 1), 10, dt.date(2034, 3, 1)),
        (dt.date(2024, 2, 29), -1, dt.date(2023, 2, 28)),
    ],
)
def test_add_years(day: dt.date, years: int, expected: dt.date) -> None:
    """Whole years; 29 February becomes 28 February in a year without one."""
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(1960, 5, 1), dt.date(1960, 5, 1)),
        (dt.datetime(1960, 5, 1), dt.date(1960, 5, 1)),
        ("1/5/1960", dt.date(1960, 5, 1)),
        ("31/12/1969", dt.date(1969, 12, 31)),
        ("1/1/1970", dt.date(1970, 1, 1)),
        ("31/2/1960", None),
        ("1960-05-01", None),
        (dt.datetime(1960, 5, 1, 12, 0), None),
        ("31/12/1899", None),
    ],
)
def test_dmy_date_with_an_earlier_floor(value: Any, expected: dt.date | None) -> None:
    """dmy-date's rules with an earlier floor (here 1/1/1900, for birth dates)."""
    assert dmy_date(value, {"earliest": "1900-01-01"}).typed == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-01", dt.date(2025, 8, 1)),
        ("2025-08-01T00:00:00", dt.date(2025, 8, 1)),
        ("2025-08-01 13:45", dt.date(2025, 8, 1)),
        ("1/8/2025", dt.date(2025, 8, 1)),
        (dt.datetime(2025, 8, 1, 13, 45), dt.date(2025, 8, 1)),
        ("2025-02-30", None),
        ("next week", None),
        (45870, None),
    ],
)
def test_export_date_is_lenient(value: Any, expected: dt.date | None) -> None:
    """The old system's export may write ISO dates and times; we only need the day."""
    assert export_date(value, {}).typed == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Zoë", "ZOE", True),
        ("O'Brien", "obrien", True),
        ("Smith-Jones", "Smith Jones", True),
        ("  Ann  ", "ann", True),
        ("Ann", "Anne", False),
    ],
)
def test_fold_name(a: str, b: str, same: bool) -> None:
    """Names compare without accents, case, spaces, hyphens or apostrophes."""
    assert (fold_name(a) == fold_name(b)) is same


def test_every_message_of_the_pack_fills() -> None:
    """One sheet with a problem of every row-level kind: each rule's message is complete."""
    rows = learners(
        {"LearnRefNumber": "BAD-REF", "ULN": "1234567898", "LearnAimRef": "X"},
        {"LearnRefNumber": "bad-ref", "PrevLearnRefNumber": "TOO LONG 1234"},
        {"ULN": "2000000001", "GivenNames": "Amy  Lee"},
        {"ULN": "2000000001", "FamilyName": None, "CompStatus": 9},
        {**ENDED, "LearnActEndDate": "1/8/2024", "AchDate": "2/10/2025", "Outcome": 7},
        {"LearnPlanEndDate": "1/1/2040", "DateOfBirth": "1/2/03", "AchDate": "1/10/2024"},
        {"CompStatus": 3, "LearnActEndDate": "30/6/2025", "Outcome": 8},
        {"CompStatus": 1, "LearnActEndDate": "30/6/2025", "Outcome": 2},
        {"CompStatus": 2},
        {**ENDED, "LearnActEndDate": "1/7/2025", "AchDate": "2/7/2025"},
        {**ENDED, "AchDate": "1/6/2025"},
        {"FamilyName": "Smith2", "FundModel": 45, "DateOfBirth": "1/8/1910"},
        {**ENDED, "Outcome": 2, "AchDate": "30/6/2025", "AimType": 4},
        {"ULN": "9999999999", "LearnStartDate": "31/7/2015", "LearnPlanEndDate": "1/7/2016"},
        {"ULN": "1234567899", "DateOfBirth": None, "ProgType": None, "LearnStartDate": "1/8/2026"},
        {"DateOfBirth": "1/8/2025", "LearnStartDate": "1/8/2025", "LearnPlanEndDate": "1/7/2026"},
        {"LearnRefNumber": "L0001", "ULN": "1234567899", "AimSeqNumber": 2},
        {"LearnRefNumber": "L0001", "ULN": "1234567899", "AimSeqNumber": 2},
    )
    issues = check_table(load_pack(PACK), table(rows), Context(import_date=IMPORT_DATE))
    rules = {i.rule for i in issues}
    against_only = {
        "against-column-missing",
        "learn-ref-number-reused",
        "prev-learn-ref-number-mismatch",
        "missing-learner",
        "missing-column",
        "ilr-columns-absent",  # about the file: tested with a sheet lacking the columns
        "no-rows",  # these rows are data
    }
    assert rules == set(load_pack(PACK).rules) - against_only
    assert all("{" not in i.message for i in issues)


def test_missing_column_is_reported_on_the_header_row() -> None:
    """A sheet without AchDate: one missing-column on the header row; rules reading AchDate
    are skipped rather than guessed."""
    header = [h for h in HEADER if h != "AchDate"]
    issues = check_table(
        load_pack(PACK), table(learners({}), header), Context(import_date=IMPORT_DATE)
    )
    assert {(i.row, i.column, i.rule) for i in issues} == {(1, "AchDate", "missing-column")}


def test_sample_rows_hold_exactly_the_planted_problems() -> None:
    """The bundled sample's generator: every planted problem is found on its row, and no
    other row has any issue (so the sample teaches exactly what it says)."""
    from sheetcheck.template.sample_ilr import ilr_sample

    pack = load_pack(PACK)
    data = ilr_sample(pack)
    rows = [dict(zip(HEADER, row, strict=True)) for row in data.rows]
    issues = check_table(pack, table(rows), Context(import_date=data.import_date))
    by_row: dict[int, set[str]] = {}
    for issue in issues:
        by_row.setdefault(issue.row - 2, set()).add(issue.rule)
    assert by_row == {offset: set(rules) for offset, rules in data.planted.items()}
    row_level = set(pack.rules) - {
        "missing-column",
        "no-rows",
        "against-column-missing",
        "learn-ref-number-reused",
        "prev-learn-ref-number-mismatch",
        "missing-learner",
        "ilr-columns-absent",  # about the file: the sample has every column
    }
    assert {rule for rules in data.planted.values() for rule in rules} == row_level


def _custom_pack() -> Any:
    """A pack of another field reusing the generic functions: NHS numbers and a course that
    must end within a year of its start."""
    from sheetcheck.packs import compile_pack

    def rule(severity: str) -> dict[str, str]:
        return {"severity": severity, "title": "t", "message": "m", "why": "w", "fix": "f"}

    date = {"function": "dmy-date", "rule": "invalid-date"}
    return compile_pack(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Patients",
            "type": "object",
            "properties": {
                "NHS": {
                    "description": "NHS number",
                    "x-sheetcheck": {
                        "function": "checksum-mod11",
                        "args": {"weights": [10, 9, 8, 7, 6, 5, 4, 3, 2], "offset": 11},
                        "rule": "invalid-nhs",
                    },
                },
                "Name": {"description": "name", "type": "string", "x-sheetcheck": {}},
                "Start": {"description": "start", "x-sheetcheck": date},
                "End": {"description": "end", "x-sheetcheck": date},
            },
            "x-sheetcheck": {
                "version": 1,
                "name": "patients",
                "checks": [
                    {
                        "rule": "too-long",
                        "function": "date-compare",
                        "args": {"column": "End", "op": "<=", "other": "Start", "years": 1},
                    },
                    {
                        "rule": "nhs-conflict",
                        "function": "conflicting-values",
                        "args": {"key": ["NHS"], "differ": ["Name"], "ignore_case": True},
                    },
                ],
                "rules": {
                    r: rule("error")
                    for r in (
                        "missing-column",
                        "invalid-nhs",
                        "invalid-date",
                        "too-long",
                        "nhs-conflict",
                    )
                },
            },
        },
        "patients",
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("9434765919", "Ann", "1/3/2024", "1/3/2025")], set()),
        ([("9434765919", "Ann", "1/3/2024", "2/3/2025")], {(2, "End", "too-long")}),
        ([("9434765919", "Ann", "29/2/2024", "28/2/2025")], set()),
        ([("9434765919", "Ann", "29/2/2024", "1/3/2025")], {(2, "End", "too-long")}),
        ([("9434765918", "Ann", None, None)], {(2, "NHS", "invalid-nhs")}),
        (
            [("9434765919", "Ann", None, None), ("9434765919", "ANN", None, None)],
            set(),
        ),
        (
            [("9434765919", "Ann", None, None), ("9434765919", "Bob", None, None)],
            {(3, "NHS", "nhs-conflict")},
        ),
    ],
)
def test_generic_functions_in_another_pack(
    rows: list[tuple[Any, ...]], expected: set[tuple[int, str, str]]
) -> None:
    """checksum-mod11, date-compare and conflicting-values serve other packs unchanged."""
    header = ["NHS", "Name", "Start", "End"]
    data = [dict(zip(header, row, strict=True)) for row in rows]
    issues = check_table(_custom_pack(), table(data, header), Context(import_date=IMPORT_DATE))
    assert {(i.row, i.column, i.rule) for i in issues} == expected


# --------------------------------------------------------------------------- learners and aims
# Rows sharing a LearnRefNumber are one learner's learning aims (one row per LearningDelivery).

SECOND_AIM = {"LearnAimRef": "60012345", "AimSeqNumber": 2, "AimType": 4, "ProgType": None}


def one_learner(*aims: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One learner (the valid base) with one row per aim, each aim's changes applied."""
    return [{**VALID, **aim} for aim in aims]


@pytest.mark.parametrize(
    ("aims", "expected"),
    [
        # R06 per learner: two aims of one learner are not a duplicate reference
        (({}, SECOND_AIM), set()),
        (({}, SECOND_AIM, {**SECOND_AIM, "AimSeqNumber": 3}), set()),
        # the case of the details is not a conflict
        (({}, {**SECOND_AIM, "FamilyName": "SMITH", "GivenNames": "ann"}), set()),
        # written two ways: two ILR learners with one reference (R06)
        (
            ({}, {**SECOND_AIM, "LearnRefNumber": "l0001"}),
            {(3, "LearnRefNumber", "duplicate-learn-ref-number")},
        ),
        # learner-level fields must agree: each conflict names the cell, and the first row
        (({}, {**SECOND_AIM, "ULN": "2000000001"}), {(3, "ULN", "learner-details-conflict")}),
        (
            ({}, {**SECOND_AIM, "DateOfBirth": "2/1/1990"}),
            {(3, "DateOfBirth", "learner-details-conflict")},
        ),
        (
            ({}, {**SECOND_AIM, "FamilyName": "Smyth"}),
            {(3, "FamilyName", "learner-details-conflict")},
        ),
        (
            ({}, {**SECOND_AIM, "GivenNames": "Anne"}),
            {(3, "GivenNames", "learner-details-conflict")},
        ),
        (
            ({}, {**SECOND_AIM, "PrevLearnRefNumber": "OLD1"}),
            {(3, "PrevLearnRefNumber", "learner-details-conflict")},
        ),
        # an empty value on one row against a value on another is a conflict too
        (
            ({}, {**SECOND_AIM, "DateOfBirth": None}),
            {
                (3, "DateOfBirth", "learner-details-conflict"),
                (3, "DateOfBirth", "date-of-birth-required"),
            },
        ),
        (
            ({}, {**SECOND_AIM, "ULN": "2000000001", "FamilyName": "Jones"}),
            {(3, "ULN", "learner-details-conflict"), (3, "FamilyName", "learner-details-conflict")},
        ),
        # every later row is compared with the learner's first row
        (
            ({}, SECOND_AIM, {**SECOND_AIM, "AimSeqNumber": 3, "GivenNames": "Anne"}),
            {(4, "GivenNames", "learner-details-conflict")},
        ),
        # R07: one learner's aims have distinct AimSeqNumbers (a learner exported twice)
        (
            ({}, {**SECOND_AIM, "AimSeqNumber": 1}),
            {(3, "AimSeqNumber", "duplicate-aim-seq-number")},
        ),
        (({}, {**SECOND_AIM, "AimSeqNumber": None}), set()),
    ],
)
def test_a_learner_with_several_aims(
    aims: Sequence[Mapping[str, Any]], expected: set[tuple[int, str, str]]
) -> None:
    """Learner-level fields agree across a learner's rows; aims are numbered apart."""
    assert found(one_learner(*aims)) == expected


def test_aim_level_rules_work_per_row() -> None:
    """Each aim's own dates and statuses are checked on its own row."""
    rows = one_learner({}, {**SECOND_AIM, "LearnPlanEndDate": "1/8/2024"})
    assert found(rows) == {(3, "LearnPlanEndDate", "end-before-start")}


def test_a_conflict_names_both_rows() -> None:
    """The message of a conflict names the field, both values and the learner's first row."""
    rows = one_learner({}, {**SECOND_AIM, "DateOfBirth": "2/1/1990"})
    [issue] = check_table(load_pack(PACK), table(rows), Context(import_date=IMPORT_DATE))
    assert issue.cell == "F3"
    assert "differs from 1/2/1990 on row 2" in issue.what
    assert "LearnRefNumber L0001" in issue.what


@pytest.mark.parametrize(
    ("ulns", "references", "expected"),
    [
        # R59 per learner: learner B with two aims sharing A's ULN is one finding
        (
            ["1234567899", "1234567899", "1234567899"],
            ["A", "B", "B"],
            {(3, "ULN", "duplicate-uln")},
        ),
        # two aims of one learner with one ULN: nothing
        (["1234567899", "1234567899"], ["A", "A"], set()),
        # the temporary ULN never makes two learners one (R59 excludes it)
        (["9999999999"] * 3, ["A", "B", "B"], set()),
    ],
)
def test_uln_unique_across_learners_not_rows(
    ulns: list[str], references: list[str], expected: set[tuple[int, str, str]]
) -> None:
    """R59 compares learners: one finding per other learner, not one per aim row."""
    rows = [
        {**VALID, "ULN": u, "LearnRefNumber": r, "AimSeqNumber": n, "FundModel": 99}
        for n, (u, r) in enumerate(zip(ulns, references, strict=True), start=1)
    ]
    assert found(rows) == expected


# --------------------------------------------------------------------------- ESFA rules


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # Outcome_04: an AchDate needs Outcome 1
        ({**ENDED, "AchDate": "30/6/2025"}, set()),
        (
            {**ENDED, "Outcome": 2, "AchDate": "30/6/2025"},
            {("Outcome", "achievement-needs-outcome-achieved")},
        ),
        (
            {**ENDED, "Outcome": 3, "AchDate": "30/6/2025"},
            {("Outcome", "achievement-needs-outcome-achieved")},
        ),
        (
            {**ENDED, "Outcome": 8, "AchDate": "30/6/2025"},
            {("Outcome", "achievement-needs-outcome-achieved")},
        ),
        ({**ENDED, "Outcome": 2}, set()),  # no AchDate: nothing to say
        # ...except on an apprenticeship standard (ProgType 25 with FundModel 36)
        (
            {**ENDED, "Outcome": 2, "AchDate": "30/6/2025", "ProgType": 25, "FundModel": 36},
            set(),
        ),
        # both are needed for the exemption
        (
            {**ENDED, "Outcome": 2, "AchDate": "30/6/2025", "ProgType": 25, "FundModel": 81},
            {("Outcome", "achievement-needs-outcome-achieved")},
        ),
    ],
)
def test_outcome_04(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """Outcome_04: AchDate only with Outcome 1 (achieved), apprenticeship standards exempt."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # AchDate_09: only a traineeship or standard programme aim may carry an AchDate
        ({**ENDED, "AchDate": "30/6/2025"}, set()),  # traineeship programme aim (base)
        ({**ENDED, "AchDate": "30/6/2025", "ProgType": 25, "FundModel": 36}, set()),
        ({**ENDED, "AchDate": "30/6/2025", "ProgType": 25, "FundModel": 81}, set()),
        (
            {**ENDED, "AchDate": "30/6/2025", "ProgType": 25, "FundModel": 35},
            {("AchDate", "achievement-date-not-allowed")},
        ),
        (
            {**ENDED, "AchDate": "30/6/2025", "AimType": 3},
            {("AchDate", "achievement-date-not-allowed")},
        ),
        (
            {**ENDED, "AchDate": "30/6/2025", "AimType": 4, "ProgType": None},
            {("AchDate", "achievement-date-not-allowed")},
        ),
        (
            {**ENDED, "AchDate": "30/6/2025", "ProgType": 2},
            {("AchDate", "achievement-date-not-allowed")},
        ),
        ({**ENDED, "AimType": 4, "ProgType": None}, set()),  # no AchDate
    ],
)
def test_achdate_09(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """AchDate_09: AimType 1 with ProgType 24, or ProgType 25 with FundModel 36 or 81."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # DateOfBirth_24: a real ULN needs a date of birth; the temporary one does not
        ({"DateOfBirth": None}, {("DateOfBirth", "date-of-birth-required")}),
        ({"DateOfBirth": None, "ULN": "9999999999", "FundModel": 99}, set()),
        ({"DateOfBirth": None, "ULN": None}, {("ULN", "required")}),
        ({"DateOfBirth": "1/2/1990"}, set()),
    ],
)
def test_dateofbirth_24(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """DateOfBirth_24: ULN other than 9999999999 and no DateOfBirth."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # LearnStartDate_05: the date of birth must be before the start
        ({"DateOfBirth": "31/8/2024"}, set()),
        ({"DateOfBirth": "1/9/2024"}, {("DateOfBirth", "born-after-start")}),  # the same day
        ({"DateOfBirth": "2/9/2024"}, {("DateOfBirth", "born-after-start")}),
    ],
)
def test_learnstartdate_05(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """LearnStartDate_05: DateOfBirth >= LearnStartDate is an error (start 1/9/2024)."""
    assert found_one(change) == expected


# Collection year 2025-26 (1/8/2025 to 31/7/2026): from the import date 1/10/2025.


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # LearnStartDate_02: not more than 10 years before the year's start (1/8/2015)
        ({"LearnStartDate": "1/8/2015", "LearnPlanEndDate": "31/7/2016"}, set()),
        (
            {"LearnStartDate": "31/7/2015", "LearnPlanEndDate": "31/7/2016"},
            {("LearnStartDate", "start-too-early")},
        ),
        # LearnStartDate_03: not after the year's end (31/7/2026), later this year is fine
        ({"LearnStartDate": "31/7/2026", "LearnPlanEndDate": "1/8/2027", "ProgType": None}, set()),
        (
            {"LearnStartDate": "1/8/2026", "LearnPlanEndDate": "1/8/2027", "ProgType": None},
            {("LearnStartDate", "start-after-collection-year")},
        ),
        # ...apprenticeships (DD07) and traineeships (24) are exempt
        ({"LearnStartDate": "1/8/2026", "LearnPlanEndDate": "1/8/2027", "ProgType": 24}, set()),
        ({"LearnStartDate": "1/8/2026", "LearnPlanEndDate": "1/8/2027", "ProgType": 25}, set()),
        ({"LearnStartDate": "1/8/2026", "LearnPlanEndDate": "1/8/2027", "ProgType": 3}, set()),
        (
            {"LearnStartDate": "1/8/2026", "LearnPlanEndDate": "1/8/2027", "ProgType": 31},
            {("LearnStartDate", "start-after-collection-year")},
        ),
        # DateOfBirth_27: not born on or after the year's start
        (
            {
                "DateOfBirth": "31/7/2025",
                "LearnStartDate": "1/9/2025",
                "LearnPlanEndDate": "1/7/2026",
            },
            set(),
        ),
        (
            {
                "DateOfBirth": "1/8/2025",
                "LearnStartDate": "1/9/2025",
                "LearnPlanEndDate": "1/7/2026",
            },
            {("DateOfBirth", "birth-in-collection-year")},
        ),
        # DateOfBirth_04: 115 or older at the year's start (1/8/2025) is implausible
        ({"DateOfBirth": "2/8/1910"}, set()),
        ({"DateOfBirth": "1/8/1910"}, {("DateOfBirth", "implausible-age")}),
    ],
)
def test_rules_against_the_collection_year(
    change: Mapping[str, Any], expected: set[tuple[str, str]]
) -> None:
    """LearnStartDate_02/03, DateOfBirth_27 and _04 compare with the collection year."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("year", "change", "expected"),
    [
        # an explicit collection year wins over the import date's
        (
            "2026-27",
            {"LearnStartDate": "1/8/2026", "LearnPlanEndDate": "1/8/2027", "ProgType": None},
            set(),
        ),
        (
            "2024-25",
            {"LearnStartDate": "1/8/2025", "LearnPlanEndDate": "1/8/2026", "ProgType": None},
            {("LearnStartDate", "start-after-collection-year")},
        ),
        (
            "2024-25",
            {"LearnStartDate": "31/7/2014", "LearnPlanEndDate": "1/8/2016"},
            {("LearnStartDate", "start-too-early")},
        ),
        ("2024-25", {"LearnStartDate": "1/8/2014", "LearnPlanEndDate": "1/8/2016"}, set()),
    ],
)
def test_the_collection_year_option(
    year: str, change: Mapping[str, Any], expected: set[tuple[str, str]]
) -> None:
    """``collection_year`` in the options moves the year the rules compare with."""
    issues = check_table(
        load_pack(PACK),
        table(learners(change)),
        Context(import_date=IMPORT_DATE, options={"collection_year": year}),
    )
    assert {(i.column, i.rule) for i in issues} == expected


@pytest.mark.parametrize(
    ("import_date", "change", "expected"),
    [
        # ULN_03: the temporary ULN on a funded aim, in a return prepared before 1 January
        (dt.date(2025, 12, 31), {"ULN": "9999999999"}, {("ULN", "temporary-uln-not-allowed")}),
        (
            dt.date(2025, 8, 1),
            {"ULN": "9999999999", "FundModel": 36},
            {("ULN", "temporary-uln-not-allowed")},
        ),
        (dt.date(2026, 1, 1), {"ULN": "9999999999"}, set()),  # from 1 January: not ULN_03
        (dt.date(2025, 10, 1), {"ULN": "9999999999", "FundModel": 99}, set()),  # not funded
        (dt.date(2025, 10, 1), {"ULN": "9999999999", "FundModel": 10}, set()),  # community
        (dt.date(2025, 10, 1), {"ULN": "1234567899"}, set()),
    ],
)
def test_uln_03(
    import_date: dt.date, change: Mapping[str, Any], expected: set[tuple[str, str]]
) -> None:
    """ULN_03: 9999999999 with FundModel 25, 35, 36, 70, 81 or 82 before 1 January."""
    issues = check_table(load_pack(PACK), table(learners(change)), Context(import_date=import_date))
    assert {(i.column, i.rule) for i in issues} == expected


def test_uln_03_once_per_learner() -> None:
    """A learner with two funded aims and the temporary ULN is one finding."""
    rows = one_learner({"ULN": "9999999999"}, {**SECOND_AIM, "ULN": "9999999999"})
    assert found(rows) == {(2, "ULN", "temporary-uln-not-allowed")}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # the XSD's FamilyName/GivenNames: 1 to 100 characters, no digits, CR, LF, tab, | or "
        ({"FamilyName": "O'Brien-Smith"}, set()),
        ({"FamilyName": "Zoë Müller"}, set()),
        ({"FamilyName": "x" * 100}, set()),
        ({"FamilyName": "x" * 101}, {("FamilyName", "invalid-name")}),
        ({"FamilyName": "Smith2"}, {("FamilyName", "invalid-name")}),
        ({"GivenNames": "Ann|Marie"}, {("GivenNames", "invalid-name")}),
        ({"GivenNames": 'Ann "Annie"'}, {("GivenNames", "invalid-name")}),
        ({"GivenNames": "Ann\tMarie"}, {("GivenNames", "invalid-name")}),
        ({"GivenNames": "Ann\nMarie"}, {("GivenNames", "invalid-name")}),
    ],
)
def test_names_as_the_xsd_restricts_them(
    change: Mapping[str, Any], expected: set[tuple[str, str]]
) -> None:
    """FamilyName and GivenNames follow the ILR schema's pattern."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # FundModel_01, ProgType_01, AimType_01: the code lists
        ({"FundModel": 45}, {("FundModel", "unknown-ilr-code")}),
        ({"ProgType": 26}, {("ProgType", "unknown-ilr-code")}),
        ({"AimType": 2}, {("AimType", "unknown-ilr-code")}),
        ({"AimSeqNumber": 99}, {("AimSeqNumber", "unknown-ilr-code")}),
        ({"AimSeqNumber": 98}, set()),
        ({"FundModel": 36, "ProgType": 25}, set()),
    ],
)
def test_code_lists(change: Mapping[str, Any], expected: set[tuple[str, str]]) -> None:
    """The optional columns accept only the ILR's codes."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # CompStatus_02: no actual end date while continuing, except FundModel 36 or ProgType 25
        ({"LearnActEndDate": "30/6/2025"}, {("LearnActEndDate", "end-date-not-allowed")}),
        ({"LearnActEndDate": "30/6/2025", "FundModel": 36, "ProgType": 2}, set()),
        ({"LearnActEndDate": "30/6/2025", "ProgType": 25, "FundModel": 25}, set()),
        # CompStatus_05: no outcome while continuing, except ProgType 25 with FundModel 36
        ({"Outcome": 8}, {("Outcome", "outcome-not-allowed")}),
        ({"Outcome": 8, "ProgType": 25, "FundModel": 36}, set()),
        ({"Outcome": 8, "ProgType": 25, "FundModel": 81}, {("Outcome", "outcome-not-allowed")}),
        ({"Outcome": 8, "ProgType": 24, "FundModel": 36}, {("Outcome", "outcome-not-allowed")}),
    ],
)
def test_apprenticeship_exemptions(
    change: Mapping[str, Any], expected: set[tuple[str, str]]
) -> None:
    """The CompStatus rules' exemptions, from FundModel and ProgType."""
    assert found_one(change) == expected


@pytest.mark.parametrize(
    ("absent", "change", "expected"),
    [
        # without FundModel/ProgType the exemption cannot be known: the rule does not fire
        (
            ("FundModel", "ProgType"),
            {"LearnActEndDate": "30/6/2025"},
            {(None, "ilr-columns-absent")},
        ),
        (("FundModel", "ProgType"), {"Outcome": 8}, {(None, "ilr-columns-absent")}),
        (
            ("FundModel", "ProgType"),
            {**ENDED, "Outcome": 2, "AchDate": "30/6/2025"},
            {(None, "ilr-columns-absent")},
        ),
        (
            ("AimType",),
            {**ENDED, "AchDate": "30/6/2025", "ProgType": 2},
            {(None, "ilr-columns-absent")},
        ),
        (("FundModel",), {"ULN": "9999999999"}, {(None, "ilr-columns-absent")}),
        (
            ("ProgType",),
            {"LearnStartDate": "1/8/2026", "LearnPlanEndDate": "1/8/2027"},
            {(None, "ilr-columns-absent")},
        ),
        (("AimSeqNumber",), {}, {(None, "ilr-columns-absent")}),
        # rules that need none of them still fire
        (
            ("FundModel", "ProgType", "AimType", "AimSeqNumber"),
            {"CompStatus": 2},
            {
                (None, "ilr-columns-absent"),
                ("LearnActEndDate", "end-date-required"),
                ("Outcome", "outcome-required"),
            },
        ),
    ],
)
def test_absent_optional_columns(
    absent: tuple[str, ...], change: Mapping[str, Any], expected: set[tuple[str | None, str]]
) -> None:
    """An absent optional column: the rules needing it are skipped, said once as an info."""
    header = [h for h in HEADER if h not in absent]
    issues = check_table(
        load_pack(PACK), table(learners(change), header), Context(import_date=IMPORT_DATE)
    )
    assert {(i.column, i.rule) for i in issues} == expected
    [info] = [i for i in issues if i.rule == "ilr-columns-absent"]
    assert info.severity == "info"
    assert all(name in info.what for name in absent)


def test_every_ilr_rule_cites_its_esfa_rule() -> None:
    """Every rule the ESFA also checks cites its ids; sheetcheck's own rules cite none."""
    own = {
        "missing-column",
        "late-achievement-period",
        "late-achievement",
        "against-column-missing",
        "learn-ref-number-reused",
        "prev-learn-ref-number-mismatch",
        "missing-learner",
        "ilr-columns-absent",
        "extra-spaces",
        "no-rows",
    }
    rules = load_pack(PACK).rules
    assert {rid for rid, rule in rules.items() if not rule.esfa} == own
    assert rules["duplicate-learn-ref-number"].esfa == ("R06",)
    assert rules["start-too-early"].esfa == ("LearnStartDate_02",)
