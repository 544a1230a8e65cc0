"""Batches on every core (issue 15 point 3): reused workers, per-file isolation, order kept.

The worker pool is exercised with small functions (they run in forked workers, so closures and
monkeypatched module globals reach them), then end to end through ``sheetcheck check --jobs``.
No test measures speed: parallelism is proven by two items that can only finish if they run at
the same time (each waits for the other's mark).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import write_xlsx
from enrollment import HEADER, row
from sheetcheck import pool
from sheetcheck.checker import CheckOptions, check_batch
from sheetcheck.cli import main
from sheetcheck.errors import InputError, SheetcheckError, UsageError
from sheetcheck.limits import Limits
from sheetcheck.model import FileReport
from sheetcheck.pool import Failed, map_isolated

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks its workers")

LIMITS = Limits(timeout_seconds=60)


def pid_of(item: str) -> int:
    return os.getpid()


def test_workers_are_reused_across_small_files() -> None:
    """One worker answers every item with --jobs 1: one fork for the batch, not one per file."""
    pids = list(map_isolated(pid_of, [f"item{n}" for n in range(6)], limits=LIMITS, jobs=1))
    assert len(set(pids)) == 1 and pids[0] != os.getpid()


def test_a_worker_has_its_next_file_before_its_answer_is_unpickled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With --jobs 1 the one worker is already on item n+1 while item n's answer is unpickled
    (and used by the caller): it does not wait for the parent between files."""
    busy_on: list[list[int | None]] = []
    unpickled = pool._Pool._unpickled

    def watching(self: Any, *args: Any) -> Any:
        busy_on.append([w.item for w in self.workers])
        return unpickled(self, *args)

    monkeypatch.setattr(pool._Pool, "_unpickled", watching)
    items = [f"item{n}" for n in range(4)]
    assert len(list(map_isolated(pid_of, items, limits=LIMITS, jobs=1))) == 4
    assert busy_on == [[1], [2], [3], [None]]


def test_results_come_back_in_the_order_given(tmp_path: Path) -> None:
    """The first item finishes last (it waits for the others' marks) yet comes out first."""
    items = [str(tmp_path / f"item{n}") for n in range(5)]

    def slow_first(item: str) -> str:
        if item == items[0]:
            deadline = time.monotonic() + 30
            while not all(Path(f"{i}.done").exists() for i in items[1:]):
                if time.monotonic() > deadline:
                    return "gave up"
                time.sleep(0.01)
        else:
            Path(f"{item}.done").touch()
        return Path(item).name

    assert list(map_isolated(slow_first, items, limits=LIMITS, jobs=2)) == [
        "item0",
        "item1",
        "item2",
        "item3",
        "item4",
    ]


def meet(item: str) -> bool:
    """Leave a mark, then wait for the other item's: True only if both ran at the same time."""
    Path(f"{item}.here").touch()
    other = item[:-1] + ("b" if item.endswith("a") else "a")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if Path(f"{other}.here").exists():
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize(("jobs", "together"), [(2, [True, True]), (1, [False, True])])
def test_jobs_run_files_at_the_same_time(tmp_path: Path, jobs: int, together: list[bool]) -> None:
    items = [str(tmp_path / "a"), str(tmp_path / "b")]
    assert list(map_isolated(meet, items, limits=LIMITS, jobs=jobs)) == together


def misbehave(item: str) -> str:
    name = Path(item).name
    if name == "hang":
        time.sleep(600)
    elif name == "crash":
        os.kill(os.getpid(), signal.SIGABRT)
    elif name == "hog":
        return str(len(bytearray(3 * 1024**3)))
    elif name == "usage":
        raise UsageError("a usage problem")
    elif name == "bug":
        raise ZeroDivisionError("a bug")
    return f"{name} ok in {os.getpid()}"


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("hang", "took longer than 2 s"),
        ("crash", "crashed (SIGABRT)"),
        ("hog", "ran out of memory"),
        ("usage", "a usage problem"),
        ("bug", "a bug"),
    ],
)
@pytest.mark.parametrize("jobs", [1, 2])
def test_one_file_failing_costs_only_that_file(
    tmp_path: Path, bad: str, expected: str, jobs: int
) -> None:
    """Timeout, crash, memory and exceptions end one item; the rest of the batch is checked."""
    items = [str(tmp_path / n) for n in ("before", bad, "after1", "after2")]
    limits = Limits(timeout_seconds=2, memory_bytes=1024**3)
    results = list(map_isolated(misbehave, items, limits=limits, jobs=jobs))
    assert isinstance(results[1], Failed) and expected in str(results[1].error)
    assert [str(r).split(" ok in ")[0] for r in (results[0], *results[2:])] == [
        "before",
        "after1",
        "after2",
    ]
    if bad in ("hang", "crash"):
        assert isinstance(results[1].error, InputError)
        assert results[1].error.path == items[1]


