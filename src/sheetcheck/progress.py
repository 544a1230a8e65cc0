"""A progress line on stderr for checks that take more than a second (terminals only)."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

DELAY = 1.0  # seconds before anything is drawn: quick checks print nothing
INTERVAL = 0.2
BAR = 20


class Progress:
    """``with Progress(stream) as p: p.update("checking a.xlsx", done=0, total=3)``.

    Draws nothing unless ``stream`` is a terminal and the work outlasts :data:`DELAY`. With a
    total it shows a proportional bar; the file being worked on shows as a moving block.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._label = ""
        self._done = 0
        self._total = 0
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False
        self._lock = threading.Lock()

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(
                target=self._run, name="sheetcheck-progress", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._drawn:
                self.stream.write("\r\033[K")
                self.stream.flush()

    def update(self, label: str, done: int = 0, total: int = 0) -> None:
        with self._lock:
            self._label, self._done, self._total = label, done, total

    def render(self, now: float) -> str:
        """The line as it would be drawn ``now`` seconds (monotonic) into the work."""
        elapsed = now - self._started
        tick = int(elapsed / INTERVAL)
        filled = round(BAR * self._done / self._total) if self._total else 0
        cells = ["#"] * filled + ["."] * (BAR - filled)
        if filled < BAR:
            cells[filled + tick % (BAR - filled)] = "="
        count = f" {self._done}/{self._total}" if self._total > 1 else ""
        return f"[{''.join(cells)}]{count} {self._label} {elapsed:.0f} s"

    def _run(self) -> None:
        if self._stop.wait(DELAY):
            return
        while not self._stop.is_set():
            with self._lock:
                self.stream.write("\r\033[K" + self.render(time.monotonic()))
                self.stream.flush()
                self._drawn = True
            self._stop.wait(INTERVAL)
