"""Fuzz the reading layer with mutated valid workbooks: a grid or an InputError, nothing else.

Each case takes a valid workbook and damages it one way (bytes flipped in the file, bytes
flipped inside an inflated XML part, the file truncated, a part truncated, a part removed),
then reads every sheet in an isolated child (``run_isolated``), so an abort inside a parser
is an InputError and never takes the test process down. The xlsx seeds also go through the
openpyxl fallback reader. The mutations are seeded: a failure
names its case number, and the same number reproduces it.

The suite runs 60 cases; a longer run:

    SHEETCHECK_FUZZ_CASES=5000 pytest tests/test_fuzz_reader.py
"""

from __future__ import annotations

import os
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CORPUS
from hostile import generate as g
from sheetcheck.errors import InputError
from sheetcheck.isolate import run_isolated
from sheetcheck.limits import Limits

CASES = int(os.environ.get("SHEETCHECK_FUZZ_CASES", "60"))
SEED = int(os.environ.get("SHEETCHECK_FUZZ_SEED", "20240229"))
LIMITS = Limits(memory_bytes=1024**3, timeout_seconds=20)


def read_all(path: str) -> int:
    """Cells read from every sheet (runs in the isolated child)."""
    from sheetcheck.readers import open_workbook

    with open_workbook(path) as book:
        return sum(len(row) for name in book.sheet_names for row in book.read_sheet(name).rows)


def seed_workbooks(directory: Path) -> list[Path]:
    """Valid inputs: an openpyxl xlsx with errors, formulas, dates and a merge; raw xlsx; CSV."""
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Enrollments"
    for row in g.SAMPLE_ROWS:
        sheet.append(row)
    sheet["H2"] = "#N/A"
    sheet["H3"] = "=SUM(D2:D4)"
    sheet["E5"] = dt.date(2024, 2, 29)
    sheet.merge_cells("A6:B7")
    book.create_sheet("Notes")["C3"] = "from C3"
    book.save(directory / "openpyxl.xlsx")
    g.simple_xlsx(directory / "raw.xlsx", g.SAMPLE_ROWS * 5)
    g.csv_named_xlsx(directory / "data.csv")
    seeds = [directory / "openpyxl.xlsx", directory / "raw.xlsx", directory / "data.csv"]
    # Binary formats from other producers, when the shared corpus is at hand.
    corpus = CORPUS / "calamine"
    seeds += [
        corpus / n
        for n in ("errors.xlsx", "date.xls", "date.xlsb", "date.ods", "issues.xls")
        if (corpus / n).is_file()
    ]
    return seeds


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        buffer[rng.randrange(len(buffer))] = rng.randrange(256)
    return bytes(buffer)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


def rezip(data: bytes, rng: random.Random, change: Callable[[str, bytes], bytes | None]) -> bytes:
    import io

    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    victim = rng.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            content = source.read(name)
            if name == victim:
                changed = change(name, content)
                if changed is None:
                    continue
                content = changed
            target.writestr(name, content)
    return out.getvalue()


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One seeded mutation: (what was done, damaged bytes)."""
    is_zip = data.startswith(b"PK")
    kinds = ["flip", "truncate"] + (["flip-part", "truncate-part", "remove-part"] if is_zip else [])
    kind = rng.choice(kinds)
    if kind == "flip":
        return kind, flip_bytes(data, rng)
    if kind == "truncate":
        return kind, truncate(data, rng)
    if kind == "flip-part":
        return kind, rezip(data, rng, lambda _n, c: flip_bytes(c, rng) if c else c)
    if kind == "truncate-part":
        return kind, rezip(data, rng, lambda _n, c: truncate(c, rng) if c else c)
    return kind, rezip(data, rng, lambda _n, _c: None)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return seed_workbooks(tmp_path_factory.mktemp("fuzz-seeds"))


def test_seed_workbooks_read(seeds: list[Path]) -> None:
    """The undamaged inputs read fine (so the fuzz cases start from something valid)."""
    for path in seeds:
        assert run_isolated(read_all, str(path), limits=LIMITS) > 0


def fuzz(seeds: list[Path], directory: Path, cases: int) -> dict[str, int]:
    """Read ``cases`` mutated files in isolated children; fail on anything but InputError."""
    rng = random.Random(SEED)
    outcomes = {"read": 0, "refused": 0}
    failures = []
    for case in range(cases):
        source = seeds[case % len(seeds)]
        kind, data = mutate(source.read_bytes(), rng)
        path = directory / f"case{case}{source.suffix}"
        path.write_bytes(data)
        try:
            run_isolated(read_all, str(path), limits=LIMITS)
            outcomes["read"] += 1
        except InputError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        except Exception as exc:  # the finding: anything but InputError is a bug
            failures.append(f"case {case} ({kind} of {source.name}): {type(exc).__name__}: {exc}")
        path.unlink()
    assert not failures, "\n".join(failures)
    return outcomes


def test_mutated_workbooks_give_grid_or_input_error(seeds: list[Path], tmp_path: Path) -> None:
    """CASES mutated files: each reads, or raises InputError; nothing else ever escapes."""
    outcomes = fuzz(seeds, tmp_path, CASES)
    assert outcomes["refused"] > 0  # the mutations do damage files


def test_mutated_xlsx_through_openpyxl_fallback(
    seeds: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same with the openpyxl reader Pyodide uses (a third of the cases, xlsx only)."""
    import sheetcheck.readers

    monkeypatch.setattr(sheetcheck.readers, "has_calamine", lambda: False)
    xlsx = [path for path in seeds if path.suffix == ".xlsx"]
    outcomes = fuzz(xlsx, tmp_path, max(1, CASES // 3))
    assert outcomes["refused"] > 0
