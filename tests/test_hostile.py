"""Hostile and broken files: each ends in a grid or one clean InputError, never a crash.

The files are built by ``tests/hostile/generate.py`` in the test run. Every case is checked
twice: in-process through ``open_workbook`` inside ``run_isolated`` (the reading layer alone),
and end to end through ``python -m sheetcheck check FILE`` as a subprocess (the contract users
see: within 30 s and 1.5 GB, exit 0/1/2, at most one error line, no traceback, no signal).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile.generate import CASES, HostileCase, build_all
from sheetcheck.errors import InputError
from sheetcheck.isolate import run_isolated
from sheetcheck.limits import Limits

ROOT = Path(__file__).resolve().parents[1]
HANG_LIMIT = 600.0  # only stops a hung process; the command has its own --timeout
MEMORY_LIMIT = int(1.5 * 1024**3)


def read_everything(path: str) -> dict[str, int]:
    """Every sheet's row count: what a checker would read (runs in the isolated child)."""
    from sheetcheck.readers import open_workbook

    with open_workbook(path) as book:
        return {name: len(book.read_sheet(name).rows) for name in book.sheet_names}


@pytest.fixture(scope="module")
def hostile_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, HostileCase]:
    cases = build_all(tmp_path_factory.mktemp("hostile"))
    return {case.name: case for case in cases}


@pytest.mark.parametrize(("name", "cause"), [(name, cause) for name, _, cause in CASES])
def test_reading_layer(hostile_cases: dict[str, HostileCase], name: str, cause: str | None) -> None:
    """open_workbook in an isolated child: the expected InputError cause, or a readable grid."""
    case = hostile_cases[name]
    if cause is None:
        sheets = run_isolated(read_everything, str(case.path), limits=Limits())
        assert sheets, "a readable workbook has at least one sheet"
        return
    with pytest.raises(InputError) as raised:
        run_isolated(read_everything, str(case.path), limits=Limits())
    assert cause in raised.value.cause
    assert "\n" not in str(raised.value)
    assert raised.value.path == str(case.path)


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("lying_dimension.xlsx", 50),  # the declared A1 is ignored: every row is read
        ("empty_sheet.xlsx", 0),
        ("header_only.xlsx", 1),
        ("wide_16384.xlsx", 2),
        ("xlsx_named.xls", 4),  # an xlsx under a .xls name is read as xlsx
        ("csv_named.xlsx", 4),  # a CSV under a .xlsx name is read as CSV
    ],
)
def test_readable_cases_keep_all_rows(
    hostile_cases: dict[str, HostileCase], name: str, rows: int
) -> None:
    """The readable hostile files lose no rows."""
    sheets = run_isolated(read_everything, str(hostile_cases[name].path), limits=Limits())
    assert next(iter(sheets.values())) == rows


def test_wide_sheet_reaches_column_xfd(hostile_cases: dict[str, HostileCase]) -> None:
    """All 16,384 header cells of the widest legal sheet are read."""
    from sheetcheck.readers import open_workbook

    with open_workbook(hostile_cases["wide_16384.xlsx"].path) as book:
        grid = book.read_sheet(book.sheet_names[0], nrows=1)
    assert len(grid.rows[0]) == 16_384
    assert grid.rows[0][-1] == "Extra 16384"


