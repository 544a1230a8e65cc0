"""``sheetcheck fix`` end to end: a workbook with planted fixable and unfixable problems.

Exactly the fixable problems disappear, the unfixable ones stay on the same cells, every
other cell and every untouched part of the package is unchanged, and the Changes sheet lists
every change with a link to its cell. Plus the command's safety rules and the CSV path.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from conftest import soffice_convert
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.cli import main
from sheetcheck.model import Report
from sheetcheck.packs import load_pack

IMPORT = "2025-06-30"
ARGS = ("--import-date", IMPORT, "--template", "enrollment-history")
HEADER = [c.name for c in load_pack("enrollment-history").columns]

# (row, fixable cells) -- row 2 is clean; every other row plants one problem.
ROWS: list[list[Any]] = [
    ["a@x.org", "Fire Safety 101", "Passed", 85, "1/2/2025", "3/2/2025", "10/2/2025"],
    ["b@x.org", "Data Protection", "Complete", None, "1/2/2025", "3/2/2025", "10/2/2025"],
    ["c@x.org", "Manual Handling", "In Progress", None, "2025-03-01", "3/3/2025", None],
    ["d@x.org", "Fire Safety 101", "In Progress", None, "1/3/2025", dt.datetime(2025, 3, 5, 10, 30), None],
    ["e@x.org", " Data  Protection", "In Progress", None, "1/3/2025", "2/3/2025", None],
    ["f@x.org", "Fire Safety 101", "Passed", "85%", "1/3/2025", "2/3/2025", "9/3/2025"],
    ["g@x.org", "Manual Handling", "In Progress", None, "31/02/2025", "2/3/2025", None],
    ["h@x.org", "Fire Safety 101", "Completed", None, "10/3/2025", "5/3/2025", "20/3/2025"],
    ["i x@x.org", "Manual Handling", "In Progress", None, "1/3/2025", "2/3/2025", None],
    ["a@x.org", "Fire Safety 101", "Passed", 85, "1/2/2025", "3/2/2025", "10/2/2025"],
    ["j@x.org", "Data Protection", "Completed", None, "1/3/2025", "2/3/2025", "3/25/2025"],
    ["k@x.org", "Manual Handling", "Completed", None, "1/3/2025", "2/3/2025", "2025-04-01"],
    ["l@x.org", "Manual Handling", "Done", None, "1/3/2025", "2/3/2025", None],
]  # fmt: skip
FIXED = {
    ("C3", "unknown-status"): "Completed",
    ("E4", "invalid-date"): "1/3/2025",
    ("F5", "invalid-date"): "5/3/2025",
    ("B6", "extra-spaces"): "Data Protection",
    ("D7", "invalid-score"): 85,
}
LEFT = {
    ("E8", "invalid-date"),
    ("F9", "date-order"),
    ("A10", "invalid-login-id"),
    ("A11", "duplicate-enrollment"),
    ("G12", "invalid-date"),
    ("G13", "invalid-date"),
    ("C14", "unknown-status"),
}


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """The data sheet (with the user's fill on a flagged and a clean cell) and a second sheet
    with a formula, which must come back untouched."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Enrollments"
    sheet.append(HEADER)
    for values in ROWS:
        sheet.append(values)
    sheet["F5"].number_format = "d/m/yyyy h:mm"
    sheet["C3"].fill = PatternFill("solid", fgColor="92D050")
    sheet["A2"].fill = PatternFill("solid", fgColor="FFFF00")
    notes = book.create_sheet("Notes")
    notes["A1"] = "Rows checked"
    notes["B1"] = "=COUNTA(Enrollments!A:A)-1"
    path = tmp_path / "enrollments.xlsx"
    book.save(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cells_of(path: Path) -> dict[tuple[str, str], Any]:
    book = openpyxl.load_workbook(path)
    return {
        (ws.title, cell.coordinate): cell.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    }


def issues_at(path: Path) -> set[tuple[str, str]]:
    options = CheckOptions(template="enrollment-history", import_date=dt.date.fromisoformat(IMPORT))
    return {(i.cell or "", i.rule) for i in check_file(path, options).issues}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_exactly_the_fixable_problems_disappear(
    planted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = issues_at(planted)
    assert before == set(FIXED) | LEFT
    original = digest(planted)
    out = planted.with_name("fixed.xlsx")
    code, text, err = run(capsys, "fix", str(planted), "-o", str(out), *ARGS)
    assert code == 1, err  # errors remain: exit code 1, as check gives on OUT
    assert digest(planted) == original  # the input is never written
    assert issues_at(out) == LEFT  # the unfixable ones, on the same cells
    assert "changed 5 cells" in text
    assert "column G (Enrollment Completed Date) looks month/day/year" in text
    assert "NOT READY" in text


def test_every_other_cell_and_part_is_unchanged(
    planted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = planted.with_name("fixed.xlsx")
    run(capsys, "fix", str(planted), "-o", str(out), *ARGS)
    old, new = cells_of(planted), cells_of(out)
    changed = {("Enrollments", cell): value for (cell, _rule), value in FIXED.items()}
    for key, value in old.items():
        assert new[key] == changed.get(key, value), key
    assert {k for k in new if k[0] != "Changes"} == set(old)
    kept = openpyxl.load_workbook(out)["Enrollments"]
    assert kept["C3"].fill.fgColor.rgb.endswith("92D050")  # the user's fill stays
    assert kept["A2"].fill.fgColor.rgb.endswith("FFFF00")
    assert openpyxl.load_workbook(out)["Notes"]["B1"].value == "=COUNTA(Enrollments!A:A)-1"
    with zipfile.ZipFile(planted) as a, zipfile.ZipFile(out) as b:
        edited = {
            "xl/worksheets/sheet1.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "[Content_Types].xml",
        }
        for name in a.namelist():
            if name not in edited:
                assert a.read(name) == b.read(name), name
        assert set(b.namelist()) - set(a.namelist()) == {"xl/worksheets/sheetcheck-changes.xml"}


def test_changes_sheet_lists_every_change(
    planted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = planted.with_name("fixed.xlsx")
    run(capsys, "fix", str(planted), "-o", str(out), *ARGS)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Enrollments", "Notes", "Changes"]  # added at the end
    sheet = book["Changes"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Sheet", "Cell", "Rule", "Before", "After", "Link")
    listed = {(r[1], r[2]): (r[3], r[4]) for r in rows[1:]}
    assert listed == {
        ("C3", "unknown-status"): ("Complete", "Completed"),
        ("E4", "invalid-date"): ("2025-03-01", "1/3/2025"),
        ("F5", "invalid-date"): ("2025-03-05T10:30:00", "5/3/2025"),
        ("B6", "extra-spaces"): (" Data  Protection", "Data Protection"),
        ("D7", "invalid-score"): ("85%", "85"),
    }
    links = {f"F{n}": sheet[f"F{n}"].hyperlink.location for n in range(2, len(rows) + 1)}
    assert links == {f"F{n}": f"'Enrollments'!{rows[n - 1][1]}" for n in range(2, len(rows) + 1)}


def test_dry_run_writes_nothing(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(planted.parent.iterdir())
    code, text, _ = run(capsys, "fix", str(planted), "--dry-run", *ARGS)
    assert code == 1
    assert sorted(planted.parent.iterdir()) == before
    assert "would change 5 cells" in text
    assert "C3" in text and "Completed" in text and "5/3/2025" in text


@pytest.mark.parametrize("how", ["same", "relative", "symlink", "hardlink"])
def test_out_is_never_the_input(
    planted: Path, capsys: pytest.CaptureFixture[str], how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = digest(planted)
    if how == "same":
        target = str(planted)
    elif how == "relative":
        monkeypatch.chdir(planted.parent)
        target = f"./../{planted.parent.name}/{planted.name}"
    elif how == "symlink":
        link = planted.with_name("link.xlsx")
        link.symlink_to(planted)
        target = str(link)
    else:
        link = planted.with_name("hard.xlsx")
        link.hardlink_to(planted)
        target = str(link)
    code, _, err = run(capsys, "fix", str(planted), "-o", target, "--force", *ARGS)
    assert code == 2
    assert "is the input file" in err and err.count("\n") == 1
    assert digest(planted) == original


def test_existing_out_needs_force(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = planted.with_name("fixed.xlsx")
    out.write_bytes(b"keep me")
    code, _, err = run(capsys, "fix", str(planted), "-o", str(out), *ARGS)
    assert code == 2 and "--force" in err and out.read_bytes() == b"keep me"
    code, _, _ = run(capsys, "fix", str(planted), "-o", str(out), "--force", *ARGS)
    assert code == 1 and zipfile.is_zipfile(out)


def test_formula_cell_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fixable value computed by a formula is left (and named), not replaced by a constant."""
    path = tmp_path / "formula.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Enrollments"
    sheet.append(HEADER)
    sheet.append(["a@x.org", "Fire Safety 101", "In Progress", None, "1/3/2025", "2/3/2025", None])
    sheet["E2"] = '="2025-"&"03-01"'
    book.save(path)
    # openpyxl saves no cached value; give the formula one, as Excel would have
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    start = xml.index('<c r="E2"')
    end = xml.index("</c>", start) + 4
    parts["xl/worksheets/sheet1.xml"] = (
        xml[:start]
        + '<c r="E2" t="str"><f>"2025-"&amp;"03-01"</f><v>2025-03-01</v></c>'
        + xml[end:]
    ).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    out = tmp_path / "out.xlsx"
    code, text, _ = run(capsys, "fix", str(path), "-o", str(out), *ARGS)
    assert code == 1
    assert "E2: not changed, the cell holds a formula" in text
    assert openpyxl.load_workbook(out)["Enrollments"]["E2"].value.startswith("=")


@pytest.fixture(scope="module")
def other_formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A workbook saved by LibreOffice as .xls and .ods, and an .xlsb package (LibreOffice
    cannot write xlsb; the format is recognised from the package's content types)."""
    folder = tmp_path_factory.mktemp("formats")
    source = folder / "enrollments.xlsx"
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(ROWS[1])
    book.save(source)
    found = {
        fmt: soffice_convert([source], fmt, folder / fmt, timeout=300)[0] for fmt in ("xls", "ods")
    }
    xlsb = found["xlsb"] = folder / "enrollments.xlsb"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.bin" ContentType="application/'
            'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        )
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return found


@pytest.mark.parametrize("fmt", ["xls", "ods", "xlsb"])
def test_other_formats_are_told_to_save_as_xlsx(
    other_formats: dict[str, Path], fmt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "fix", str(other_formats[fmt]), "-o", str(tmp_path / "o.xlsx"), *ARGS
    )
    assert code == 2
    assert err.count("\n") == 1 and "save it as .xlsx first" in err
    assert not (tmp_path / "o.xlsx").exists()


# --------------------------------------------------------------------------- CSV


def csv_text(delimiter: str) -> str:
    lines = []
    for values in [HEADER, *ROWS]:
        shown = [
            ""
            if v is None
            else v.strftime("%d/%m/%Y %H:%M")
            if isinstance(v, dt.datetime)
            else str(v)
            for v in values
        ]
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerow(
            shown
        )
        lines.append(out.getvalue())
    return "".join(lines)


def test_csv_in_csv_out_same_dialect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Semicolons, a byte-order mark, every field quoted, CRLF: unchanged records come back
    byte for byte, changed ones in the same dialect; the changes go to stderr."""
    source = tmp_path / "enrollments.csv"
    text = csv_text(";")
    source.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    out = tmp_path / "fixed.csv"
    code, _, err = run(capsys, "fix", str(source), "-o", str(out), *ARGS)
    assert code == 1
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    old_lines = text.splitlines(keepends=True)
    new_lines = data[3:].decode("utf-8").splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    changed_rows = {3, 4, 5, 6, 7}
    for number, (old, new) in enumerate(zip(old_lines, new_lines, strict=True), start=1):
        if number not in changed_rows:
            assert old == new, number
        else:
            assert new.endswith("\r\n") and ";" in new
    records = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    assert records[2][2] == "Completed" and records[3][4] == "1/3/2025"
    assert records[4][5] == "5/3/2025" and records[5][1] == "Data Protection"
    assert records[6][3] == "85"
    assert issues_at(out) == LEFT
    assert "Completed" in err and "C3" in err  # the list of changes, on stderr


def test_csv_changes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "enrollments.csv"
    source.write_text(csv_text(","), encoding="utf-8")
    changes = tmp_path / "changes.csv"
    code, _, err = run(
        capsys, "fix", str(source), "-o", str(tmp_path / "o.csv"), "--changes", str(changes), *ARGS
    )
    assert code == 1 and "C3" not in err
    rows = list(csv.reader(changes.open(encoding="utf-8")))
    assert rows[0] == ["Sheet", "Cell", "Rule", "Before", "After"]
    assert {r[1] for r in rows[1:]} == {"C3", "E4", "F5", "B6", "D7"}


def test_subprocess_fix_exit_code(planted: Path) -> None:
    """The installed command, as a script runs it: exit code 1 while errors remain."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sheetcheck",
            "fix",
            str(planted),
            "-o",
            str(planted.with_name("o.xlsx")),
            *ARGS,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_every_output_shows_the_same_proposed_value(planted: Path, tmp_path: Path) -> None:
    """The text report, the annotated copy's notes and the Issues sheet say "did you mean"
    with exactly the value fix writes."""
    from sheetcheck.annotate import annotate
    from sheetcheck.report import write_report

    options = CheckOptions(template="enrollment-history", import_date=dt.date.fromisoformat(IMPORT))
    report = check_file(planted, options)
    text = io.StringIO()
    write_report(Report([report]), text, "text")
    target = tmp_path / "annotated.xlsx"
    annotate(planted, target, report)
    book = openpyxl.load_workbook(target)
    notes = {
        cell.coordinate: cell.comment.text
        for row in book["Enrollments"].iter_rows()
        for cell in row
        if cell.comment
    }
    listed = "\n".join(str(c.value) for row in book["Issues"].iter_rows() for c in row if c.value)
    for (cell, _rule), value in FIXED.items():
        quoted = f"{value}" if isinstance(value, int) or "/" in str(value) else f'"{value}"'
        said = f"did you mean {quoted}?"
        assert said in " ".join(text.getvalue().split()), cell  # the report wraps lines
        assert said in notes[cell], cell
        assert said in listed, cell


def test_xlsm_comes_back_as_xlsm(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A macro-enabled workbook is fixed too, and must be written with its own extension."""
    xlsm = planted.with_suffix(".xlsm")
    with zipfile.ZipFile(planted) as src, zipfile.ZipFile(xlsm, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            if name == "[Content_Types].xml":
                data = data.replace(
                    b"openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"ms-excel.sheet.macroEnabled.main+xml",
                )
            out.writestr(name, data)
    code, _, err = run(capsys, "fix", str(xlsm), "-o", str(xlsm.with_name("o.xlsx")), *ARGS)
    assert code == 2 and ".xlsm" in err
    code, text, _ = run(capsys, "fix", str(xlsm), "-o", str(xlsm.with_name("o.xlsm")), *ARGS)
    assert code == 1 and "changed 5 cells" in text
    assert issues_at(xlsm.with_name("o.xlsm")) == LEFT
