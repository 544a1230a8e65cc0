"""The Validate button's response through xlwings' remote engine: actions and bytes.

    .venv/bin/python benchmarks/bench_excel.py                  # 50,000 and 1,048,575 rows
    .venv/bin/python benchmarks/bench_excel.py --rows 50000 --issues 5000

A workbook carrying the rig of a generated template (so Validate writes values only) with
``--issues`` one-error rows spread among clean enrollment rows is validated through
``xw.Book(json=payload)``, in one process per size. Printed per size: the number of actions
(target: at most 25), the response size (target at 50,000 rows / 5,000 issues: under 1 MB),
bytes per issue, and the seconds Validate took (information only; not a test). Issue 15,
point 4: the response grows with issues, not rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"


def measure(rows: int, issues: int) -> dict[str, float]:
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    sys.path.insert(0, str(TESTS))
    from excel_payloads import (  # type: ignore[import-not-found]  # the tests' builders
        IMPORT_DATE,
        book_payload,
        enrollment_values,
        remote_book,
        sheet_payload,
    )
    from excel_payloads.files import with_rig  # type: ignore[import-not-found]
    from sheetcheck import excel

    values, _ = enrollment_values(rows - issues, issues)
    payload, _ = with_rig(book_payload([sheet_payload("Enrollments", values)]), ["Enrollments"])
    del values
    book = remote_book(payload)
    started = time.perf_counter()
    report = excel.validate(book, import_date=IMPORT_DATE)
    seconds = time.perf_counter() - started
    actions = book.json()["actions"]
    size = len(json.dumps(book.json(), default=str))
    assert report is not None and report.errors == issues, report
    return {"rows": rows, "issues": issues, "actions": len(actions), "bytes": size,
            "bytes_per_issue": size / max(issues, 1), "seconds": seconds}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[50_000, 1_048_575])
    parser.add_argument("--issues", type=int, default=5_000)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.rows[0], args.issues)))
        return
    print(f"{'rows':>10} {'issues':>7} {'actions':>7} {'response':>12} {'B/issue':>8} {'s':>6}")
    measured: dict[int, dict[str, float]] = {}
    for rows in args.rows:
        done = subprocess.run(
            [sys.executable, __file__, "--one", "--rows", str(rows), "--issues", str(args.issues)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        m = measured[rows] = json.loads(done.stdout.strip().splitlines()[-1])
        verdict = "ok" if m["actions"] <= 25 else "OVER 25"
        size = f"{m['bytes'] / 1e6:.2f} MB"
        print(f"{m['rows']:>10,} {m['issues']:>7,} {m['actions']:>7} {size:>12} "
              f"{m['bytes_per_issue']:>8.0f} {m['seconds']:>6.1f}  {verdict}")  # fmt: skip
    print_targets(measured)


def print_targets(measured: dict[int, dict[str, float]]) -> None:
    """Target 4's lines, in the form bench_check.py prints its targets."""
    print("\nTargets (issue 15), this run:")
    print(f"  {'target':<58} {'measured':>8}  {'goal':<8}  verdict")
    lines: list[tuple[str, float, str, bool | None]] = []
    if 1_048_575 in measured:
        actions = measured[1_048_575]["actions"]
        lines.append(("4. 1,048,575 rows: Validate's actions", actions, "<= 25", actions <= 25))
    if 50_000 in measured:
        mb = measured[50_000]["bytes"] / 1e6
        lines.append(("4. 50,000 rows, 5,000 issues: response, MB", mb, "< 1", mb < 1))
    if 50_000 in measured and 1_048_575 in measured:
        growth = measured[1_048_575]["bytes"] / measured[50_000]["bytes"]
        lines.append(
            ("4. response at 1,048,575 rows / at 50,000 (same issues)", growth, "~ 1", None)
        )
    for name, value, goal, met in lines:
        verdict = "(information)" if met is None else "met" if met else "NOT met"
        print(f"  {name:<58} {value:>8.2f}  {goal:<8}  {verdict}")


if __name__ == "__main__":
    main()
