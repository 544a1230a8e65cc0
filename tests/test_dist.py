"""The built wheel installs and works on its own, outside the source tree.

The wheel (built with ``python -m build``, as ``make dist`` does) goes into a fresh virtual
environment in a temporary folder; its ``sheetcheck`` command checks the bundled sample and
writes every template and sample. Nothing comes from the checkout: the working folder is
elsewhere, PYTHONPATH is unset and the package must load from the new environment. A rule
pack, schema or other data file missing from the wheel fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT

SAMPLE = ROOT / "workbook_templates" / "samples" / "enrollment-history-sample.xlsx"


def run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # a loaded shared machine; never a speed assertion
        check=False,
    )


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_source_tree(
    project_wheel: Path, tmp_path: Path
) -> None:
    """pip install the wheel into a new venv, then check the sample and write the templates."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    bindir = home / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / "python"
    # The README's form for the Excel extra: the wheel file's name followed by [excel].
    done = run(
        [python, "-m", "pip", "install", "--quiet", f"{project_wheel}[excel]"], tmp_path, env
    )
    assert done.returncode == 0, done.stderr[-3000:]

    work = tmp_path / "work"
    work.mkdir()
    code = "import sheetcheck, xlwings; print(sheetcheck.__file__); print(xlwings.__file__)"
    done = run([python, "-c", code], work, env)
    assert done.returncode == 0, done.stderr
    assert all(Path(line).is_relative_to(home) for line in done.stdout.splitlines())

    shutil.copy(SAMPLE, work / SAMPLE.name)
    sheetcheck = bindir / "sheetcheck"
    done = run([sheetcheck, "check", SAMPLE.name, "--import-date", "2026-11-01"], work, env)
    assert done.returncode == 1, done.stderr  # the sample's planted problems, no failure
    assert "NOT READY to upload" in done.stdout
    assert "(enrollment-history)" in done.stdout

    done = run([sheetcheck, "template", "--all", "--output-dir", "out"], work, env)
    assert done.returncode == 0, done.stderr
    written = sorted(p.relative_to(work / "out").as_posix() for p in (work / "out").rglob("*.xlsx"))
    committed = sorted(
        p.relative_to(ROOT / "workbook_templates").as_posix()
        for p in (ROOT / "workbook_templates").rglob("*.xlsx")
    )
    assert written == committed

    sample = work / "out" / "samples" / SAMPLE.name
    done = run([sheetcheck, "check", sample, "--import-date", "2026-11-01"], work, env)
    assert done.returncode == 1, done.stderr
    done = run([sheetcheck, "rules"], work, env)
    assert done.returncode == 0, done.stderr
    assert "ilr-learners" in done.stdout


def test_release_workflow_publishes_from_a_tag_with_trusted_publishing() -> None:
    """The workflow a maintainer uses (not run here): a version tag builds, checks, tests and
    publishes to PyPI through trusted publishing, with no token stored anywhere."""
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert "tags:" in text
    assert '- "v*"' in text
    assert "python -m build" in text
    assert "twine check --strict dist/*" in text
    assert "bash .ci/run" in text
    assert "uses: pypa/gh-action-pypi-publish@release/v1" in text
    assert "id-token: write" in text
    assert "password:" not in text
    assert "PYPI_API_TOKEN" not in text
