"""``sheetcheck export``: the upload CSV exactly as the target expects it, or nothing.

End to end in-process (``main([...])``), asserting on the bytes written; the value formatting
is tested on its own with tables of cases and a property test for formula injection.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import write_xlsx
from enrollment import HEADER, row, table
from sheetcheck.cli import main
from sheetcheck.engine import Norm, normalize_table
from sheetcheck.export import plain_number, submission_text
from sheetcheck.packs import load_pack
from sheetcheck.safety import FORMULA_TRIGGERS

ARGS = ["--template", "enrollment-history", "--import-date", "2026-06-01"]


def export(
    capsys: pytest.CaptureFixture[str], source: Path, target: Path, *extra: str
) -> tuple[int, str, str]:
    code = main(["export", str(source), *ARGS, "-o", str(target), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_upload_file_is_exactly_what_the_target_expects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pack column order and names, d/m/yyyy, plain numbers, canonical statuses, neutralized
    text, UTF-8 without BOM, CRLF line ends; title rows and blank rows are not data."""
    shuffled = [HEADER[i] for i in (2, 0, 1, 6, 5, 4, 3)]
    shuffled[1] = "E-mail"  # an accepted alias: written under the pack's name

    def reorder(values: list[Any]) -> list[Any]:
        return [values[i] for i in (2, 0, 1, 6, 5, 4, 3)]

    source = write_xlsx(
        tmp_path / "in.xlsx",
        [
            ["Enrollments exported 1/6/2026"],
            shuffled,
            reorder(row(status=" passed ", score=85.0, completed=dt.datetime(2025, 1, 3))),
            [],
            reorder(row(login="=HYPERLINK(1)", course='  Ünïcode, "quoted" ', score=None)),
            reorder(
                row(
                    status="Failed",
                    score="72.50",
                    created="01/01/2025",
                    started=dt.date(2025, 1, 2),
                )
            ),
        ],
    )
    target = tmp_path / "upload.csv"
    code, out, _ = export(capsys, source, target)
    assert code == 0
    assert (
        target.read_bytes()
        == (
            "Login ID,Course Name,Enrollment Status,Enrollment Score,Enrollment Created Date,"
            "Enrollment Started Date,Enrollment Completed Date\r\n"
            "ann@school.org,Fire Safety,Passed,85,1/1/2025,2/1/2025,3/1/2025\r\n"
            '\'=HYPERLINK(1),"Ünïcode, ""quoted""",Completed,,1/1/2025,2/1/2025,3/1/2025\r\n'
            "ann@school.org,Fire Safety,Failed,72.5,1/1/2025,2/1/2025,3/1/2025\r\n"
        ).encode()
    )
    assert f"read 3 rows from {source} (sheet 'Enrollments'); wrote 3 rows to {target}" in out


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([row(created="31/02/2025")], "has 1 error: nothing written"),
        ([row(created="31/02/2025"), row(score=50)], "has 2 errors: nothing written"),
    ],
)
def test_refuses_while_there_are_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[Any]], message: str
) -> None:
    """Exit 1, the count and the check command on stderr; an existing target is untouched."""
    source = write_xlsx(tmp_path / "in.xlsx", [HEADER, *rows])
    target = tmp_path / "upload.csv"
    target.write_text("previous")
    code, out, err = export(capsys, source, target, "--force")  # even with --force
    assert code == 1 and out == ""
    assert message in err and f"sheetcheck check {source} --template enrollment-history" in err
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "upload.csv"]


@pytest.mark.parametrize(("strict", "code"), [(False, 0), (True, 1)])
def test_warnings_do_not_block_unless_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], strict: bool, code: int
) -> None:
    """A Passed row without a score is a warning: exported, noted; refused with --strict."""
    source = write_xlsx(tmp_path / "in.xlsx", [HEADER, row(status="Passed", score=None)])
    target = tmp_path / "upload.csv"
    got, out, err = export(capsys, source, target, *(["--strict"] if strict else []))
    assert got == code and target.exists() == (not strict)
    assert ("note: 1 warning" in out) == (not strict)
    assert ("1 error and 1 warning" in err or "0 errors and 1 warning" in err) == strict


def test_roster_without_the_optional_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An optional column the file does not have is not invented; IDs stay text."""
    header = ["Student ID", "Given Name", "Family Name", "Year/Grade", "Class", "Teacher"]
    source = write_xlsx(
        tmp_path / "r.xlsx", [header, [1001, "Ann", "Lee", 7, "7A", "Jo Park"]], "Students"
    )
    target = tmp_path / "up.csv"
    code = main(["export", str(source), "-t", "student-roster", "-o", str(target)])
    capsys.readouterr()
    assert code == 0
    assert list(csv.reader(io.StringIO(target.read_text("utf-8")))) == [
        header,
        ["1001", "Ann", "Lee", "7", "7A", "Jo Park"],
    ]


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["missing.xlsx", "-t", "enrollment-history", "-o", "x.csv"], 2),
        (["in.xlsx", "-t", "no-such-pack", "-o", "x.csv"], 2),
        (["in.xlsx", "-o", "x.csv"], 2),  # --template is required
    ],
)
def test_unusable_input_is_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    code: int,
) -> None:
    """A missing file, an unknown template or a bad command line: exit 2, no traceback."""
    monkeypatch.chdir(tmp_path)
    write_xlsx(tmp_path / "in.xlsx", [HEADER, row()])
    try:
        got = main(["export", *argv])
    except SystemExit as exit_:  # argparse ends the run itself on a bad command line
        got = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert got == code and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.0, "1234"),
        (72.5, "72.5"),
        (0.1, "0.1"),
        (1e-07, "0.0000001"),
        (1e16, "10000000000000000"),
        (-3.25, "-3.25"),
    ],
)
def test_plain_number(value: float, text: str) -> None:
    """No exponent, no thousands separator, no trailing .0."""
    assert plain_number(value) == text


@pytest.mark.parametrize(
    ("norm", "text"),
    [
        (None, ""),
        (Norm("2025-03-01", dt.date(2025, 3, 1)), "1/3/2025"),
        (Norm("x", dt.datetime(2025, 12, 31)), "31/12/2025"),
        (Norm(85, 85), "85"),
        (Norm(1234567, 1234567), "1234567"),
        (Norm(True, True), "TRUE"),
        (Norm("-5", "-5"), "'-5"),
        (Norm("@sum", None), "'@sum"),
        (Norm("  Fire Safety ", "  Fire Safety "), "Fire Safety"),
    ],
)
def test_submission_text(norm: Norm | None, text: str) -> None:
    """One cell's final text: dates d/m/yyyy, plain numbers, text trimmed and neutralized."""
    assert submission_text(norm) == text


@given(st.text())
def test_no_text_cell_ever_starts_a_formula(text: str) -> None:
    """Whatever the text, the exported cell does not start with a formula trigger."""
    assert not submission_text(Norm(text, text)).startswith(FORMULA_TRIGGERS)


def test_normalize_table_reads_cells_as_the_checks_do() -> None:
    """engine.normalize_table: per present pack column, each cell's Norm (None when empty)."""
    header = ["status", "Login ID", "Unrelated"]
    data = table([[" passed ", "a@b.org", "x"], [None, "c@d.org", "y"]], header=header)
    norms = normalize_table(load_pack("enrollment-history"), data)
    assert set(norms) == {"Enrollment Status", "Login ID"}
    assert [n.json if n else None for n in norms["Enrollment Status"]] == ["Passed", None]
