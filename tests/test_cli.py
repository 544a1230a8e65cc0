"""The command line: formats, exit codes, report schema, output files, progress."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import validate_report, write_xlsx
from enrollment import HEADER, row
from sheetcheck.cli import main
from sheetcheck.packs import schemas_dir
from sheetcheck.progress import Progress

ARGS = ["--import-date", "2026-06-01"]


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "clean.xlsx", [HEADER, row(), row(login="bob@school.org")])


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            row(),
            row(created="31/02/2025"),
            row(status="Passed", score=None),
            row(login="=cmd|'/c calc'!A1"),
        ],
    )


@pytest.fixture
def warn_only(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "warn.xlsx", [HEADER, row(status="Passed", score=None)])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_report_has_the_published_shape(
    capsys: pytest.CaptureFixture[str], bad: Path, clean: Path
) -> None:
    """Several files in one JSON document, valid against schemas/report.schema.json."""
    code, out, _ = run(capsys, "check", str(bad), str(clean), "-f", "json", *ARGS)
    data = json.loads(out)
    validate_report(data)
    assert code == 1 and data["valid"] is False
    first, second = data["files"]
    assert (
        first["template"] == "enrollment-history"
        and first["sheet"] == "Enrollments"
        and first["header_row"] == 1
    )
    assert first["summary"] == {"rows": 4, "errors": 2, "warnings": 1, "infos": 0}
    assert {(i["row"], i["column"], i["cell"], i["rule"]) for i in first["issues"]} == {
        (3, "Enrollment Created Date", "E3", "invalid-date"),
        (4, "Enrollment Score", "D4", "score-missing"),
        (5, "Login ID", "A5", "invalid-login-id"),
    }
    (login,) = [i for i in first["issues"] if i["rule"] == "invalid-login-id"]
    assert login["value"] == "=cmd|'/c calc'!A1"
    assert [i["severity"] for i in first["issues"]] == ["error", "error", "warning"]
    assert second["valid"] is True and second["issues"] == []
    assert "names 7 of the 7 columns" in first["template_reason"]


def test_text_report_groups_by_rule_with_counts(
    capsys: pytest.CaptureFixture[str], bad: Path
) -> None:
    code, out, err = run(capsys, "check", str(bad), "--template", "enrollment-history", *ARGS)
    assert code == 1 and err == ""
    assert "ERROR  invalid-date  (1)" in out
    assert "WARNING  score-missing  (1)" in out
    assert out.index("ERROR") < out.index("WARNING")
    assert "E3" in out and "did you mean" not in out.split("WARNING")[1]
    assert "2 errors, 1 warning, 0 info in 4 rows (enrollment-history): NOT READY" in out


def test_csv_report_neutralises_formula_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "inj.xlsx", [HEADER, row(login="=HYPERLINK(1) x")])
    code, out, _ = run(capsys, "check", str(path), "-f", "csv", *ARGS)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 1
    assert rows[0]["rule"] == "invalid-login-id"
    assert rows[0]["value"].startswith("'=")
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values() if v)


@pytest.mark.parametrize(
    ("fixture", "extra", "code"),
    [
        ("clean", [], 0),
        ("warn_only", [], 0),
        ("warn_only", ["--strict"], 1),
        ("bad", [], 1),
    ],
)
def test_exit_codes(
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    fixture: str,
    extra: list[str],
    code: int,
) -> None:
    """0 submit-ready (warnings allowed), 1 errors (or warnings with --strict)."""
    path = request.getfixturevalue(fixture)
    assert run(capsys, "check", str(path), "-q", *ARGS, *extra)[0] == code


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "{missing}"], "no such file"),
        (["check", "{clean}", "--template", "no-such"], "no bundled rule pack"),
        (["check", "{clean}", "--sheet", "Nope"], "no sheet named 'Nope'"),
        (["check", "{text}"], "not"),
        (["check", "{clean}", "--import-date", "1/3/2025"], "not a date in YYYY-MM-DD"),
        (["check", "{clean}", "--format", "xml"], "invalid choice"),
        (
            ["check", "{clean}", "--template", "{badpack}"],
            "bad.json at /x-sheetcheck/rules/required/severity",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, clean: Path, argv: list[str], message: str
) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("just some notes, not a spreadsheet\n" * 3)
    pack = json.loads((schemas_dir() / "enrollment-history.json").read_text())
    pack["x-sheetcheck"]["rules"]["required"]["severity"] = "fatal"
    badpack = tmp_path / "bad.json"
    badpack.write_text(json.dumps(pack))
    names = {"missing": tmp_path / "missing.xlsx", "clean": clean, "text": text, "badpack": badpack}
    argv = [a.format(**names) for a in argv]
    with pytest.raises(SystemExit) if argv[-1] in ("1/3/2025", "xml") else _nothing() as caught:
        code = main(argv)
    _out, err = capsys.readouterr()
    if caught is not None and isinstance(caught, pytest.ExceptionInfo):
        code = caught.value.code
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in err


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_output_file_is_written_whole(
    capsys: pytest.CaptureFixture[str], bad: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, "check", str(bad), "-f", "json", "-o", str(target), *ARGS)
    assert code == 1 and out == ""
    validate_report(json.loads(target.read_text()))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_one_bad_file_does_not_stop_the_batch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, clean: Path
) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 truncated")
    code, out, err = run(capsys, "check", str(broken), str(clean), "-f", "json", *ARGS)
    data = json.loads(out)
    validate_report(data)
    assert code == 2
    assert data["files"][0]["error"] and data["files"][1]["valid"] is True
    assert len(err.strip().splitlines()) == 1 and "broken.xlsx" in err


def test_rules_command_lists_packs_and_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "enrollment-history" in out
    code, out, _ = run(capsys, "rules", "enrollment-history")
    assert "duplicate-open-enrollment" in out and "Login ID" in out


@pytest.mark.parametrize("code", [0, 1, 2])
def test_end_to_end_subprocess_exit_code(tmp_path: Path, clean: Path, bad: Path, code: int) -> None:
    """The installed command, as a script would run it, once per exit code."""
    target = {0: clean, 1: bad, 2: tmp_path / "missing.xlsx"}[code]
    done = subprocess.run(
        [sys.executable, "-m", "sheetcheck", "check", str(target), "-f", "json", *ARGS],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard only, sized for a loaded machine
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code < 2:
        validate_report(json.loads(done.stdout))


def test_progress_draws_only_on_terminals() -> None:
    """A non-terminal stream gets nothing; the rendered bar shows files done and the label."""
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress.update("checking a.xlsx", 1, 4)
    assert stream.getvalue() == ""
    progress = Progress(stream, enabled=True)
    progress.update("checking b.xlsx", 2, 4)
    line = progress.render(progress._started + 3.0)
    assert line.startswith("[##########") and " 2/4 checking b.xlsx 3 s" in line


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cutoff", "2025-07-31"], "--cutoff only applies with --against FILE"),
        (["--allow-deletions"], "--allow-deletions only applies with --baseline FILE"),
    ],
)
def test_settings_without_their_comparison_file(
    capsys: pytest.CaptureFixture[str], clean: Path, extra: list[str], message: str
) -> None:
    code, _, err = run(capsys, "check", str(clean), *extra)
    assert code == 2 and err.strip() == f"sheetcheck: {message}"
