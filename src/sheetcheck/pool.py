"""A batch of files checked on every core, each file still isolated: a pool of forked workers.

``sheetcheck check A B C --jobs N`` runs the checks in up to N worker processes at once. A
worker is a child forked exactly like :func:`sheetcheck.isolate.run_isolated`'s (memory limit
``RLIMIT_AS``, killed if the parent dies, its stderr in a temporary file, SIGINT at its default),
but it is reused: it reads task numbers from a pipe and answers each with the same
length-prefixed pickled message, so a batch of small files pays for one fork and one import of
the readers per worker instead of one per file.

Per-file isolation holds as before:

* a file that takes longer than ``limits.timeout_seconds`` has its worker killed; that file gets
  the usual "took longer than" error and a fresh worker takes the next file;
* a worker that dies (out of memory, a signal, a Rust abort) costs only the file it was on,
  named with the same cause and advice as :func:`run_isolated` gives;
* the memory limit is the file's own: a file bigger on disk than :data:`REUSE_MAX_BYTES` gets a
  fresh worker to itself, which exits after it, and a worker whose address space has grown past half
  the limit retires after its current file, so what earlier files left behind never eats into a
  later file's allowance.

Results come back in the order the items were given, whatever order the workers finish in. A
worker is handed its next item as soon as its answer has arrived, before the parent unpickles
that answer, so it never waits on the parent between files.
Where ``os.fork`` does not exist (Windows, Pyodide) :func:`map_isolated` checks the files one
by one through :func:`run_isolated`, with whatever isolation the platform has.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import struct
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Generic, TypeVar

from sheetcheck.isolate import (
    _STDERR_KEEP,
    _enter_child,
    _message,
    _method,
    _outcome,
    _reap,
    _timeout_error,
    gc_paused,
    run_isolated,
)
from sheetcheck.limits import MIB, Limits

T = TypeVar("T")

# Files up to this size on disk share a worker with other files; bigger ones get their own.
REUSE_MAX_BYTES = 8 * MIB

_TASK = struct.Struct("<QB")  # item number, 1 = exit after this item
_HEAD = struct.Struct("<QB")  # message length, 1 = this worker exits after sending it
_CHUNK = 1 << 20


def default_jobs() -> int:
    """The number of cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Failed:
    """An item whose call raised: ``error`` is the exception, as the caller would have seen it."""

    error: BaseException


def map_isolated(
    func: Callable[[str], T],
    items: Sequence[str],
    *,
    limits: Limits,
    jobs: int | None = None,
) -> Generator[T | Failed, None, None]:
    """``func(item)`` for every item, each in an isolated worker; yielded in the items' order.

    An item whose call raises (in the worker, or because its worker was killed or died) is
    yielded as :class:`Failed` holding the exception :func:`run_isolated` would have raised;
    the batch goes on. Closing the iterator early stops and reaps every worker.
    """
    jobs = max(1, min(jobs or default_jobs(), len(items) or 1))
    if _method() != "fork":
        for item in items:
            try:
                yield run_isolated(func, item, limits=limits, label=item)
            except Exception as exc:  # handed to the caller, item by item, like the pool does
                yield Failed(exc)
        return
    pool = _Pool(func, items, limits, jobs)
    try:
        yield from pool.results()
    finally:
        pool.close()


@dataclass
class _Worker:
    pid: int
    tasks: int  # write end of the task pipe
    answers: int  # read end of the result pipe
    stderr: IO[bytes]
    stderr_seen: int = 0
    item: int | None = None  # the item it is working on
    served: int = 0  # items given to it so far
    deadline: float = 0.0
    received: bytearray = field(default_factory=bytearray)


