"""What tests/test_pyodide.py runs twice: once in Pyodide (through run.mjs), once in CPython.

Only public entry points are used, so the comparison survives changes inside the package:
``sheetcheck.check`` on a small table, the generated xlwings Lite ``main.py`` (its Validate
and Clear scripts on remote-engine books, its three cell functions). ``main(job, result)``
reads the job (JSON) and writes what came out (JSON); the test compares the two results.

Standard library, sheetcheck and xlwings only: nothing from the test suite is importable
inside Pyodide.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

# The Issues sheet's status line holds the check time ("checked 2026-12-04 15:30").
CHECK_TIME = re.compile(r"checked [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}")


def install_wheels(wheels: list[Path]) -> None:
    """Unpack wheels into site-packages: what micropip does, without the network."""
    import site

    target = site.getsitepackages()[0]
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)


def masked(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The actions as JSON, with the check time replaced by a fixed mark."""
    text = json.dumps(actions, sort_keys=True, default=str)
    return json.loads(CHECK_TIME.sub("checked <check time>", text))


def remote_book(payload: dict[str, Any]) -> Any:
    import xlwings as xw

    if "remote" not in {engine.name for engine in xw.engines}:
        from xlwings.pro import _xlremote  # registered at import only when the key was set

        xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
    return xw.Book(json=copy.deepcopy(payload))


def run(job: dict[str, Any], base: Path) -> dict[str, Any]:
    import sheetcheck

    result: dict[str, Any] = {
        "platform": sys.platform,
        "python": list(sys.version_info[:3]),
        "sheetcheck": sheetcheck.__version__,
    }

    # The engine on a small table, through the public API.
    table = base / "enrollments.csv"
    table.write_text(job["csv"], encoding="utf-8", newline="")
    report = sheetcheck.check(
        table, template=job["template"], import_date=dt.date.fromisoformat(job["import_date"])
    )
    result["check"] = [issue.to_dict() for issue in report.issues]

    # The generated main.py, as xlwings Lite runs it.
    namespace: dict[str, Any] = {"__name__": "main"}
    exec(compile(job["main_py"], "main.py", "exec"), namespace)
    book = remote_book(job["payload"])
    namespace["validate"](book)
    result["validate"] = masked(book.json()["actions"])
    painted = remote_book(job["painted"])
    namespace["clear"](painted)
    result["clear"] = masked(painted.json()["actions"])

    udfs = job["udfs"]
    result["date"] = [namespace["sheetcheck_date"](value) for value in udfs["dates"]]
    result["row"] = [namespace["sheetcheck_row"](row, udfs["header"]) for row in udfs["rows"]]
    result["issues"] = namespace["sheetcheck_issues"]([udfs["header"], *udfs["rows"]])
    return json.loads(json.dumps(result, default=str))


def main(job_path: str, result_path: str) -> None:
    job_file = Path(job_path)
    job = json.loads(job_file.read_text(encoding="utf-8"))
    install_wheels([job_file.parent / name for name in job["wheels"]])
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    result = run(job, job_file.parent)
    Path(result_path).write_text(json.dumps(result, indent=1), encoding="utf-8")
