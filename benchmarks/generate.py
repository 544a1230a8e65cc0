"""Realistic enrollment-history workbooks of any size, with planted problems (benchmarks only)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sheetcheck.packs import load_pack

HEADER = [column.name for column in load_pack("enrollment-history").columns]
COURSES = [
    f"Course {n:03d}: {topic}"
    for n, topic in enumerate(
        ["Safeguarding", "Fire Safety", "GDPR", "First Aid", "Manual Handling", "Equality"] * 20
    )
]


def dmy(day: dt.date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def rows(count: int, seed: int = 7, problem_rate: float = 0.05) -> Iterator[list[Any]]:
    """``count`` enrollment rows; about ``problem_rate`` of them carry one planted problem."""
    rnd = random.Random(seed)
    learners = max(count // 8, 10)
    base = dt.date(2024, 6, 1)
    for n in range(count):
        learner = rnd.randrange(learners)
        login = f"learner{learner}@college.ac.uk"
        course = COURSES[(n * 7 + learner) % len(COURSES)]
        created = base + dt.timedelta(days=rnd.randrange(700))
        started = created + dt.timedelta(days=rnd.randrange(30))
        completed = started + dt.timedelta(days=rnd.randrange(90))
        status = rnd.choice(["Completed", "Passed", "Failed", "In Progress", "Not Started"])
        score: Any = rnd.randrange(101) if status in ("Passed", "Failed") else None
        row: list[Any] = [login, course, status, score, dmy(created), dmy(started), dmy(completed)]
        if status == "In Progress":
            row[6] = None
        if status == "Not Started":
            row[5] = row[6] = None
        if rnd.random() < problem_rate:
            kind = rnd.randrange(6)
            if kind == 0:
                row[4] = created.isoformat()
            elif kind == 1:
                row[2] = "Complete"
            elif kind == 2:
                row[3] = 85 if status not in ("Passed", "Failed") else 120
            elif kind == 3:
                row[0] = login.replace("@", " @")
            elif kind == 4:
                row[4] = f"{created.day}/{created.month}/{created.year % 100:02d}"
            else:
                row[1] = None
        yield row


def write_xlsx(path: Path, count: int, seed: int = 7, problem_rate: float = 0.05) -> Path:
    """Write ``count`` rows with openpyxl's streaming writer (text dates, as the template has)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Enrollments")
    sheet.append(HEADER)
    for row in rows(count, seed, problem_rate):
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp.xlsx")
    book.save(temp)
    temp.replace(path)
    return path
