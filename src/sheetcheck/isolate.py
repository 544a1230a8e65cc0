"""Run a function in a child process with a memory limit and a timeout.

python-calamine aborts the whole process (SIGABRT, cannot be caught) when an allocation fails,
and a crafted file can make any parser allocate gigabytes. So the parsing of one file runs in a
forked child with ``RLIMIT_AS`` set to ``limits.memory_bytes``; the worst a file can do is end
its own child, which becomes one :class:`~sheetcheck.errors.InputError` for that file while the
batch goes on.

The result comes back pickled through a pipe, read while the child runs (so big results never
dead-lock). The child's stderr goes to a temporary file: a Rust panic message or backtrace never
reaches the user; the parent replays it when the child ended normally (warnings stay visible)
and reads it to name the cause when the child died. The child is always reaped (no zombie) and
asks the kernel to kill it if the parent dies (no orphan, Linux).

Where ``os.fork`` does not exist (Windows) the child is a spawned interpreter: the timeout and
crash isolation hold, the memory limit does not. In Pyodide there are no processes and the
function runs in-process; the pre-flight guard still applies everywhere.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import pickle
import select
import signal
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sheetcheck.errors import InputError, SheetcheckError
from sheetcheck.limits import Limits, format_size

T = TypeVar("T")

_CHUNK = 1 << 20
_STDERR_KEEP = 64 * 1024  # bytes of the child's stderr we look at

_MEMORY_ADVICE = "split the file, or raise the limit with --max-memory if the machine has the RAM"
_CRASH_ADVICE = "open it in Excel or LibreOffice and save it again as .xlsx, then check that copy"


def can_isolate() -> bool:
    """True where files are parsed in a separate child process."""
    return _method() != "inline"


def _method() -> str:
    if sys.platform == "emscripten":
        return "inline"  # Pyodide: no processes at all
    return "fork" if hasattr(os, "fork") else "spawn"


def run_isolated(
    func: Callable[..., T],
    *args: Any,
    limits: Limits,
    label: str | None = None,
    method: str | None = None,
) -> T:
    """Return ``func(*args)`` computed in a child process limited by ``limits``.

    ``label`` names the input in error messages; by default the first str/path argument.
    A :class:`SheetcheckError` (or any other picklable exception) raised in the child is raised
    here as it was. A child that runs out of memory, is killed by a signal or runs past
    ``limits.timeout_seconds`` becomes ``InputError(label, cause, advice)``.

    ``method`` is chosen by the platform: "fork" (POSIX: memory limit and timeout), "spawn"
    (Windows: timeout and crash isolation, no memory limit; ``func`` and ``args`` must be
    picklable top-level objects), "inline" (Pyodide: a plain call). Not thread-safe: call it
    from one thread at a time.
    """
    method = method or _method()
    if method == "inline":
        return func(*args)
    name = label if label is not None else _label(args)
    if method == "spawn":
        return _run_spawned(name, func, args, limits)
    with tempfile.TemporaryFile() as err_file:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns; covered via its results
            os.close(read_fd)
            _child(func, args, limits, write_fd, err_file.fileno())
        os.close(write_fd)
        try:
            payload, timed_out = _collect(read_fd, limits.timeout_seconds)
        finally:
            os.close(read_fd)
            status = _reap(pid)
        err_file.seek(0)
        stderr = err_file.read(_STDERR_KEEP).decode("utf-8", "replace")
    if timed_out:
        raise _timeout_error(name, limits)
    signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    with gc_paused():
        return _outcome(name, payload, (signum, code), stderr, limits)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a result is pickled or unpickled, or while a
    sheet's cells are read and checked (checker.py).

    Every allocation burst would otherwise set off full collections that re-scan all live
    objects: about a fifth of the CPU time of a check, and 0.4 s of CPU to pickle 58,000
    issues, more than the pickling itself. Nothing here makes cycles worth collecting; the
    collector is restored in ``finally``.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _timeout_error(name: str, limits: Limits) -> InputError:
    return InputError(
        name,
        f"took longer than {limits.timeout_seconds:g} s to read and check",
        "split the file, or allow more time with --timeout",
    )


def _run_spawned(name: str, func: Callable[..., T], args: tuple[Any, ...], limits: Limits) -> T:
    """The Windows path: a spawned interpreter, a pipe, a deadline; no memory limit."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_spawned_child, args=(func, args, sender), daemon=True)
    process.start()
    sender.close()
    payload = b""
    try:
        if receiver.poll(limits.timeout_seconds):
            try:
                payload = receiver.recv_bytes()
            except EOFError:
                payload = b""
        else:
            raise _timeout_error(name, limits)
    finally:
        receiver.close()
        if payload:
            process.join(5)
        if process.is_alive():
            process.kill()
        process.join()
    # multiprocessing reports death by signal as a negative exit code.
    code = process.exitcode or 0
    return _outcome(name, payload, (-code if code < 0 else None, code), "", limits)


def _spawned_child(
    func: Callable[..., Any], args: tuple[Any, ...], sender: Any
) -> None:  # pragma: no cover - runs in the spawned child
    sender.send_bytes(_message(func, args))
    sender.close()