def test_big_files_get_a_worker_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over REUSE_MAX_BYTES is the only one its worker ever reads."""
    monkeypatch.setattr(pool, "REUSE_MAX_BYTES", 10)
    items = []
    for n, size in enumerate([100, 1, 100, 1, 1]):
        path = tmp_path / f"f{n}"
        path.write_bytes(b"x" * size)
        items.append(str(path))
    pids = list(map_isolated(pid_of, items, limits=LIMITS, jobs=1))
    assert pids[0] not in pids[1:] and pids[2] not in pids[:2] + pids[3:]
    assert pids[3] == pids[4]


def test_a_worker_grown_past_half_the_memory_limit_retires(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool, "_address_space", lambda: LIMITS.memory_bytes)
    pids = list(map_isolated(pid_of, ["a", "b", "c"], limits=LIMITS, jobs=1))
    assert len(set(pids)) == 3


def test_closing_early_stops_the_workers(tmp_path: Path) -> None:
    items = [str(tmp_path / n) for n in ("before", "hang", "hang")]
    results = map_isolated(misbehave, items, limits=LIMITS, jobs=2)
    first = next(results)
    assert isinstance(first, str)
    worker = int(first.rsplit(" ", 1)[1])
    results.close()
    with pytest.raises(ProcessLookupError):  # reaped: the pid no longer exists
        os.kill(worker, 0)


# --------------------------------------------------------------------------- command line


@pytest.fixture
def batch(tmp_path: Path) -> list[str]:
    files = []
    for n in range(6):
        rows = [HEADER, row(login=f"learner{n}@school.org")]
        if n % 2:
            rows.append(row(created="31/02/2025"))
        files.append(str(write_xlsx(tmp_path / f"file{n}.xlsx", rows)))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated")
    files.insert(3, str(broken))
    return files


@pytest.mark.parametrize("fmt", ["json", "text", "csv"])
def test_jobs_give_the_same_report_in_the_order_given(
    capsys: pytest.CaptureFixture[str], batch: list[str], fmt: str
) -> None:
    reports = {}
    for jobs in ("1", "2", "3"):
        code = main(["check", *batch, "-f", fmt, "--jobs", jobs, "--import-date", "2026-06-01"])
        out, err = capsys.readouterr()
        assert code == 2 and err.count("broken.xlsx") == 1
        reports[jobs] = out
    assert reports["1"] == reports["2"] == reports["3"]
    if fmt == "json":
        assert [f["file"] for f in json.loads(reports["2"])["files"]] == batch


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["check", "x.xlsx", "--jobs", value])
    err = capsys.readouterr().err
    assert raised.value.code == 2 and len(err.strip().splitlines()) == 1 and "--jobs" in err


def test_default_jobs_is_the_number_of_cores() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert pool.default_jobs() == expected


def test_a_usage_error_in_a_batch_stops_it_with_one_line(
    capsys: pytest.CaptureFixture[str], batch: list[str]
) -> None:
    code = main(["check", *batch, "--sheet", "Nope", "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no sheet named" in err
    assert sys.exc_info() == (None, None, None)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches the worker in /proc")
def test_a_worker_killed_while_idle_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed from outside between two files (after its answer, before its next task): its
    next file goes to a fresh worker instead of failing the batch."""
    killed: list[int] = []
    dispatch = pool._Pool._dispatch

    def killing_the_idle_worker(self: Any) -> None:
        idle = [w for w in self.workers if w.item is None and w.served == 1]
        if idle and not killed:
            killed.append(idle[0].pid)
            os.kill(idle[0].pid, signal.SIGKILL)
            for _ in range(60_000):  # a hang guard of 10 minutes, not a speed limit
                if Path(f"/proc/{idle[0].pid}/stat").read_text().split()[2] == "Z":  # pipes shut
                    break
                time.sleep(0.01)
            else:
                pytest.fail(f"the killed worker {idle[0].pid} never became a zombie")
        dispatch(self)

    monkeypatch.setattr(pool._Pool, "_dispatch", killing_the_idle_worker)
    items = [str(tmp_path / n) for n in ("first", "second", "third")]
    results = [str(r) for r in map_isolated(misbehave, items, limits=LIMITS, jobs=1)]
    assert [r.split(" ok in ")[0] for r in results] == ["first", "second", "third"]
    pids = [int(r.rsplit(" ", 1)[1]) for r in results]
    assert killed == [pids[0]] and pids[1] == pids[2] != pids[0]


@pytest.mark.parametrize("isolate", [True, False])
def test_check_batch_gives_each_file_its_report_or_error(batch: list[str], isolate: bool) -> None:
    """The library call behind the command line, with and without worker processes."""
    options = CheckOptions(import_date=dt.date(2026, 6, 1), isolate=isolate)
    results = list(check_batch(batch, options, jobs=2))
    assert [path for path, _ in results] == batch
    kinds = [type(r).__name__ for _, r in results]
    assert isinstance(results[3][1], SheetcheckError) and "broken.xlsx" in str(results[3][1])
    assert all(isinstance(r, FileReport) for n, (_, r) in enumerate(results) if n != 3), kinds
    assert [len(r.issues) for _, r in results if isinstance(r, FileReport)] == [0, 1, 0, 1, 0, 1]
