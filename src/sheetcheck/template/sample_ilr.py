"""The bundled ilr-learners sample: a college's learners mid-migration, with planted problems.

Rows are learners of the 2024/25 and 2025/26 academic years with valid ULNs (computed with
the ULN check-digit rule), realistic aims and consistent CompStatus/Outcome/dates; a few rows
then get one problem each, recorded in ``planted`` so tests can prove the checker finds
exactly those. Deterministic: the same code always writes the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from ..dates import format_dmy
from ..packs import RulePack
from .sample import DEMO_IMPORT_DATE, FAMILY_NAMES, GIVEN_NAMES, SampleData, sample_for

_GIVEN = ("Amelia Rose", *GIVEN_NAMES[1:])  # one learner with two given names
_FAMILY = FAMILY_NAMES
_AIMS = ("60146561", "60301206", "50079116", "50091001", "60323445", "Z0001947")
_SAMPLE_ROWS = 120
_COLUMNS = (
    "LearnRefNumber", "PrevLearnRefNumber", "ULN", "FamilyName", "GivenNames", "DateOfBirth",
    "LearnAimRef", "AimSeqNumber", "AimType", "LearnStartDate", "LearnPlanEndDate",
    "LearnActEndDate", "CompStatus", "Outcome", "AchDate", "FundModel", "ProgType",
)  # fmt: skip
# A traineeship's programme aim: the kind of aim that may carry an achievement date (AchDate_09).
_PROGRAMME = {"LearnAimRef": "ZPROG001", "AimType": 1, "ProgType": 24, "FundModel": 25}


def _uln(rng: random.Random) -> str:
    """A random valid ULN: nine digits (first not 0) and the check digit they call for."""
    while True:
        prefix = str(rng.randint(100_000_000, 999_999_999))
        remainder = sum(int(d) * w for d, w in zip(prefix, range(10, 1, -1), strict=True)) % 11
        if remainder:
            return prefix + str(10 - remainder)


def _learner(rng: random.Random, number: int, today: dt.date) -> dict[str, Any]:
    """A learner no rule objects to, started in the last two academic years, on an aim that
    is not part of a programme (the apprentices, with several aims each, come at the end)."""
    start = dt.date(2024, 8, 1) + dt.timedelta(days=rng.randint(20, 600))
    start = min(start, today - dt.timedelta(days=30))
    plan_end = start + dt.timedelta(days=rng.choice((270, 330, 365, 540, 730)))
    born = dt.date(rng.randint(1962, 2009), rng.randint(1, 12), rng.randint(1, 28))
    temporary = rng.random() <= 0.05
    row: dict[str, Any] = {
        "LearnRefNumber": f"NC{24 + (start >= dt.date(2025, 8, 1))}{number:05d}",
        "PrevLearnRefNumber": None,
        "ULN": _uln(rng) if not temporary else "9999999999",
        "FamilyName": rng.choice(_FAMILY),
        "GivenNames": rng.choice(_GIVEN),
        "DateOfBirth": format_dmy(born),
        "LearnAimRef": rng.choice(_AIMS),
        "AimSeqNumber": 1,
        "AimType": 4,
        "LearnStartDate": format_dmy(start),
        "LearnPlanEndDate": format_dmy(plan_end),
        "LearnActEndDate": None,
        "CompStatus": 1,
        "Outcome": None,
        "AchDate": None,
        # Funded learners need a real ULN before January (ULN_03); the temporary one is for
        # learners the ESFA does not fund (99).
        "FundModel": rng.choice((25, 35)) if not temporary else 99,
        "ProgType": None,
    }
    if rng.random() < 0.25:  # migrated with a new reference: the old one carried over
        row["PrevLearnRefNumber"] = f"OLD{number:04d}"
    ended = min(plan_end + dt.timedelta(days=rng.randint(-40, 20)), today - dt.timedelta(days=1))
    if ended > start and rng.random() < 0.45:
        status = rng.choice((2, 2, 2, 3, 6))
        row["CompStatus"] = status
        row["LearnActEndDate"] = format_dmy(ended)
        row["Outcome"] = rng.choice((1, 1, 2, 8)) if status == 2 else 3
    return row


# Planted problems: (rule ids, edit applied to a clean continuing or ended learner).
_Edit = Callable[[dict[str, Any]], None]


def _set(**changes: Any) -> _Edit:
    def edit(row: dict[str, Any]) -> None:
        row.update(changes)

    return edit


def _ended(**changes: Any) -> _Edit:
    """End a continuing learner on 30/6/2026 (completed, achieved), then apply ``changes``."""
    base = {"CompStatus": 2, "LearnActEndDate": "30/6/2026", "Outcome": 1, "AchDate": None}
    base.update(_PROGRAMME)
    base["LearnStartDate"] = "1/9/2025"
    base["LearnPlanEndDate"] = "30/6/2026"
    return _set(**{**base, **changes})


_PLANTED: tuple[tuple[tuple[str, ...], _Edit], ...] = (
    (("invalid-learn-ref-number",), _set(LearnRefNumber="NC25-00412")),
    (("invalid-learn-ref-number",), _set(PrevLearnRefNumber="MIS/2019/0077")),
    (("required",), _set(ULN=None)),
    (("required",), _set(GivenNames=None)),
    (("invalid-uln",), _set(ULN="123456789")),
    (("invalid-uln",), _set(ULN="4871100291")),
    (("invalid-learn-aim-ref",), _set(LearnAimRef="6014656")),
    (("invalid-date",), _set(DateOfBirth="2003-04-17")),
    (("invalid-date",), _set(LearnStartDate="31/9/2025", LearnPlanEndDate="30/6/2026")),
    (("end-before-start",), _set(LearnStartDate="1/9/2025", LearnPlanEndDate="1/7/2025")),
    (("end-before-start",), _ended(LearnActEndDate="15/8/2025")),
    (("planned-duration-too-long",), _set(LearnStartDate="1/9/2025", LearnPlanEndDate="30/6/2036")),
    (("achievement-date-order",), _ended(AchDate="20/6/2026")),
    (
        ("achievement-without-end", "achievement-needs-outcome-achieved"),
        _set(AchDate="15/7/2026", LearnStartDate="1/9/2025", **_PROGRAMME),
    ),
    (("future-date",), _ended(LearnActEndDate="30/11/2026", LearnPlanEndDate="30/11/2026")),
    (("unknown-comp-status",), _set(CompStatus=4)),
    (("unknown-outcome",), _ended(Outcome=5)),
    (("end-date-required",), _ended(LearnActEndDate=None)),
    (("end-date-not-allowed",), _set(LearnActEndDate="30/6/2026", LearnStartDate="1/9/2025")),
    (("outcome-required",), _ended(Outcome=None)),
    (("outcome-not-allowed",), _set(Outcome=8)),
    (("outcome-status-conflict",), _ended(CompStatus=3, Outcome=1)),
    (("outcome-status-conflict",), _ended(CompStatus=6, Outcome=8)),
    (("late-achievement-period",), _ended(LearnActEndDate="28/7/2026", AchDate="14/8/2026")),
    (("late-achievement",), _ended(LearnActEndDate="3/7/2026", AchDate="24/7/2026")),
    (("invalid-name",), _set(FamilyName="Smith2")),
    (("unknown-ilr-code",), _set(FundModel=45)),
    (("achievement-needs-outcome-achieved",), _ended(Outcome=2, AchDate="30/6/2026")),
    (
        ("achievement-date-not-allowed",),
        _ended(AchDate="30/6/2026", LearnAimRef="60146561", AimType=4, ProgType=None),
    ),
    (("date-of-birth-required",), _set(DateOfBirth=None, ULN="1234567899")),
    (("start-too-early",), _set(LearnStartDate="31/7/2016", LearnPlanEndDate="30/6/2017")),
    (
        ("start-after-collection-year",),
        _set(LearnStartDate="1/8/2027", LearnPlanEndDate="30/6/2028"),
    ),
    (
        ("birth-in-collection-year",),
        _set(DateOfBirth="1/8/2026", LearnStartDate="1/9/2026", LearnPlanEndDate="30/6/2027"),
    ),
    (("implausible-age",), _set(DateOfBirth="1/8/1911")),
    (
        ("born-after-start",),
        _set(DateOfBirth="2/9/2025", LearnStartDate="1/9/2025", LearnPlanEndDate="30/6/2026"),
    ),
    (("temporary-uln-not-allowed",), _set(ULN="9999999999", FundModel=35)),
    (("extra-spaces",), _set(FamilyName="Okafor  Reid")),
)


def _apprentice(rng: random.Random, number: int) -> list[dict[str, Any]]:
    """An apprentice on a standard (ProgType 25, FundModel 36): the programme aim and one
    component aim, two rows repeating the learner's details."""
    start = dt.date(2025, 9, 1) + dt.timedelta(days=rng.randint(0, 300))
    learner: dict[str, Any] = {
        "LearnRefNumber": f"AP{number:05d}",
        "PrevLearnRefNumber": None,
        "ULN": _uln(rng),
        "FamilyName": rng.choice(_FAMILY),
        "GivenNames": rng.choice(_GIVEN),
        "DateOfBirth": format_dmy(dt.date(rng.randint(1995, 2008), rng.randint(1, 12), 14)),
        "LearnStartDate": format_dmy(start),
        "LearnPlanEndDate": format_dmy(start + dt.timedelta(days=540)),
        "LearnActEndDate": None,
        "CompStatus": 1,
        "Outcome": None,
        "AchDate": None,
        "FundModel": 36,
        "ProgType": 25,
    }
    return [
        {**learner, "LearnAimRef": "ZPROG001", "AimSeqNumber": 1, "AimType": 1},
        {**learner, "LearnAimRef": "60323445", "AimSeqNumber": 2, "AimType": 3},
    ]


