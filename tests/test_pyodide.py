"""The xlwings Lite script in a real Pyodide: the runtime xlwings Lite uses, under Node.

xlwings Lite runs ``main.py`` in Pyodide inside Excel. This test loads the same Pyodide
(the ``pyodide`` npm package pinned in tests/pyodide/package.json, from node_modules, no
network), unpacks the project's wheel and the pure-Python wheels of its dependencies into
Pyodide's site-packages (micropip would need the network), and runs tests/pyodide/driver.py
there: ``import sheetcheck``, ``sheetcheck.check`` on a small table, the generated
``main.py``'s Validate and Clear on remote-engine books, and the three cell functions. The
same driver then runs in CPython, and the two results must be identical (the check time in
the status formula masked).

xlwings itself: PyPI serves a pure-Python xlwings wheel (``py3-none-any``) beside the
platform wheels that carry its Rust extension; on Pyodide, micropip picks that pure wheel,
and so does this test (``pip download --platform pyodide_...``). The remote engine behind
``xw.Book(json=...)`` is pure Python. rpds-py (needed by jsonschema through referencing) has
no Pyodide wheel on PyPI: tests/pyodide/rpds_standin stands in for it (test infrastructure
only, see its docstring).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from conftest import ROOT, in_ci, require_node
from excel_payloads import HEADER, book_payload, enrollment_values, remote_book, sheet_payload
from excel_payloads.client_actions import OFFICE_JS_ACTIONS
from excel_payloads.files import with_rig
from sheetcheck.excel import lite_files

PYODIDE_DIR = ROOT / "tests" / "pyodide"
# The Pyodide release xlwings Lite runs (its changelog, 1.0.0.0-12: "Upgraded to Pyodide
# 0.27.5"; xlwings Server's own page loads v0.27.5 too). package.json pins the same.
PYODIDE_VERSION = "0.27.5"
# Environment markers as Pyodide 0.27.5 (Python 3.12.7, Emscripten) evaluates them.
PYODIDE_MARKERS = {
    "python_version": "3.12",
    "python_full_version": "3.12.7",
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
PIP_PLATFORM = ["--platform", "pyodide_2024_0_wasm32", "--python-version", "3.12"]
NATIVE_ONLY = {"rpds-py"}  # no pure wheel on PyPI: replaced by tests/pyodide/rpds_standin
IMPORT_DATE = "2025-06-30"


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def pyodide_dependencies() -> list[str]:
    """``name==version`` of every distribution sheetcheck[excel] needs in Pyodide, at the
    versions installed here (so both runs execute the same code)."""
    wanted: dict[str, str] = {}
    todo = [(req, "excel") for req in metadata.requires("sheetcheck") or []]
    while todo:
        text, extra = todo.pop()
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({**PYODIDE_MARKERS, "extra": extra}):
            continue
        name = canonical(req.name)
        if name in wanted:
            continue
        wanted[name] = metadata.version(name)
        todo.extend((sub, "") for sub in metadata.requires(name) or [])
    return sorted(f"{n}=={v}" for n, v in wanted.items() if n not in NATIVE_ONLY)


def pyodide_runtime() -> str:
    """Node, with the pinned pyodide package in tests/pyodide/node_modules (npm ci if not)."""
    node = require_node()
    package = PYODIDE_DIR / "node_modules" / "pyodide" / "package.json"
    if not package.is_file():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm is not installed: apt-get install -y npm"
            if in_ci():
                pytest.fail(message)
            pytest.skip(message)
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=PYODIDE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(package.read_text(encoding="utf-8"))["version"] == PYODIDE_VERSION
    return node


@pytest.fixture(scope="module")
def node() -> str:
    """Node with the pinned Pyodide; skips (locally, without Node) before anything is built."""
    return pyodide_runtime()


@pytest.fixture(scope="module")
def wheels(node: str, project_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The project's wheel, the pure-Python wheels of its dependencies and the rpds stand-in."""
    outdir = tmp_path_factory.mktemp("pyodide-wheels")
    deps = pyodide_dependencies()
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    done = subprocess.run(
        [*pip, *PIP_PLATFORM, "--dest", str(outdir), *deps],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    downloaded = sorted(outdir.glob("*.whl"))
    assert len(downloaded) == len(deps), (deps, downloaded)
    native = [p.name for p in downloaded if not p.name.endswith("-none-any.whl")]
    assert not native, f"not pure Python, so not installable this way: {native}"
    standin = outdir / "rpds_standin.zip"
    with zipfile.ZipFile(standin, "w") as archive:
        source = PYODIDE_DIR / "rpds_standin" / "rpds" / "__init__.py"
        archive.write(source, "rpds/__init__.py")
    return [project_wheel, *downloaded, standin]


def job(tmp_path: Path, wheel_files: list[Path]) -> dict[str, Any]:
    values, _ = enrollment_values(6, 2)
    # A book with the Validate rig of a generated template, so Validate lights cells.
    payload, model = with_rig(book_payload([sheet_payload("Enrollments", values)]), ["Enrollments"])
    # The same book after a Validate, for Clear: painted in CPython, applied by the model.
    from sheetcheck import excel

    book = remote_book(payload)
    excel.validate(book)
    model.apply(book.json()["actions"])
    rows = [
        ["ana@example.org", "Fire Safety 101", "Passed", "85", "1/3/2025", "4/3/2025", "14/3/2025"],
        ["ana@example.org", "Fire Safety 101", "Done", "101", "31/2/2025", "4/3/2025", ""],
        ["bo b", "Data Protection", "In Progress", "", "2/1/2025", "1/1/2025", ""],
    ]
    csv = "\r\n".join(",".join(row) for row in [HEADER, *rows]) + "\r\n"
    (tmp_path / "wheels").mkdir()
    names = []
    for wheel in wheel_files:
        shutil.copy(wheel, tmp_path / "wheels" / wheel.name)
        names.append(f"wheels/{wheel.name}")
    return {
        "wheels": names,
        "template": "enrollment-history",
        "import_date": IMPORT_DATE,
        "csv": csv,
        "main_py": lite_files()["main.py"],
        "payload": payload,
        "painted": model.payload(),
        "udfs": {
            "dates": ["31/02/2025", "1/3/2025", 45717, "", "2025-03-01", True],
            "header": HEADER,
            "rows": [rows[0], rows[1]],
        },
    }


def run_in_cpython(job_file: Path, result: Path) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("pyodide_driver", PYODIDE_DIR / "driver.py")
    assert spec is not None
    assert spec.loader is not None
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    data = json.loads(job_file.read_text(encoding="utf-8"))
    data["wheels"] = []  # CPython runs the installed package
    job_file.with_name("cpython-job.json").write_text(json.dumps(data), encoding="utf-8")
    driver.main(str(job_file.with_name("cpython-job.json")), str(result))
    return json.loads(result.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_lite_script_runs_in_pyodide_like_in_cpython(
    node: str, wheels: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """import sheetcheck, the engine, Validate, Clear and the cell functions in Pyodide give
    exactly what CPython gives for the same book (the check time masked)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    job_dir = tmp_path / "job"
    job_dir.mkdir()
    job_file = job_dir / "job.json"
    job_file.write_text(json.dumps(job(job_dir, wheels)), encoding="utf-8")

    started = time.monotonic()
    done = subprocess.run(
        [node, str(PYODIDE_DIR / "run.mjs"), str(job_dir)],
        capture_output=True,
        text=True,
        timeout=900,  # a loaded 2-core machine: generous, never a speed assertion
        check=False,
    )
    took = time.monotonic() - started
    print(f"Pyodide {PYODIDE_VERSION} run under Node: {took:.1f} s")
    assert done.returncode == 0, done.stderr[-6000:]
    in_pyodide = json.loads((job_dir / "result.json").read_text(encoding="utf-8"))
    in_cpython = run_in_cpython(job_file, tmp_path / "cpython-result.json")

    assert in_pyodide.pop("platform") == "emscripten"
    assert in_pyodide.pop("python") == [3, 12, 7]
    assert in_cpython.pop("platform") == sys.platform
    in_cpython.pop("python")
    # Not vacuous: the table has issues, Validate painted, Clear cleared, the functions answered.
    assert {issue["rule"] for issue in in_pyodide["check"]} >= {"invalid-date", "unknown-status"}
    sent = [a["func"] for a in in_pyodide["validate"]]
    assert {"sheetClearContents", "setValues", "addSheet"} <= set(sent) <= OFFICE_JS_ACTIONS
    assert any("checked <check time>" in json.dumps(a) for a in in_pyodide["validate"])
    assert in_pyodide["clear"]
    assert in_pyodide["date"][:2] == [in_cpython["date"][0], "2025-03-01"]
    assert in_pyodide["row"][0] == ""
    assert in_pyodide["row"][1]
    assert in_pyodide == in_cpython
