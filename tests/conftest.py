"""Shared test helpers: LibreOffice discovery, small workbook builders, and the comparison of
a fast path's issues with its reference's."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from sheetcheck.model import FileReport, Issue, Report, sort_key
from sheetcheck.report import write_report

# The machine running the suite is shared and noisy: property tests judge results, not speed.
settings.register_profile("sheetcheck", deadline=None, print_blob=True)
settings.load_profile("sheetcheck")

ROOT = Path(__file__).resolve().parents[1]
# ../shared/corpus beside the clone; SHEETCHECK_CORPUS points elsewhere (a worktree's checkout).
CORPUS = Path(os.environ.get("SHEETCHECK_CORPUS") or ROOT.parent / "shared" / "corpus")


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require_soffice() -> str:
    """Path of LibreOffice's soffice. Skips when absent locally; fails in CI, which installs it."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        message = (
            "LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui"
        )
        if in_ci():
            pytest.fail(message + " (CI must install it: see .ci/run)")
        pytest.skip(message)
    return path


def require_corpus() -> Path:
    """../shared/corpus; skips when absent locally, fails in CI (CI has shared/ beside the clone)."""
    if not CORPUS.is_dir():
        if in_ci():
            pytest.fail(f"{CORPUS} is missing in CI")
        pytest.skip(f"{CORPUS} is not present")
    return CORPUS


# LibreOffice on the shared 2-core machine: a conversion that takes 20 s alone has taken over
# 180 s with eight engineers' suites running. The timeout only stops a hung soffice; it is sized
# for a loaded machine, and a timed-out run is tried once more (a hang is usually a one-off
# start-up stall) before the test fails. Every LibreOffice test goes through soffice_convert.
SOFFICE_TIMEOUT = 900.0
SOFFICE_ATTEMPTS = 2


def soffice_convert(
    sources: Sequence[Path], fmt: str, outdir: Path, timeout: float = SOFFICE_TIMEOUT
) -> list[Path]:
    """Convert files with headless LibreOffice (one process for all), returning the outputs.

    ``fmt`` is a --convert-to argument such as 'xlsx', 'pdf', 'ods', 'xls' or
    'xlsb:"Calc MS Excel 2007 Binary"'. Each call gets its own profile so parallel runs
    do not fight over the user installation lock. A run that times out is killed (with its
    children) and tried once more.
    """
    soffice = require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    args = ["--headless", "--norestore", "--convert-to", fmt, "--outdir", str(outdir)]
    for attempt in range(1, SOFFICE_ATTEMPTS + 1):
        profile = Path("/tmp") / f"lo-profile-{uuid.uuid4().hex}"
        command = [soffice, f"-env:UserInstallation=file://{profile}", *args, *map(str, sources)]
        try:
            run_soffice(command, timeout)
            break
        except subprocess.TimeoutExpired:
            if attempt == SOFFICE_ATTEMPTS:
                raise
        finally:
            shutil.rmtree(profile, ignore_errors=True)
    extension = fmt.split(":", maxsplit=1)[0]
    outputs = [outdir / f"{Path(s).stem}.{extension}" for s in sources]
    missing = [o for o in outputs if not o.exists()]
    if missing:
        raise AssertionError(f"LibreOffice did not produce {missing}")
    return outputs


def run_soffice(command: Sequence[str], timeout: float) -> None:
    """One soffice run; on a timeout its whole process group is killed, then TimeoutExpired."""
    import signal

    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
        if process.returncode != 0:
            raise subprocess.CalledProcessError(process.returncode, command, out, err)


def write_book(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    """An xlsx with one sheet per entry, rows from A1 (None leaves a cell empty; '=...' text
    stays text)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula stays text
    book.save(path)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], title: str = "Enrollments") -> Path:
    """A plain one-sheet xlsx with ``rows`` from A1."""
    return write_book(path, {title: rows})


def validate_report(data: Mapping[str, Any]) -> None:
    """A JSON report must match the published schemas/report.schema.json."""
    import jsonschema

    from sheetcheck.packs import schemas_dir

    schema = json.loads((schemas_dir() / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)


def colour_box(image: Any, rgb: str, tolerance: int = 10) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the pixels of a PIL image close to colour
    ``rgb`` ('FFC7CE'); None when only stray (anti-aliased) pixels have it."""
    want = tuple(int(rgb[k : k + 2], 16) for k in (0, 2, 4))
    width, height = image.size
    pixels = image.load()
    xs, ys = [], []
    for y in range(height):
        for x in range(width):
            if all(abs(a - b) <= tolerance for a, b in zip(pixels[x, y][:3], want, strict=True)):
                xs.append(x)
                ys.append(y)
    if len(xs) < 50:  # stray anti-aliased pixels are not a filled cell
        return None
    return min(xs), min(ys), max(xs), max(ys)


@pytest.fixture
def soffice() -> str:
    return require_soffice()


def require_node() -> str:
    """Path of Node.js (the Pyodide test). Skips when absent locally; fails in CI (.ci/run
    installs it)."""
    path = shutil.which("node")
    if path is None:
        message = "Node.js is not installed: apt-get install -y nodejs npm"
        if in_ci():
            pytest.fail(message + " (CI must install it: see .ci/run)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def project_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once per session with the standard frontend (``python -m
    build``, as ``make dist`` does) from the source tree."""
    import sys

    outdir = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = outdir.glob("sheetcheck-*.whl")
    return wheel


def reports(issues: list[Issue]) -> dict[str, str]:
    """The issues as every report format writes them."""
    item = FileReport(file="f.xlsx", template="t", sheet="S", header_row=1, rows=9, issues=issues)
    texts = {}
    for fmt in ("json", "text", "csv"):
        out = io.StringIO()
        write_report(Report([item]), out, fmt)
        texts[fmt] = out.getvalue()
    return texts


def in_report_order(issues: list[Issue]) -> list[Issue]:
    """check_table's issues come unsorted (a bad value's, a row rule's issues are made
    together); every report sorts them (sort_key), and ties here are broken by what remains."""
    return sorted(issues, key=lambda i: (sort_key(i), i.sheet, i.column or "", i.message))


def assert_same(fast: list[Issue], reference: list[Issue]) -> None:
    """A fast path's issues against its reference's: the same issues, the same report bytes."""
    fast, reference = in_report_order(fast), in_report_order(reference)
    assert fast == reference
    assert reports(fast) == reports(reference)
