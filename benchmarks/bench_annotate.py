"""Benchmark: annotating a 100,000-row enrollment-history workbook with 10,000 issues.

    .venv/bin/python benchmarks/bench_annotate.py [--rows 100000] [--every 10]

Generates the workbook (every ``--every``-th row has an unknown status: one error each),
then runs each measurement in a fresh process so peak memory (max RSS) belongs to it alone:

- check alone (``sheetcheck.check``),
- check, then annotate the report (seconds for each step; peak for the whole process),
- annotate alone, from a report built by hand with the same issues.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT_DATE = "2026-11-01"
HEADER = [
    "Login ID", "Course Name", "Enrollment Status", "Enrollment Score",
    "Enrollment Created Date", "Enrollment Started Date", "Enrollment Completed Date",
]  # fmt: skip


def generate(path: Path, rows: int, every: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Enrollments")
    ws.append(HEADER)
    for k in range(rows):
        status = "Done" if k % every == every - 1 else "Completed"
        ws.append([
            f"learner{k}@example.com", f"Course {k % 37}", status, None,
            "1/3/2026", "2/3/2026", "3/3/2026",
        ])  # fmt: skip
    wb.save(path)


CHILD = r"""
import datetime as dt, json, resource, sys, time
from pathlib import Path
mode, source, target, every, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
out = {}
if mode in ("check", "check+annotate"):
    import sheetcheck
    start = time.perf_counter()
    result = sheetcheck.check(source, template="enrollment-history", import_date=dt.date.fromisoformat("@IMPORT_DATE@"))
    out["check_s"] = time.perf_counter() - start
    report = result.files[0]
    out["issues"] = len(report.issues)
else:
    from sheetcheck.model import FileReport, Issue
    issues = [
        Issue("unknown-status", "error", "Enrollments", k + 2, "Enrollment Status", f"C{k + 2}", "Done",
              "Enrollment Status 'Done' is not a status the target accepts.", "Use Completed.")
        for k in range(rows) if k % every == every - 1
    ]
    report = FileReport(file=source, template="enrollment-history", sheet="Enrollments",
                        header_row=1, rows=rows, issues=issues, extra={"first_col": 1})
    out["issues"] = len(issues)
if mode in ("annotate", "check+annotate"):
    from sheetcheck.annotate import annotate
    start = time.perf_counter()
    annotate(source, target, report)
    out["annotate_s"] = time.perf_counter() - start
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
""".replace("@IMPORT_DATE@", IMPORT_DATE)


def measure(mode: str, source: Path, target: Path, every: int, rows: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(source), str(target), str(every), str(rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10, help="one planted error every N rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "enrollments.xlsx"
        start = time.perf_counter()
        generate(source, args.rows, args.every)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - start:.1f} s "
              f"({source.stat().st_size / 1e6:.1f} MB) on {dt.date.today()}")  # fmt: skip
        target = Path(folder) / "enrollments.checked.xlsx"
        rows = []
        for mode in ("check", "check+annotate", "annotate"):
            result = measure(mode, source, target, args.every, args.rows)
            rows.append((mode, result))
        print(f"{'run':<16} {'issues':>7} {'check s':>8} {'annotate s':>11} {'peak MB':>8}")
        for mode, r in rows:
            check = f"{r['check_s']:.2f}" if "check_s" in r else "-"
            annotate = f"{r['annotate_s']:.2f}" if "annotate_s" in r else "-"
            print(
                f"{mode:<16} {int(r['issues']):>7} {check:>8} {annotate:>11} {r['peak_mb']:>8.0f}"
            )
        print(f"annotated copy: {target.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