class _Pool(Generic[T]):
    def __init__(
        self, func: Callable[[str], T], items: Sequence[str], limits: Limits, jobs: int
    ) -> None:
        self.func = func
        self.items = list(items)
        self.limits = limits
        self.jobs = jobs
        self.workers: list[_Worker] = []
        self.pending = deque(range(len(self.items)))
        self.done: dict[int, T | Failed] = {}

    # ---- the parent's loop
    def results(self) -> Generator[T | Failed, None, None]:
        for index in range(len(self.items)):
            while index not in self.done:
                self._dispatch()
                self._wait()
            yield self.done.pop(index)

    def _dispatch(self) -> None:
        """Give every idle worker a task, forking workers up to ``jobs``."""
        while self.pending:
            idle = next((w for w in self.workers if w.item is None), None)
            if idle is None:
                if len(self.workers) >= self.jobs:
                    return
                idle = self._fork()
            index = self.pending.popleft()
            alone = _size(self.items[index]) > REUSE_MAX_BYTES
            if alone and idle.served:  # a big file starts in a fresh worker
                self._retire(idle, kill=False)
                idle.stderr.close()
                idle = self._fork()
            try:
                os.write(idle.tasks, _TASK.pack(index, int(alone)))
            except BrokenPipeError:  # it died while idle (killed from outside): replace it
                self.pending.appendleft(index)
                self._retire(idle, kill=True)
                idle.stderr.close()
                continue
            idle.served += 1
            idle.item = index
            idle.deadline = time.monotonic() + self.limits.timeout_seconds
            idle.received = bytearray()

    def _wait(self) -> None:
        busy = [w for w in self.workers if w.item is not None]
        if not busy:
            return
        now = time.monotonic()
        timeout = max(0.0, min(w.deadline for w in busy) - now)
        ready, _, _ = select.select([w.answers for w in busy], [], [], timeout)
        for worker in busy:
            if worker.answers in ready:
                self._receive(worker)
        now = time.monotonic()
        for worker in busy:
            if worker.item is not None and worker in self.workers and now >= worker.deadline:
                self._finish(worker, Failed(_timeout_error(self._name(worker), self.limits)))
                self._retire(worker, kill=True)
                worker.stderr.close()

    def _receive(self, worker: _Worker) -> None:
        chunk = os.read(worker.answers, _CHUNK)
        if not chunk:  # the worker died before finishing its answer
            status = self._retire(worker, kill=False)
            signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
            self._finish(worker, self._outcome(worker, b"", (signum, code)))
            worker.stderr.close()
            return
        worker.received += chunk
        if len(worker.received) < _HEAD.size:
            return
        length, leaving = _HEAD.unpack_from(worker.received)
        if len(worker.received) < _HEAD.size + length:
            return
        payload = bytes(worker.received[_HEAD.size : _HEAD.size + length])
        item, stderr = worker.item, self._stderr(worker)
        assert item is not None
        worker.item = None
        if leaving:
            self._retire(worker, kill=False)
            worker.stderr.close()
        # The worker starts on its next file while its answer is unpickled here, and while
        # the caller uses it: it waits for a task only as long as a pipe write takes.
        self._dispatch()
        self.done[item] = self._unpickled(self.items[item], payload, (None, 0), stderr)

    def _outcome(self, worker: _Worker, payload: bytes, ending: tuple[int | None, int]) -> Any:
        return self._unpickled(self._name(worker), payload, ending, self._stderr(worker))

    def _unpickled(
        self, name: str, payload: bytes, ending: tuple[int | None, int], stderr: str
    ) -> Any:
        try:
            with gc_paused():
                return _outcome(name, payload, ending, stderr, self.limits)
        except Exception as exc:  # the item's own failure, handed back in its place
            return Failed(exc)

    def _finish(self, worker: _Worker, result: T | Failed) -> None:
        assert worker.item is not None
        self.done[worker.item] = result
        worker.item = None

    def _name(self, worker: _Worker) -> str:
        assert worker.item is not None
        return self.items[worker.item]

    def _stderr(self, worker: _Worker) -> str:
        """What the worker wrote to stderr since its last answer (its first 64 KiB)."""
        worker.stderr.seek(worker.stderr_seen)
        data = worker.stderr.read()
        worker.stderr_seen += len(data)
        return data[:_STDERR_KEEP].decode("utf-8", "replace")

    # ---- workers
    def _fork(self) -> _Worker:
        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        stderr = tempfile.TemporaryFile()  # noqa: SIM115  (lives as long as the worker; closed after _retire)
        theirs = [fd for w in self.workers for fd in (w.tasks, w.answers)]
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns; covered via its answers
            for fd in (*theirs, task_write, answer_read):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _serve(
                self.func,
                self.items,
                self.limits,
                task_fd=task_read,
                answer_fd=answer_write,
                err_fd=stderr.fileno(),
            )
        os.close(task_read)
        os.close(answer_write)
        worker = _Worker(pid, task_write, answer_read, stderr)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, *, kill: bool) -> int:
        """Stop the worker (SIGKILL if ``kill``), reap it, drop it: its wait status. Its stderr
        file stays open for the caller to read what it wrote last, then close."""
        self.workers.remove(worker)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        for fd in (worker.tasks, worker.answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        return _reap(worker.pid)

    def close(self) -> None:
        """Stop every worker: idle ones see the task pipe close and exit; busy ones are killed."""
        for worker in list(self.workers):
            self._retire(worker, kill=worker.item is not None)
            worker.stderr.close()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _serve(
    func: Callable[[str], Any],
    items: Sequence[str],
    limits: Limits,
    *,
    task_fd: int,
    answer_fd: int,
    err_fd: int,
) -> None:  # pragma: no cover - runs in the forked worker
    """The worker: answer task after task, leave with os._exit, never return to the parent's code."""
    code = 0
    try:
        _enter_child(limits, err_fd)
        while True:
            task = _read_exactly(task_fd, _TASK.size)
            if task is None:
                break  # the parent closed the pipe: the batch is over
            index, alone = _TASK.unpack(task)
            with gc_paused():
                data = _message(func, (items[index],))
            sys.stderr.flush()
            leaving = bool(alone) or _address_space() > limits.memory_bytes // 2
            view = memoryview(_HEAD.pack(len(data), int(leaving)) + data)
            while view:
                written = os.write(answer_fd, view[:_CHUNK])
                view = view[written:]
            if leaving:
                break
    except BaseException:  # nothing may escape the worker
        code = 70
    finally:
        os._exit(code)


def _read_exactly(fd: int, size: int) -> bytes | None:  # pragma: no cover - worker side
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _address_space() -> int:  # pragma: no cover - worker side
    """This process's virtual size in bytes (what RLIMIT_AS limits); 0 where unknown."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
