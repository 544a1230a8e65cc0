"""Several roster files checked as one upload and merged: ``check A B ... --merge OUT.xlsx``.

Duplicates across files are reported with both locations; students the platform has are
"missing" only when no file has them; the merged workbook is written only without errors,
atomically, with text kept as text.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import validate_report, write_xlsx
from sheetcheck.checker import CheckOptions
from sheetcheck.cli import main
from sheetcheck.errors import UsageError
from sheetcheck.merge import check_together, write_merged
from sheetcheck.packs import load_pack

HEADER = [column.name for column in load_pack("student-roster").columns]
OPTIONS = CheckOptions(template="student-roster")


def student(
    sid: str, given: str, family: str, klass: str = "7A", title: str | None = "Ms"
) -> list[Any]:
    return [sid, given, family, "7", klass, "Jo Park", title]


def write(path: Path, rows: Sequence[Sequence[Any]], title: str = "Class") -> Path:
    return write_xlsx(path, rows, title)


@pytest.fixture
def classes(tmp_path: Path) -> list[Path]:
    """Two teachers' sheets: the second with aliases, another column order, no Teacher Title."""
    first = write(
        tmp_path / "teacher1.xlsx", [HEADER, student("1", "Ann", "Lee"), student("2", "Bo", "Kim")]
    )
    other_header = ["Surname", "First Name", "ID", "Year", "Class", "Teacher"]
    second = write(
        tmp_path / "teacher2.xlsx",
        [["7B roster"], other_header, ["Ng", "Cy", "3", "7", "7B", "Al Roe"]],
    )
    return [first, second]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["check", *argv, "--template", "student-roster", "-f", "json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    validate_report(data)
    return code, data, err


def located(data: dict[str, Any]) -> set[tuple[str, str | None, str]]:
    """{(file name, cell, rule)} over the whole report."""
    return {
        (Path(f["file"]).name, i["cell"], i["rule"]) for f in data["files"] for i in f["issues"]
    }


def test_clean_files_are_merged_in_order_under_the_pack_columns(
    classes: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 0, one report entry per file, and one workbook with every student."""
    out = tmp_path / "merged.xlsx"
    code, data, err = run(capsys, *map(str, classes), "--merge", str(out))
    assert code == 0 and [Path(f["file"]).name for f in data["files"]] == [
        "teacher1.xlsx",
        "teacher2.xlsx",
    ]
    assert f"wrote {out}: 3 rows from 2 files" in err
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask  # like any file the user saves
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "Students"
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        HEADER,
        ["1", "Ann", "Lee", "7", "7A", "Jo Park", "Ms"],
        ["2", "Bo", "Kim", "7", "7A", "Jo Park", "Ms"],
        ["3", "Cy", "Ng", "7", "7B", "Al Roe", None],
    ]


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ([student("1", "Ann", "Lee", "7B")], {("teacher2.xlsx", "A2", "duplicate-student")}),
        ([student(" 1 ", "Ann", "Lee", "7B")], {("teacher2.xlsx", "A2", "duplicate-student")}),
        (
            [student("3", "Cy", "Ng"), student("1", "A", "L"), student("1", "A", "L")],
            {
                ("teacher2.xlsx", "A3", "duplicate-student"),
                ("teacher2.xlsx", "A4", "duplicate-student"),
            },
        ),
        ([student("3", "Cy", "Ng")], set()),
    ],
)
def test_duplicates_across_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], second: list[list[Any]], expected: set[Any]
) -> None:
    """A Student ID already in an earlier file: flagged once on the later cell (an in-file
    repeat stays the engine's, not counted twice); nothing is merged while errors remain."""
    first = write(tmp_path / "teacher1.xlsx", [HEADER, student("1", "Ann", "Lee")])
    other = write(tmp_path / "teacher2.xlsx", [HEADER, *second])
    out = tmp_path / "merged.xlsx"
    code, data, err = run(capsys, str(first), str(other), "--merge", str(out))
    assert located(data) == expected
    assert code == (1 if expected else 0) and out.exists() == (not expected)
    if expected:
        assert "merged.xlsx not written" in err


def test_cross_file_duplicate_message_names_both_locations(tmp_path: Path) -> None:
    """The issue sits on the later file's cell and names the earlier file and cell."""
    first = write(
        tmp_path / "teacher1.xlsx", [HEADER, student("5", "Z", "Y"), student("1", "A", "L")]
    )
    other = write(tmp_path / "teacher2.xlsx", [HEADER, student("1", "Ann", "Lee", "7B")])
    together = check_together([first, other], OPTIONS)
    (issue,) = together.report.files[1].issues
    assert (issue.sheet, issue.cell, issue.rule, issue.severity) == (
        "Class",
        "A2",
        "duplicate-student",
        "error",
    )
    assert "row 3 of teacher1.xlsx (A3)" in issue.message
    assert together.report.files[0].issues == []


def test_baseline_deletions_are_judged_on_all_files_together(
    classes: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A student on any teacher's sheet is not missing; the rest are, once, for the upload."""
    baseline = write(
        tmp_path / "current.xlsx",
        [
            HEADER[:5],
            ["1", "Ann", "Lee", "7", "7A"],
            ["3", "Cy", "Ng", "7", "7B"],
            ["4", "Di", "Fox", "7", "7B"],
        ],
    )
    out = tmp_path / "merged.xlsx"
    argv = [*map(str, classes), "--baseline", str(baseline), "--merge", str(out)]
    code, data, _ = run(capsys, *argv)
    assert code == 1 and not out.exists()
    assert located(data) == {("merged.xlsx", None, "student-deleted")}
    (whole,) = [f for f in data["files"] if f["file"] == str(out)]
    assert "Di Fox (Student ID 4, class 7B; row 4 of current.xlsx)" in whole["issues"][0]["message"]
    assert (
        "not in any of the 2 files (teacher1.xlsx, teacher2.xlsx)" in whole["issues"][0]["message"]
    )
    assert whole["upload_of"] == list(map(str, classes))
    assert whole["summary"]["rows"] == 3
    code, data, _ = run(capsys, *argv, "--allow-deletions")
    assert code == 0 and out.exists()
    assert located(data) == {("merged.xlsx", None, "deletions-allowed")}


def test_text_is_never_a_formula_in_the_merged_workbook(tmp_path: Path) -> None:
    """Text that looks like a formula is stored as text (inline string), never as <f>."""
    rows = [HEADER, student("1", '=HYPERLINK("http://x")', "+Lee"), student("2", "@Bo", "-Kim")]
    first = write(tmp_path / "teacher1.xlsx", rows)
    together = check_together([first], OPTIONS)
    assert together.report.exit_code == 0
    out = tmp_path / "merged.xlsx"
    assert write_merged(together, out) == 2
    with zipfile.ZipFile(out) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    cells = openpyxl.load_workbook(out).active
    assert (cells["B2"].value, cells["B2"].data_type) == ('=HYPERLINK("http://x")', "s")
    assert [cells[ref].value for ref in ("C2", "B3", "C3")] == ["+Lee", "@Bo", "-Kim"]


def test_nothing_is_written_while_there_are_errors(tmp_path: Path) -> None:
    """write_merged refuses a report with errors; an existing target is left as it was."""
    first = write(
        tmp_path / "teacher1.xlsx", [HEADER, student("1", "A", "L"), student("1", "B", "M")]
    )
    out = tmp_path / "merged.xlsx"
    out.write_bytes(b"previous")
    together = check_together([first], OPTIONS)
    with pytest.raises(UsageError):
        write_merged(together, out)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".merged")] == []


def test_an_unreadable_file_is_reported_and_blocks_the_merge(
    classes: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One bad file: its entry carries the error, the others are checked, exit 2, no merge."""
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    out = tmp_path / "merged.xlsx"
    code, data, err = run(
        capsys, str(classes[0]), str(broken), str(classes[1]), "--merge", str(out)
    )
    assert code == 2 and not out.exists()
    assert [("error" in f) for f in data["files"]] == [False, True, False]
    assert "not written" in err


def test_the_first_file_picks_the_template_for_all(
    classes: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without --template, the first file's header chooses the pack for every file."""
    out = tmp_path / "merged.xlsx"
    code = main(["check", *map(str, classes), "--merge", str(out), "-f", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and {f["template"] for f in data["files"]} == {"student-roster"}


def test_annotate_and_merge_do_not_combine(
    classes: list[Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--annotate takes one file; with --merge it is a usage error (exit 2, one line)."""
    code = main(
        [
            "check",
            str(classes[0]),
            "--merge",
            str(tmp_path / "m.xlsx"),
            "--annotate",
            str(tmp_path / "a.xlsx"),
        ]
    )
    assert code == 2 and "cannot be combined" in capsys.readouterr().err