def run_cli(path: Path) -> subprocess.CompletedProcess[str]:
    """The command on ``path``; its own --timeout (the default limits) ends a slow parse, the
    subprocess timeout only stops a hang, sized for a loaded machine."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "sheetcheck", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=HANG_LIMIT,
        env=env,
        check=False,
    )


def assert_clean_ending(result: subprocess.CompletedProcess[str], path: Path) -> None:
    """The user-facing contract for one file: a report or one clean error line."""
    assert result.returncode in (0, 1, 2), f"{path.name}: exit {result.returncode}"
    assert "Traceback" not in result.stderr, result.stderr
    assert "panicked" not in result.stderr, result.stderr
    if result.returncode == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert path.name in lines[0]


def test_cli_on_every_hostile_file(hostile_cases: dict[str, HostileCase]) -> None:
    """`sheetcheck check FILE` ends cleanly on each file, within 1.5 GB (its time limit is the
    command's own --timeout; speed is measured in benchmarks/)."""
    failures = []
    for case in hostile_cases.values():
        result = run_cli(case.path)
        try:
            assert_clean_ending(result, case.path)
            if case.cause is not None:
                assert result.returncode == 2 and case.cause in result.stderr
        except AssertionError as exc:
            failures.append(f"{case.name}: {exc}")
    # ru_maxrss of waited-for children is the largest one's peak (kilobytes on Linux).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert not failures, "\n".join(failures)
    assert peak < MEMORY_LIMIT, f"a check peaked at {peak / 1024**2:.0f} MB"


# --- run_isolated: the child process that takes the blows -----------------------------------


def allocate(megabytes: int) -> int:
    """Hold ``megabytes`` of memory (pages touched) and report its length."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def sleep_for(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def die_by_signal(number: int) -> None:
    os.kill(os.getpid(), number)


def raise_input_error(path: str) -> None:
    raise InputError(path, "password-protected", "remove the password")


def raise_value_error(text: str) -> None:
    raise ValueError(text)


def raise_unpicklable() -> None:
    class Local(Exception):  # a class pickle cannot find by name
        pass

    raise Local("from a local class")


def echo(value: object) -> object:
    return value


# A child that is meant to finish gets a limit no loaded machine reaches; one meant to be
# stopped by the clock sleeps for an hour, so either outcome holds however slow the machine is.
SMALL = Limits(memory_bytes=512 * 1024**2, timeout_seconds=300)
SHORT = Limits(memory_bytes=512 * 1024**2, timeout_seconds=5)
FOREVER = 3600


@pytest.mark.parametrize(
    ("func", "args", "limits", "cause"),
    [
        (allocate, (2048,), SMALL, "ran out of memory"),
        (sleep_for, (FOREVER,), SHORT, "took longer than 5 s"),
        (die_by_signal, (6,), SMALL, "crashed (SIGABRT)"),
        (die_by_signal, (11,), SMALL, "crashed (SIGSEGV)"),
        (die_by_signal, (9,), SMALL, "killed"),
    ],
)
def test_isolated_failures_become_input_errors(
    func: object, args: tuple, limits: Limits, cause: str
) -> None:
    """Memory, time and signals in the child end as one InputError naming the cause."""
    with pytest.raises(InputError) as raised:
        run_isolated(func, *args, limits=limits, label="book.xlsx")  # type: ignore[arg-type]
    assert cause in raised.value.cause
    assert raised.value.path == "book.xlsx"


@pytest.mark.parametrize(
    ("func", "arg", "expected"),
    [
        (raise_input_error, "a.xlsx", InputError),
        (raise_value_error, "bug", ValueError),
    ],
)
def test_isolated_exceptions_are_reraised(func: object, arg: str, expected: type) -> None:
    """Exceptions raised in the child come back as themselves."""
    with pytest.raises(expected) as raised:
        run_isolated(func, arg, limits=SMALL)  # type: ignore[arg-type]
    assert arg in str(raised.value)


def test_isolated_results_and_no_zombies() -> None:
    """Many calls in a row return their results (big ones too) and leave no child behind."""
    big = "x" * (8 * 1024 * 1024)
    for index in range(40):
        assert run_isolated(echo, (index, big[: index * 1000]), limits=SMALL) == (
            index,
            big[: index * 1000],
        )
    assert run_isolated(echo, big, limits=SMALL) == big
    assert run_isolated(allocate, 64, limits=SMALL) == 64 * 1024 * 1024
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_isolated_unpicklable_exception_keeps_its_name() -> None:
    """An exception that cannot be pickled comes back as RuntimeError naming it."""
    with pytest.raises(RuntimeError, match="Local: from a local class"):
        run_isolated(raise_unpicklable, limits=SMALL)


@pytest.mark.parametrize(
    ("func", "args", "expected"),
    [
        (echo, ("result",), "result"),
        (raise_input_error, ("a.xlsx",), InputError),
        (sleep_for, (FOREVER,), "took longer than 5 s"),
        (die_by_signal, (9,), "killed"),
    ],
)
def test_spawn_method_for_platforms_without_fork(
    func: object, args: tuple, expected: object
) -> None:
    """The Windows path (a spawned interpreter) returns, re-raises, times out and survives.

    A spawned interpreter may take many seconds to start on a loaded machine: only the case
    meant to time out gets a short limit, and it sleeps far longer than any start-up."""
    limits = SHORT if func is sleep_for else SMALL
    if expected == "result":
        assert run_isolated(func, *args, limits=limits, method="spawn") == "result"  # type: ignore[arg-type]
        return
    with pytest.raises(InputError) as raised:
        run_isolated(func, *args, limits=limits, method="spawn", label="a.xlsx")  # type: ignore[arg-type]
    if isinstance(expected, str):
        assert expected in raised.value.cause


def test_openpyxl_refuses_entity_expansion(hostile_cases: dict[str, HostileCase]) -> None:
    """openpyxl (used by the annotate and template writers) parses through defusedxml."""
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml must be installed: openpyxl expands entities without it"
    with pytest.raises(ValueError, match="invalid XML"):
        openpyxl.load_workbook(hostile_cases["entity_bomb.xlsx"].path)


def wait_for(flag: str) -> str:
    """Block until the file ``flag`` exists (at most an hour): a child that runs until told."""
    for _ in range(FOREVER * 20):
        if os.path.exists(flag):
            return "woke"
        time.sleep(0.05)
    return "never told"


def test_isolated_calls_from_threads_do_not_wait_for_each_other(tmp_path: Path) -> None:
    """A quick call finishes while a sibling (forked from another thread) is still running:
    the sibling runs until the file it waits for exists, which is made only afterwards."""
    from concurrent.futures import ThreadPoolExecutor

    flag = tmp_path / "go"
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(run_isolated, wait_for, str(flag), limits=SMALL)
        assert run_isolated(echo, "fast", limits=SMALL) == "fast"
        assert not slow.done()  # the quick call did not wait for it
        flag.touch()
        assert slow.result() == "woke"


def _collector_running() -> bool:
    import gc

    return gc.isenabled()


class _Probe:
    """Unpickled as whether the cyclic collector was running while the result was unpickled."""

    def __reduce__(self) -> tuple[object, ...]:
        return (_collector_running, ())


def test_isolated_results_are_unpickled_with_the_collector_paused() -> None:
    """58,802 issues unpickle in 0.038 CPU s with the collector paused, 0.086 s with it
    running; it runs again afterwards."""
    import gc

    assert gc.isenabled()
    assert run_isolated(_Probe, limits=Limits()) is False
    assert gc.isenabled()
