"""Start-up: a command builds only its own parser and imports only what it uses.

Every run of ``sheetcheck check`` paid for the template, Excel, export and fix parsers and
their modules (about 0.1 s), and for xml.sax.saxutils, which imports urllib.request, http.client
and email (about 20 ms): it matters for batches of small files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sheetcheck.cli import _COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbook_templates" / "samples" / "enrollment-history-sample.xlsx"
OTHER_FEATURES = ("sheetcheck.template", "sheetcheck.annotate", "sheetcheck.excel")
OTHER_COMMANDS = ("sheetcheck.export", "sheetcheck.fix")
HEAVY_STDLIB = ("xml.sax.saxutils", "urllib.request", "http.client", "email.parser")


def modules_after(code: str) -> list[str]:
    """The modules a fresh interpreter has imported once it has run ``code``."""
    code += "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert "Traceback" not in done.stderr, done.stderr
    modules: list[str] = json.loads(done.stdout.splitlines()[-1])
    return modules


def test_check_imports_no_other_feature(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    argv = ["check", str(SAMPLE), "-f", "json", "-o", str(out), "-q"]
    modules = modules_after(f"from sheetcheck.cli import main\nmain({argv!r})")
    assert json.loads(out.read_text(encoding="utf-8"))["files"], "the check ran"
    assert [name for name in modules if name.startswith(OTHER_FEATURES + OTHER_COMMANDS)] == []


def test_reading_an_xlsx_imports_no_network_modules() -> None:
    """The process that reads the workbook (a worker, for the command line)."""
    modules = modules_after(f"from sheetcheck import check\ncheck({str(SAMPLE)!r})")
    assert "sheetcheck.readers._xlsx_scan" in modules
    assert [name for name in modules if name in HEAVY_STDLIB] == []


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", _COMMANDS)
def test_a_command_alone_parses_as_with_all_the_others(name: str) -> None:
    """A command named first is built alone; without one first (top-level help, an unknown
    command, which lists them all) every command is built, in the order help lists them."""
    alone = subparsers(build_parser([name, "--template", "enrollment-history"]))
    every = subparsers(build_parser(None))
    assert list(alone) == [name]
    assert alone[name].format_help() == every[name].format_help()
    for argv in ([], ["--help"], ["nope"], ["--version", name], ["-h", name]):
        assert list(subparsers(build_parser(argv))) == list(_COMMANDS)