def _label(args: tuple[Any, ...]) -> str:
    for arg in args:
        if isinstance(arg, (str, os.PathLike)):
            return str(os.fspath(arg))
    return "input"


def _child(
    func: Callable[..., Any], args: tuple[Any, ...], limits: Limits, write_fd: int, err_fd: int
) -> None:  # pragma: no cover - runs in the forked child
    """Compute, pickle, write, and leave with os._exit: never return into the parent's code."""
    code = 0
    try:
        _enter_child(limits, err_fd)
        data = _message(func, args)
        # Length first: the parent knows the message is complete without waiting for EOF
        # (a sibling child forked meanwhile by another thread may hold the pipe open).
        view = memoryview(struct.pack("<Q", len(data)) + data)
        while view:
            written = os.write(write_fd, view[:_CHUNK])
            view = view[written:]
    except BaseException:  # nothing may escape the child
        code = 70
    finally:
        os._exit(code)


def _message(func: Callable[..., Any], args: tuple[Any, ...]) -> bytes:
    """Run ``func`` and pickle what the parent must know: result, exception or memory."""
    try:
        message: tuple[str, Any] = ("ok", func(*args))
    except MemoryError:
        message = ("memory", None)
    except BaseException as exc:  # every failure must reach the parent
        message = ("raise", (exc, traceback.format_exc()))
    try:
        return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(("memory", None))
    except Exception as exc:  # an unpicklable result or exception
        if message[0] == "raise":  # send a stand-in keeping the type name and the text
            original, text = message[1]
            stand_in = RuntimeError(f"{type(original).__name__}: {original}")
            return pickle.dumps(("raise", (stand_in, text)))
        return pickle.dumps(("unpicklable", f"{type(exc).__name__}: {exc}"))


def _enter_child(limits: Limits, err_fd: int) -> None:  # pragma: no cover - forked child
    """What every forked child (one file's, or a pool worker's) does first: our stderr pipe,
    no inherited fault handler, death with the parent, the memory limit, default Ctrl+C."""
    os.dup2(err_fd, 2)
    faulthandler.disable()  # a host's fault handler may write to a saved copy of stderr
    _die_with_parent()
    _set_limits(limits)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _set_limits(limits: Limits) -> None:  # pragma: no cover - runs in the forked child
    import resource

    memory = int(limits.memory_bytes)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory = min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory, hard))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort must not leave a core file
    os.environ["RUST_BACKTRACE"] = "0"


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Linux: have the kernel SIGKILL this child when the parent dies (no orphans)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _collect(read_fd: int, timeout: float) -> tuple[bytes, bool]:
    """Read the child's whole message, or give up at the deadline: (data, timed_out)."""
    deadline = time.monotonic() + timeout
    received = bytearray()
    expected: int | None = None
    while expected is None or len(received) < expected + 8:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"", True
        ready, _, _ = select.select([read_fd], [], [], remaining)
        if not ready:
            return b"", True
        chunk = os.read(read_fd, _CHUNK)
        if not chunk:
            return b"", False  # the child died before finishing its message
        received += chunk
        if expected is None and len(received) >= 8:
            expected = struct.unpack_from("<Q", received)[0]
    return bytes(received[8 : 8 + expected]), False


def _reap(pid: int) -> int:
    """Wait for the child (killing it first if it still runs): its wait status."""
    finished, status = os.waitpid(pid, os.WNOHANG)
    if finished == 0:
        # Either it timed out or it closed the pipe and is exiting; give it a moment.
        for _ in range(50):
            time.sleep(0.01)
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                return status
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return status


def _outcome(
    name: str, payload: bytes, ending: tuple[int | None, int], stderr: str, limits: Limits
) -> Any:
    """The child's result, or the exception its message or its ending (signal, exit) calls for."""
    memory = format_size(int(limits.memory_bytes))
    if payload:
        kind, value = pickle.loads(payload)
        if kind == "ok":
            _replay(stderr)
            return value
        if kind == "memory":
            raise InputError(
                name, f"ran out of memory while reading (limit {memory})", _MEMORY_ADVICE
            )
        if kind == "raise":
            exc, text = value
            _replay(stderr)
            if not isinstance(exc, SheetcheckError) and hasattr(exc, "add_note"):
                exc.add_note(f"raised in the isolated child process:\n{text}")  # Python 3.11+
            raise exc
        raise TypeError(f"the isolated call's result cannot be sent back: {value}")
    if "memory allocation of" in stderr or "MemoryError" in stderr or "out of memory" in stderr:
        raise InputError(name, f"ran out of memory while reading (limit {memory})", _MEMORY_ADVICE)
    number, code = ending
    if number is not None:
        try:
            signame = signal.Signals(number).name
        except ValueError:
            signame = f"signal {number}"
        if number == getattr(signal, "SIGKILL", 9):
            cause = f"the reading process was killed (probably out of memory, limit {memory})"
            raise InputError(name, cause, _MEMORY_ADVICE)
        raise InputError(name, f"the spreadsheet reader crashed ({signame})", _CRASH_ADVICE)
    raise InputError(
        name, f"the spreadsheet reader stopped unexpectedly (exit {code})", _CRASH_ADVICE
    )


def _replay(stderr: str) -> None:
    if stderr:
        sys.stderr.write(stderr)
        sys.stderr.flush()
