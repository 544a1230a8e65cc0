"""Bundled sample workbooks: realistic data with a few planted problems of each rule.

A sample is the pack's template (built by the same code) filled with rows. Packs with a
hand-written generator here get realistic data; any other pack gets rows derived from its
schema. Generation is deterministic (seeded), so the committed samples can be compared with
what the code produces.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..dates import format_dmy
from ..packs import RulePack

#: The import date the bundled samples (and ``make demo``) are checked against.

# Names shared by the samples of every learner pack (a mix of spellings the checks must cope with).
GIVEN_NAMES = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo",
    "Freya", "Oscar", "Zoë", "Harry", "Grace", "Jack", "Sophia", "Charlie", "Niamh", "Callum",
    "Priya", "Mohammed", "Aisha", "Tomasz", "Siobhan", "Dylan", "Chloe", "Kwame", "Hannah",
)  # fmt: skip
FAMILY_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "O'Brien", "Davies", "Patel",
    "Wright", "Robinson", "Thompson", "Evans", "Walker", "Nowak", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Murphy", "Smith-Owusu",
)  # fmt: skip

DEMO_IMPORT_DATE = dt.date(2026, 11, 1)


@dataclass
class SampleData:
    """Rows in pack column order, the import date to pin, and the problems planted.

    ``planted`` maps a 0-based row offset to the rule ids planted in that row;
    ``related_rows`` and ``related_planted`` do the same for related tables' sheets, by name.
    """

    rows: list[list[Any]]
    import_date: dt.date | None = None
    planted: dict[int, tuple[str, ...]] = field(default_factory=dict)
    related_rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    related_planted: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict)


SampleBuilder = Callable[[RulePack], SampleData]
_SAMPLES: dict[str, SampleBuilder] = {}


def sample_for(pack_name: str) -> Callable[[SampleBuilder], SampleBuilder]:
    """Register the realistic sample generator of a bundled pack."""

    def register(builder: SampleBuilder) -> SampleBuilder:
        _SAMPLES[pack_name] = builder
        return builder

    return register


def sample_data(pack: RulePack) -> SampleData:
    builder = _SAMPLES.get(pack.name, generic_sample)
    return builder(pack)


# --------------------------------------------------------------------------- enrollment history

_FIRST = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Ivy",
    "Leo",
    "Freya",
    "Oscar",
    "Lily",
    "Harry",
    "Grace",
    "Jack",
    "Sophia",
    "Charlie",
    "Evie",
    "Jacob",
    "Ella",
    "Thomas",
    "Poppy",
    "Alfie",
    "Aisha",
    "Mohammed",
    "Zara",
    "Yusuf",
    "Priya",
    "Arjun",
    "Chloe",
    "Ethan",
    "Ruby",
    "Samuel",
    "Hannah",
    "Daniel",
    "Megan",
    "Lewis",
    "Niamh",
    "Callum",
]
_LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Robinson",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hughes",
    "Edwards",
    "Murphy",
]
_COURSES = (
    "Fire Safety Awareness",
    "GDPR Essentials",
    "Safeguarding Level 1",
    "Safeguarding Level 2",
    "Manual Handling",
    "Equality, Diversity and Inclusion",
    "First Aid at Work",
    "Cyber Security Basics",
    "Health and Safety Induction",
    "Prevent Duty Awareness",
    "Food Hygiene Level 2",
    "Leadership Foundations",
)
_DOMAIN = "northfield-college.ac.uk"
_STATUS_WEIGHTS = (
    ("Completed", 30),
    ("Passed", 25),
    ("Failed", 8),
    ("In Progress", 22),
    ("Not Started", 15),
)
_SAMPLE_ROWS = 300


def _day_text(day: dt.date, rng: random.Random) -> str:
    """Mostly d/m/yyyy, sometimes zero-padded (both are accepted)."""
    if rng.random() < 0.2:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return format_dmy(day)


def _learners(rng: random.Random) -> list[str]:
    logins = []
    for first in _FIRST:
        last = rng.choice(_LAST)
        if rng.random() < 0.85:
            logins.append(f"{first.lower()}.{last.lower()}@{_DOMAIN}")
        else:
            logins.append(f"{first[0].lower()}{last.lower()}{rng.randint(10, 99)}")
    return logins


def _clean_row(
    rng: random.Random, login: str, course: str, status: str, import_date: dt.date
) -> list[Any]:
    """A row no rule objects to, dated within the two years before the import date."""
    earliest = import_date - dt.timedelta(days=700)
    created = earliest + dt.timedelta(days=rng.randint(0, 600))
    started = completed = None
    score: int | None = None
    if status != "Not Started":
        started = created + dt.timedelta(days=rng.randint(0, 30))
    if status in ("Completed", "Passed", "Failed"):
        assert started is not None
        completed = min(started + dt.timedelta(days=rng.randint(1, 90)), import_date)
    if status == "Passed":
        score = rng.randint(70, 100)
    elif status == "Failed":
        score = rng.randint(10, 69)
    return [
        login,
        course,
        status,
        score,
        _day_text(created, rng),
        _day_text(started, rng) if started else None,
        _day_text(completed, rng) if completed else None,
    ]


# Planted problems: (rule ids, edit applied to a clean row of the given status).
_Edit = Callable[[list[Any]], None]


def _set(**changes: Any) -> _Edit:
    index = {
        "login": 0,
        "course": 1,
        "status": 2,
        "score": 3,
        "created": 4,
        "started": 5,
        "completed": 6,
    }

    def edit(row: list[Any]) -> None:
        for key, value in changes.items():
            row[index[key]] = value

    return edit


_PLANTS: tuple[tuple[tuple[str, ...], str, _Edit], ...] = (
    (("required",), "Completed", _set(login=None)),
    (("required",), "In Progress", _set(course=None)),
    (("invalid-login-id",), "Passed", _set(login=f"jane smith@{_DOMAIN}")),
    (("invalid-login-id",), "Completed", _set(login="mark.jones@northfield")),
    (("unknown-status",), "Completed", _set(status="Complete")),
    (("unknown-status",), "Completed", _set(status="Done")),
    (("invalid-date",), "In Progress", _set(created="2025-03-14")),
    (("invalid-date",), "Completed", _set(completed="31/02/2026")),
    (
        ("invalid-date",),
        "Completed",
        _set(created="1/3/2026", started="3/14/2026", completed="20/4/2026"),
    ),
    (("invalid-date",), "In Progress", _set(created="12/5/25")),
    (
        ("date-order",),
        "Completed",
        _set(created="10/3/2026", started="2/3/2026", completed="20/3/2026"),
    ),
    (
        ("date-order",),
        "Passed",
        _set(created="1/2/2026", started="5/2/2026", completed="28/1/2026"),
    ),
    (("completion-date-required",), "Completed", _set(completed=None)),
    (("completion-date-required", "score-missing"), "Failed", _set(completed=None, score=None)),
    (
        ("completion-date-not-allowed",),
        "In Progress",
        _set(created="2/6/2026", started="3/6/2026", completed="15/6/2026"),
    ),
    (("score-status-mismatch",), "Completed", _set(score=88)),
    (("score-status-mismatch",), "In Progress", _set(score=40)),
    (("score-missing",), "Passed", _set(score=None)),
    (("invalid-score",), "Passed", _set(score=105)),
    (("invalid-score",), "Failed", _set(score="45%")),
    (("status-date-conflict",), "Not Started", _set(created="1/5/2026", started="4/5/2026")),
    (("future-date",), "In Progress", _set(created="1/10/2026", started="15/12/2026")),
    (
        ("archived-enrollment",),
        "Completed",
        _set(created="3/1/2023", started="9/1/2023", completed="10/6/2023"),
    ),
    (
        ("archived-enrollment",),
        "Passed",
        _set(created="14/9/2022", started="14/9/2022", completed="2/11/2022"),
    ),
    (("extra-spaces",), "In Progress", lambda row: row.__setitem__(1, f"{row[1]}  ")),
)


@sample_for("enrollment-history")
def enrollment_history(pack: RulePack) -> SampleData:
    """Learners of a further-education college with their compliance courses."""
    rng = random.Random(20261101)
    import_date = DEMO_IMPORT_DATE
    learners = _learners(rng)
    pairs = [(login, course) for login in learners for course in _COURSES]
    rng.shuffle(pairs)
    statuses = [status for status, _ in _STATUS_WEIGHTS]
    weights = [weight for _, weight in _STATUS_WEIGHTS]
    rows: list[list[Any]] = []
    for login, course in pairs[:_SAMPLE_ROWS]:
        status = rng.choices(statuses, weights)[0]
        rows.append(_clean_row(rng, login, course, status, import_date))
    # Case variants are accepted (the import ignores case): realistic, and no issue.
    for offset in (7, 61, 140):
        rows[offset][2] = rows[offset][2].lower()
    planted: dict[int, tuple[str, ...]] = {}
    spare = iter(pairs[_SAMPLE_ROWS:])
    step = _SAMPLE_ROWS // (len(_PLANTS) + 4)
    for number, (rules, status, edit) in enumerate(_PLANTS, start=1):
        login, course = next(spare)
        row = _clean_row(rng, login, course, status, import_date)
        edit(row)
        offset = number * step
        rows.insert(offset, row)
        planted = {(k + 1 if k >= offset else k): v for k, v in planted.items()}
        planted[offset] = rules
    # Repeats: a second open enrollment for the same learner and course, and an exact copy.
    clean = [row for offset, row in enumerate(rows) if offset not in planted]
    open_row = next(r for r in clean if r[2] == "In Progress")
    second = [open_row[0], open_row[1], "Not Started", None, open_row[4], None, None]
    rows.append(second)
    planted[len(rows) - 1] = ("duplicate-open-enrollment",)
    done = next(r for r in clean[40:] if r[2] == "Completed")
    rows.append(list(done))
    planted[len(rows) - 1] = ("duplicate-enrollment",)
    data = SampleData(rows, import_date, planted)
    if "licenses" in pack.related:
        _licenses(data)
    return data


def _licenses(data: SampleData) -> None:
    """The Licenses sheet: seats per course, one course short of seats, two planted slips."""
    by_course: dict[str, list[int]] = {}
    for offset, row in enumerate(data.rows):
        if row[1]:
            by_course.setdefault(str(row[1]).casefold(), []).append(offset)
    short = "Leadership Foundations"
    offsets = by_course[short.casefold()]
    limit = len(offsets) - 2
    rows: list[list[Any]] = []
    for course in _COURSES:
        rows.append([course, limit if course == short else len(by_course[course.casefold()]) + 10])
    rows[3][1] = "twenty"  # not a number: that course is not limited
    rows.append([_COURSES[1], 5])  # listed twice: only the first listing counts
    data.related_rows["licenses"] = rows
    data.related_planted["licenses"] = {
        3: ("invalid-license-count",),
        12: ("duplicate-license-course",),
    }
    first_over = offsets[limit]
    data.planted[first_over] = (*data.planted.get(first_over, ()), "licenses-exceeded")


# --------------------------------------------------------------------------- any other pack


def generic_sample(pack: RulePack) -> SampleData:
    """Rows derived from the schema (members of enumerations, numbers in range, dates)."""
    rng = random.Random(pack.name)
    rows: list[list[Any]] = []
    for number in range(1, 21):
        rows.append(
            [_generic_value(col.name, col.schema, col, number, rng) for col in pack.columns]
        )
    return SampleData(rows, None, {})


def _generic_value(name: str, schema: Any, col: Any, number: int, rng: random.Random) -> Any:
    if col.enum:
        return col.enum[number % len(col.enum)]
    if col.function is not None and col.function.name == "dmy-date":
        return format_dmy(dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 300)))
    if col.json_type in ("number", "integer"):
        low = schema.get("minimum", 0)
        high = schema.get("maximum", low + 100)
        return rng.randint(int(low), int(high))
    if "pattern" in schema:
        return None
    return f"{name} {number}"