@sample_for("ilr-learners")
def ilr_sample(pack: RulePack) -> SampleData:
    """120 learners; planted problems, then apprentices with two aims each, a reference
    written two ways, a shared ULN and learners whose rows disagree."""
    rng = random.Random("ilr-learners")
    today = DEMO_IMPORT_DATE
    rows = [_learner(rng, number, today) for number in range(1, _SAMPLE_ROWS + 1)]
    planted: dict[int, tuple[str, ...]] = {}
    continuing = [k for k, row in enumerate(rows) if row["CompStatus"] == 1][1::2]
    assert len(continuing) >= len(_PLANTED), "not enough clean rows to plant problems in"
    for (rules, edit), k in zip(_PLANTED, continuing, strict=False):
        edit(rows[k])
        planted[k] = rules
    clean = [k for k in range(len(rows)) if k not in planted and rows[k]["ULN"] != "9999999999"]
    earlier, later, copied = clean[-3], clean[-2], clean[-1]
    rows[later]["ULN"] = rows[earlier]["ULN"]  # reported on the later row
    planted[later] = ("duplicate-uln",)
    twin = {**rows[copied], "LearnRefNumber": rows[copied]["LearnRefNumber"].lower()}
    twin["AimSeqNumber"] = 2  # the learner's second aim, its reference typed in lower case
    rows.append(twin)
    planted[len(rows) - 1] = ("duplicate-learn-ref-number",)
    conflict = {**rows[clean[-4]], "AimSeqNumber": 2, "LearnAimRef": "60301206"}
    conflict["DateOfBirth"] = "2/2/1990"  # typed differently on the learner's second aim
    rows.append(conflict)
    planted[len(rows) - 1] = ("learner-details-conflict",)
    rows.append(dict(rows[clean[-5]]))  # the same aim exported twice
    planted[len(rows) - 1] = ("duplicate-aim-seq-number",)
    for number in range(_SAMPLE_ROWS + 1, _SAMPLE_ROWS + 4):
        rows.extend(_apprentice(rng, number))
    return SampleData(
        rows=[[row[c] for c in _COLUMNS] for row in rows], import_date=today, planted=planted
    )
