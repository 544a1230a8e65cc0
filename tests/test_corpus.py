"""Every file of ../shared/corpus ends in a report or one clean error line, never a crash.

The corpus holds real-world workbooks from other producers, including malformed, truncated,
password-protected and memory-exhausting ones. ``sheetcheck check`` runs as a subprocess on
batches of files (a batch is what users run unattended: one bad file must not take the others
down), two batches at a time. Per batch: exit 0, 1 or 2, no traceback, no signal, at most one
stderr line per file and each naming its file, within 30 s per file and 1.5 GB of memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import require_corpus

ROOT = Path(__file__).resolve().parents[1]
SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv"}
BATCH = 12
# Only a hang guard: the command stops a slow file itself (--timeout, 300 s by default); a
# loaded machine must never turn a slow but clean batch into a failure.
SECONDS_PER_FILE = 360
MEMORY_LIMIT = int(1.5 * 1024**3)


def check_batch(files: list[Path]) -> list[str]:
    """Run one CLI process over ``files``; the contract violations found (empty: all good)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "sheetcheck", "check", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=SECONDS_PER_FILE * len(files),
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [f"batch starting {files[0].name} ran past {SECONDS_PER_FILE} s per file"]
    problems = []
    if result.returncode not in (0, 1, 2):
        problems.append(f"exit {result.returncode} for batch starting {files[0].name}")
    for marker in ("Traceback", "panicked", "RUST_BACKTRACE"):
        if marker in result.stderr:
            problems.append(f"{marker} in stderr:\n{result.stderr[-2000:]}")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for path in files:
        mentions = [line for line in lines if f"{path}:" in line]
        if len(mentions) > 1:
            problems.append(f"{path.name}: {len(mentions)} error lines")
    strays = [line for line in lines if not any(f"{path}:" in line for path in files)]
    if strays:
        problems.append(f"stderr lines naming no file: {strays[:3]}")
    return problems


def test_every_corpus_file_ends_cleanly() -> None:
    """The whole corpus, in batches: a report or one error line per file, never a crash."""
    corpus = require_corpus()
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SPREADSHEETS)
    assert files, f"no spreadsheets under {corpus}"
    batches = [files[i : i + BATCH] for i in range(0, len(files), BATCH)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for found in pool.map(check_batch, batches) for p in found]
    assert not problems, "\n".join(problems)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert peak < MEMORY_LIMIT, f"a check peaked at {peak / 1024**2:.0f} MB"
