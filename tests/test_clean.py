"""`sheetcheck clean`: every annotation off again, each cell's own fill and note back."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from fixtures_annotate import fill_of, issue, parts, report, rewrite_part, sha, simple_workbook
from sheetcheck.annotate import annotate, clean
from sheetcheck.annotate.restore import STATE_PART
from sheetcheck.errors import InputError, UsageError


@pytest.fixture
def annotated(tmp_path: Path) -> tuple[Path, Path]:
    """A workbook with its own fills and notes, annotated over them."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    source = simple_workbook(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(source)
    ws = wb["Data"]
    ws["B2"].fill = PatternFill("solid", fgColor="C6EFCE")
    ws["C3"].comment = Comment("own note", "Ana")
    wb.save(source)
    target = tmp_path / "annotated.xlsx"
    issues = [
        issue("error", "required", 2, "B2"),
        issue("warning", "future-date", 3, "C3"),
        issue("error", "duplicate-open-enrollment", 4, None),
    ]
    annotate(source, target, report(source, issues))
    return source, target


@pytest.mark.parametrize(
    ("cell", "fill", "note"),
    [
        ("B2", "C6EFCE", None),
        ("C3", None, "own note"),
        ("A4", None, None),
        ("A2", None, None),
    ],
)
def test_clean_gives_back_each_cells_fill_and_note(
    annotated: tuple[Path, Path], tmp_path: Path, cell: str, fill: str | None, note: str | None
) -> None:
    """The cleaned cell has exactly its original fill and note (or none)."""
    cleaned = tmp_path / "cleaned.xlsx"
    clean(annotated[1], cleaned)
    wb = openpyxl.load_workbook(cleaned)
    assert wb.sheetnames == ["Data"]
    ws = wb["Data"]
    assert fill_of(ws[cell]) == fill
    assert (ws[cell].comment.text if ws[cell].comment else None) == note
    assert ws.auto_filter.ref is None
    assert parts(cleaned) == parts(annotated[0])


def test_clean_refuses_a_file_that_was_never_annotated(tmp_path: Path) -> None:
    """Nothing to remove is a usage error, and nothing is written."""
    source = simple_workbook(tmp_path / "in.xlsx")
    with pytest.raises(UsageError, match="no sheetcheck annotations"):
        clean(source, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_clean_refuses_a_copy_whose_state_was_damaged(
    annotated: tuple[Path, Path], tmp_path: Path
) -> None:
    """Without a readable state there is nothing safe to rewind: say so, write nothing."""
    text = parts(annotated[1])[STATE_PART].decode()
    damaged = re.sub(r"(<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>)..", r"\1zz", text)
    assert damaged != text
    rewrite_part(annotated[1], STATE_PART, damaged.encode())
    with pytest.raises(InputError, match="changed by another program"):
        clean(annotated[1], tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


@pytest.fixture
def resaved(annotated: tuple[Path, Path], tmp_path: Path) -> Path:
    """The annotated copy after another program (openpyxl here) saved it, with the user's
    edits: a value fixed, and a flagged cell recoloured on purpose."""
    from openpyxl.styles import PatternFill

    wb = openpyxl.load_workbook(annotated[1])
    wb["Data"]["A3"] = "fixed@example.com"
    wb["Data"]["A4"].fill = PatternFill("solid", fgColor="0000FF")
    path = tmp_path / "resaved.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("B2", ("C6EFCE", None, "Course 2")),  # their own fill is back
        ("C3", (None, "own note", "Completed")),  # their own note, without our text
        ("A3", (None, None, "fixed@example.com")),  # the user's fix is kept
        ("A4", ("0000FF", None, "user4@example.com")),  # recoloured by the user: theirs stays
        ("D2", (None, None, 52)),
    ],
)
def test_clean_takes_annotations_off_a_copy_another_program_saved(
    resaved: Path, tmp_path: Path, cell: str, expected: tuple[object, ...]
) -> None:
    """After another program saved the copy, clean still removes every annotation, cell by
    cell, and keeps what the user changed."""
    cleaned = tmp_path / "cleaned.xlsx"
    clean(resaved, cleaned)
    wb = openpyxl.load_workbook(cleaned)
    assert wb.sheetnames == ["Data"]
    assert list(wb.defined_names) == []
    ws = wb["Data"]
    assert ws.auto_filter.ref is None
    note = ws[cell].comment.text if ws[cell].comment else None
    assert (fill_of(ws[cell]), note, ws[cell].value) == expected
    assert ws["D2"].number_format == "0.00"


def test_reannotating_a_copy_another_program_saved(resaved: Path, tmp_path: Path) -> None:
    """Re-annotating such a copy replaces the old annotations instead of stacking them."""
    target = tmp_path / "again.xlsx"
    annotate(resaved, target, report(resaved, [issue("error", "invalid-score", 5, "D5")]))
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Issues", "Data", "sheetcheck-state"]
    ws = wb["Data"]
    assert fill_of(ws["D5"]) == "FFC7CE"
    assert fill_of(ws["B2"]) == "C6EFCE"
    assert ws["C3"].comment.text == "own note"
    assert fill_of(ws["A3"]) is None
    assert ws.auto_filter.ref == "A1:D7"
    issues = wb["Issues"]
    assert [r[1].value for r in issues.iter_rows(min_row=issues.max_row)] == ["invalid-score"]
    clean(target, tmp_path / "back.xlsx")
    assert openpyxl.load_workbook(tmp_path / "back.xlsx").sheetnames == ["Data"]


def test_clean_command_writes_the_restored_copy(annotated: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """`sheetcheck clean FILE -o OUT` exits 0 and writes the original back; the input stays."""
    from sheetcheck.cli import main

    before = sha(annotated[1])
    out = tmp_path / "cli.xlsx"
    assert main(["clean", str(annotated[1]), "-o", str(out)]) == 0
    assert parts(out) == parts(annotated[0])
    assert sha(annotated[1]) == before


@pytest.mark.parametrize(
    ("which", "message"),
    [("original", "no sheetcheck annotations"), ("annotated-onto-itself", "input file")],
)
def test_clean_command_errors_are_one_line_exit_2(
    annotated: tuple[Path, Path], capsys: pytest.CaptureFixture[str], which: str, message: str
) -> None:
    """Bad requests end with one line on stderr and exit code 2, never a traceback."""
    from sheetcheck.cli import main

    source = annotated[0] if which == "original" else annotated[1]
    target = source if which != "original" else source.with_name("x.xlsx")
    assert main(["clean", str(source), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
