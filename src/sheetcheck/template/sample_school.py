"""The bundled certification-registrations and student-roster samples, with planted problems.

Certification: a training provider's programs (Programs sheet) and its students'
registrations. Roster: a secondary school's students by class. Clean rows first, then one
planted problem per listed row, recorded in ``planted`` / ``related_planted`` so tests prove
the checker finds exactly those. Deterministic: the same code always writes the same rows.
Rules that need ``--baseline`` (deletions, renames, look-alikes) are not planted: a sample is
one workbook.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from ..dates import format_dmy
from ..packs import RulePack
from .sample import DEMO_IMPORT_DATE, FAMILY_NAMES, GIVEN_NAMES, SampleData, sample_for

_GIVEN = GIVEN_NAMES
_FAMILY = FAMILY_NAMES

# --------------------------------------------------------------------------- certification

_PROGRAMS = {
    "First Aid at Work": (("Emergency First Aid", "Yes"), ("CPR and AED", "Yes"), ("Paediatric Add-on", "No")),
    "Food Hygiene Level 2": (("Food Safety Principles", "Yes"), ("Allergen Awareness", "Yes")),
    "Health and Safety": (("Risk Assessment", "Yes"), ("Manual Handling", "Yes"), ("Fire Warden", "No")),
}  # fmt: skip
_RESULTS = (
    "Passed",
    "Passed",
    "Passed",
    "Failed",
    "Completed",
    "In Progress",
    "Registered",
    "Withdrawn",
)


def _registration(rng: random.Random, student: str, program: str, component: str) -> list[Any]:
    status = rng.choice(_RESULTS)
    day = DEMO_IMPORT_DATE - dt.timedelta(days=rng.randint(10, 600))
    grade = rng.randint(40, 98) if status == "Passed" else None
    if status == "Failed":
        grade = rng.randint(5, 39)
    return [student, program, component, status, format_dmy(day), grade]


@sample_for("certification-registrations")
def certification(pack: RulePack) -> SampleData:
    """Students of a training provider registered for the components of three programs."""
    rng = random.Random(20261102)
    programs = [[p, c, r] for p, parts in _PROGRAMS.items() for c, r in parts]
    rows: list[list[Any]] = []
    for number in range(1, 31):
        student = f"C{2400 + number}"
        program = rng.choice(list(_PROGRAMS))
        for component, _ in _PROGRAMS[program]:
            rows.append(_registration(rng, student, program, component))
    planted: dict[int, tuple[str, ...]] = {}

    def plant(rules: tuple[str, ...], row: list[Any]) -> None:
        planted[len(rows)] = rules
        rows.append(row)

    plant(
        ("unknown-program",),
        ["C2501", "First Aid @ Work", "CPR and AED", "Registered", "3/3/2026", None],
    )
    plant(
        ("component-not-in-program",),
        ["C2502", "Food Hygiene Level 2", "Manual Handling", "Registered", "4/3/2026", None],
    )
    plant(("duplicate-registration",), list(rows[0]))
    plant(("required",), ["C2503", "Health and Safety", None, "Registered", "5/3/2026", None])
    plant(
        ("invalid-student-id",),
        ["C 2504", "Health and Safety", "Risk Assessment", "Registered", "5/3/2026", None],
    )
    plant(
        ("unknown-status",),
        ["C2505", "Health and Safety", "Risk Assessment", "Booked", "6/3/2026", None],
    )
    plant(
        ("invalid-date",),
        ["C2506", "Health and Safety", "Fire Warden", "Registered", "2026-03-06", None],
    )
    plant(
        ("future-date",),
        ["C2507", "First Aid at Work", "Emergency First Aid", "Registered", "4/12/2026", None],
    )
    plant(
        ("invalid-grade",),
        ["C2508", "First Aid at Work", "CPR and AED", "Passed", "7/3/2026", "B+"],
    )
    plant(
        ("grade-not-allowed",),
        ["C2509", "First Aid at Work", "CPR and AED", "Completed", "7/3/2026", 77],
    )
    plant(
        ("grade-missing",),
        ["C2510", "First Aid at Work", "CPR and AED", "Passed", "8/3/2026", None],
    )
    plant(
        ("extra-spaces",),
        ["C2511", "Health and Safety", "Fire Warden ", "Registered", "9/3/2026", None],
    )
    programs.append(["Health and Safety", "Working at Height", "Optional"])
    programs.append(["food hygiene level 2", "Allergen Awareness", "Yes"])
    related_planted: dict[int, tuple[str, ...]] = {
        len(programs) - 2: ("invalid-required",),
        len(programs) - 1: ("duplicate-program-component",),
    }
    return SampleData(
        rows,
        DEMO_IMPORT_DATE,
        planted,
        related_rows={"programs": programs},
        related_planted={"programs": related_planted},
    )


# --------------------------------------------------------------------------- roster

_TEACHERS = (("Ms", "Ruth Okafor"), ("Mr", "David Hale"), ("Mrs", "Ana Costa"), ("Dr", "Lin Wei"))


@sample_for("student-roster")
def roster(pack: RulePack) -> SampleData:
    """A secondary school's Year 7 and Year 8 classes, one row per student."""
    rng = random.Random(20261103)
    rows: list[list[Any]] = []
    number = 3000
    for klass, (title, teacher) in zip(("7A", "7B", "8A", "8B"), _TEACHERS, strict=True):
        for _ in range(24):
            number += rng.randint(1, 3)
            given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
            rows.append([str(number), given, family, klass[0], klass, teacher, title])
    planted: dict[int, tuple[str, ...]] = {}

    def plant(offset: int, rules: tuple[str, ...], row: list[Any]) -> None:
        rows.insert(offset, row)
        shifted = {(k + 1 if k >= offset else k): v for k, v in planted.items()}
        planted.clear()
        planted.update(shifted)
        planted[offset] = rules

    plant(10, ("invalid-student-id",), ["30 11", "Maya", "Singh", "7", "7A", "Ruth Okafor", "Ms"])
    plant(20, ("required",), ["4120", "Ben", None, "7", "7A", "Ruth Okafor", "Ms"])
    plant(30, ("unknown-teacher-title",), ["4121", "Ella", "Moss", "7", "7B", "David Hale", "Sir"])
    plant(40, ("duplicate-student",), list(rows[5]))
    plant(60, ("extra-spaces",), ["4122", "Noah ", "Brown", "8", "8A", "Ana Costa", "Mrs"])
    # A blank row between the classes: the row after it carries the finding.
    rows.insert(48, [None] * 7)
    planted = {(k + 1 if k >= 48 else k): v for k, v in planted.items()}
    planted[49] = ("blank-row",)
    return SampleData(rows, DEMO_IMPORT_DATE, planted)
