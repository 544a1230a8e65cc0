"""Speed and memory of `sheetcheck check` next to python-calamine merely loading the sheet.

    .venv/bin/python benchmarks/bench_check.py            # 10,000 / 100,000 / 1,048,575 rows
    .venv/bin/python benchmarks/bench_check.py --sizes 10000 100000

Workbooks are generated once into benchmarks/.cache (realistic enrollment history, about 5 %
of rows with a planted problem). Every figure comes from a fresh process: wall-clock seconds
and peak resident memory (ru_maxrss of the process tree). `frictionless validate` with the
closest Table Schema is timed too when the `frictionless` command is installed.
Targets (issue 2): check <= 1.5 x the bare load; < 1 GB at 1,048,575 rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (sibling module, found through the path set above)

IMPORT_DATE = "2026-11-01"

_MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "code": done.returncode,
                      "stderr": done.stderr[-500:]}))
    """
)

_LOAD = textwrap.dedent(
    """
    import sys
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(sys.argv[1])
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) > 1
    """
)


def measure(command: list[str]) -> dict[str, float]:
    """Run ``command`` under a fresh wrapper process: its wall time and the tree's peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def table_schema(path: Path) -> Path:
    """The closest Frictionless Table Schema to the enrollment-history pack."""
    statuses = ["Not Started", "In Progress", "Completed", "Passed", "Failed"]
    date = {"type": "date", "format": "%d/%m/%Y"}
    schema = {
        "fields": [
            {
                "name": "Login ID",
                "type": "string",
                "constraints": {"required": True, "pattern": "\\S+"},
            },
            {"name": "Course Name", "type": "string", "constraints": {"required": True}},
            {
                "name": "Enrollment Status",
                "type": "string",
                "constraints": {"required": True, "enum": statuses},
            },
            {
                "name": "Enrollment Score",
                "type": "number",
                "constraints": {"minimum": 0, "maximum": 100},
            },
            {"name": "Enrollment Created Date", **date},
            {"name": "Enrollment Started Date", **date},
            {"name": "Enrollment Completed Date", **date},
        ]
    }
    path.write_text(json.dumps(schema))
    return path


def workbook(rows: int) -> Path:
    path = CACHE / f"enrollments-{rows}.xlsx"
    if not path.exists():
        print(f"  generating {path.name} ...", flush=True)
        generate.write_xlsx(path, rows)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_048_575])
    parser.add_argument(
        "--frictionless", help="path of the frictionless command (default: on PATH)"
    )
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    schema = table_schema(CACHE / "enrollment-history.tableschema.json")
    frictionless = args.frictionless or shutil.which("frictionless")
    print(
        f"{'rows':>10} {'load s':>8} {'check s':>8} {'ratio':>6} {'check MB':>9} {'load MB':>8} {'frictionless s':>15} {'frictionless MB':>16}"
    )
    for rows in args.sizes:
        path = workbook(rows)
        load = measure([sys.executable, "-c", _LOAD, str(path)])
        check = measure(
            [
                sys.executable,
                "-m",
                "sheetcheck",
                "check",
                str(path),
                "--template",
                "enrollment-history",
                "--import-date",
                IMPORT_DATE,
                "--quiet",
            ]
        )
        if check["code"] not in (0, 1):
            raise SystemExit(f"sheetcheck failed on {path}: {check['stderr']}")
        fl = "not installed"
        fl_mb = ""
        if frictionless:
            # Every error, not the first 1,000 (its default); cells openpyxl leaves out of a row are
            # "missing-cell" to Frictionless but empty to us, so those are not counted.
            result = measure(
                [
                    frictionless,
                    "validate",
                    str(path),
                    "--schema",
                    str(schema),
                    "--json",
                    "--trusted",
                    "--limit-errors",
                    "1000000000",
                    "--skip-errors",
                    "missing-cell",
                ]
            )
            if result["code"] not in (0, 1):
                raise SystemExit(f"frictionless failed on {path}: {result['stderr']}")
            fl, fl_mb = f"{result['seconds']:.2f}", f"{result['peak_mb']:.0f}"
        print(
            f"{rows:>10,} {load['seconds']:>8.2f} {check['seconds']:>8.2f} {check['seconds'] / load['seconds']:>6.2f}"
            f" {check['peak_mb']:>9.0f} {load['peak_mb']:>8.0f} {fl:>15} {fl_mb:>16}",
            flush=True,
        )


if __name__ == "__main__":
    main()
