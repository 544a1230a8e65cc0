"""The annotated copy: colours, notes, the Issues sheet, the header filter, refusals."""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import require_corpus
from fixtures_annotate import (
    fill_of,
    issue,
    macro_workbook,
    names,
    parts,
    report,
    rewrite_part,
    sha,
    simple_workbook,
)
from sheetcheck.annotate import AnnotationRefused, annotate, clean
from sheetcheck.annotate.package import Package
from sheetcheck.errors import InputError, SheetcheckError, UsageError
from sheetcheck.style import FILLS, FONTS

ISSUES = [
    issue("error", "invalid-login-id", 2, "A2", fix="Remove the space."),
    issue("warning", "score-missing", 2, "A2"),
    issue("warning", "future-date", 3, "B3"),
    issue("info", "archived-enrollment", 4, "C4"),
    issue("error", "duplicate-open-enrollment", 5, None),  # row-level: marks the key cell
    issue("warning", "status-date-conflict", 6, "D6"),
    issue("error", "invalid-score", 6, "D6"),  # error beats warning on the same cell
]


@pytest.fixture
def annotated(tmp_path: Path) -> tuple[Path, Path]:
    source = simple_workbook(tmp_path / "in.xlsx")
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, ISSUES))
    return source, target


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("A2", FILLS["error"]),
        ("B3", FILLS["warning"]),
        ("C4", FILLS["info"]),
        ("A5", FILLS["error"]),
        ("D6", FILLS["error"]),
        ("B2", None),
        ("A3", None),
        ("A1", None),
    ],
)
def test_flagged_cells_carry_the_severity_colour(
    annotated: tuple[Path, Path], cell: str, expected: str | None
) -> None:
    """Errors are red, warning-only cells yellow, info pale blue, everything else unchanged."""
    ws = openpyxl.load_workbook(annotated[1])["Data"]
    assert fill_of(ws[cell]) == expected


def test_flagged_cells_keep_their_number_format_and_font(annotated: tuple[Path, Path]) -> None:
    """A flagged cell's format is a copy of its own: number format kept, text coloured."""
    ws = openpyxl.load_workbook(annotated[1])["Data"]
    assert ws["D6"].number_format == "0.00"
    assert ws["D6"].font.color.rgb.endswith(FONTS["error"])
    assert ws["D5"].number_format == "0.00"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "A2",
            [
                "invalid-login-id",
                "invalid-login-id at A2",
                "Fix: Remove the space.",
                "score-missing",
            ],
        ),
        ("A5", ["duplicate-open-enrollment", "duplicate-open-enrollment at 5"]),
        ("D6", ["ERROR invalid-score", "WARNING status-date-conflict"]),
    ],
)
def test_notes_list_each_problem(
    annotated: tuple[Path, Path], cell: str, expected: list[str]
) -> None:
    """Each flagged cell's note has the rule id, the message and the fix of every issue."""
    comment = openpyxl.load_workbook(annotated[1])["Data"][cell].comment
    assert comment is not None
    for text in expected:
        assert text in comment.text
    assert (
        comment.text.index("ERROR") < comment.text.index("WARNING")
        if "WARNING" in comment.text
        else True
    )


def test_issues_sheet_is_first_with_links_and_a_table(annotated: tuple[Path, Path]) -> None:
    """The Issues sheet comes first, lists every issue by severity then row, links each cell."""
    wb = openpyxl.load_workbook(annotated[1])
    assert wb.sheetnames[:2] == ["Issues", "Data"]
    ws = wb["Issues"]
    ((_name, ref),) = ws.tables.items()
    top, bottom = ref.split(":")
    header = int(top[1:])
    assert [c.value for c in ws[header]] == [
        "Severity",
        "Rule",
        "Sheet",
        "Cell",
        "Row",
        "Column",
        "Value",
        "Message",
    ]
    listed = [
        (r[0].value, r[4].value, r[1].value)
        for r in ws.iter_rows(min_row=header + 1, max_row=int(bottom[1:]))
    ]
    assert listed == [
        ("error", 2, "invalid-login-id"), ("error", 5, "duplicate-open-enrollment"), ("error", 6, "invalid-score"),
        ("warning", 2, "score-missing"), ("warning", 3, "future-date"), ("warning", 6, "status-date-conflict"),
        ("info", 4, "archived-enrollment"),
    ]  # fmt: skip
    links = {
        r[3].value: r[3].hyperlink.location
        for r in ws.iter_rows(min_row=header + 1)
        if r[3].hyperlink
    }
    assert links == {
        "A2": "'Data'!A2",
        "A5": "'Data'!A5",
        "D6": "'Data'!D6",
        "B3": "'Data'!B3",
        "C4": "'Data'!C4",
    }
    counts = {
        (r[0].value, r[1].value): r[2].value for r in ws.iter_rows(min_row=5, max_row=header - 2)
    }
    assert counts[("error", "invalid-login-id")] == 1
    assert sum(counts.values()) == len(ISSUES)


def test_header_row_gets_a_filter(annotated: tuple[Path, Path]) -> None:
    """The data sheet's header row shows a filter over the whole table."""
    wb = openpyxl.load_workbook(annotated[1])
    assert wb["Data"].auto_filter.ref == "A1:D7"
    xml = parts(annotated[1])["xl/workbook.xml"].decode()
    assert re.search(
        r'name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">\'Data\'!\$A\$1:\$D\$7<', xml
    )


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ('=HYPERLINK("http://evil","x")', '=HYPERLINK("http://evil","x")'),
        ("bell\x07 and nul\x00 gone", "bell and nul gone"),
        ("x" * 40_000, "x" * (32_767 - len(" … [truncated]")) + " … [truncated]"),
    ],
)
def test_issue_text_is_stored_as_safe_text(tmp_path: Path, text: str, stored: str) -> None:
    """Values and messages are literal text: never a formula, no control characters, capped."""
    source = simple_workbook(tmp_path / "in.xlsx")
    target = tmp_path / "out.xlsx"
    annotate(
        source,
        target,
        report(source, [issue("error", "required", 2, "A2", value=text, message=text)]),
    )
    xml = parts(target)["xl/worksheets/sheetcheck-issues.xml"].decode()
    assert "<f>" not in xml
    ws = openpyxl.load_workbook(target)["Issues"]
    row = ws.max_row
    assert ws.cell(row, 7).value == stored
    assert ws.cell(row, 7).data_type == "s"


def test_reannotating_replaces_the_previous_annotations(tmp_path: Path) -> None:
    """Annotating an annotated copy starts from the original: no stacked sheets or colours."""
    source = simple_workbook(tmp_path / "in.xlsx")
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    annotate(source, first, report(source, ISSUES))
    annotate(first, second, report(first, [issue("warning", "future-date", 7, "C7")]))
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames == ["Issues", "Data", "sheetcheck-state"]
    assert fill_of(wb["Data"]["A2"]) is None
    assert wb["Data"]["A2"].comment is None
    assert fill_of(wb["Data"]["C7"]) == FILLS["warning"]
    assert names(second) == names(first)[: len(names(source))] + [
        n for n in names(second) if n not in names(source)
    ]
    back = tmp_path / "back.xlsx"
    clean(second, back)
    assert parts(back) == parts(source)


def test_existing_notes_are_kept_and_extended(tmp_path: Path) -> None:
    """A cell's own note stays, ours is appended; other notes are untouched; clean undoes it."""
    from openpyxl.comments import Comment

    source = simple_workbook(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(source)
    wb["Data"]["A2"].comment = Comment("Ana: check this", "Ana")
    wb["Data"]["B4"].comment = Comment("unrelated", "Ben")
    wb.save(source)
    target = tmp_path / "out.xlsx"
    annotate(
        source,
        target,
        report(source, [issue("error", "required", 2, "A2"), issue("error", "required", 3, "A3")]),
    )
    ws = openpyxl.load_workbook(target)["Data"]
    assert ws["A2"].comment.text.startswith("Ana: check this")
    assert "required at A2" in ws["A2"].comment.text
    assert ws["B4"].comment.text == "unrelated"
    assert "required at A3" in ws["A3"].comment.text
    clean(target, tmp_path / "back.xlsx")
    assert parts(tmp_path / "back.xlsx") == parts(source)


def test_existing_issues_sheet_and_names_keep_their_meaning(tmp_path: Path) -> None:
    """A user's own 'Issues' sheet is kept; sheet-local names still point at their sheet."""
    from openpyxl.workbook.defined_name import DefinedName

    source = simple_workbook(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(source)
    own = wb.create_sheet("Issues")
    own["A1"] = "mine"
    own.defined_names["Mine"] = DefinedName("Mine", attr_text="Issues!$A$1")
    wb.active = 1
    wb.save(source)
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, ISSUES))
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Issues (2)", "Data", "Issues", "sheetcheck-state"]
    assert wb["Issues"]["A1"].value == "mine"
    assert "Mine" in wb["Issues"].defined_names
    assert wb.active.title == "Issues"


def test_no_filter_when_a_table_covers_the_header(tmp_path: Path) -> None:
    """A table over the header already filters; a second autoFilter would break the file."""
    from openpyxl.worksheet.table import Table

    source = simple_workbook(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(source)
    wb["Data"].add_table(Table(displayName="Enrollments", ref="A1:D7"))
    wb.save(source)
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, ISSUES))
    assert "<autoFilter" not in parts(target)["xl/worksheets/sheet1.xml"].decode()
    assert fill_of(openpyxl.load_workbook(target)["Data"]["A2"]) == FILLS["error"]


def test_row_level_issue_marks_the_key_cell_of_a_table_not_in_column_a(tmp_path: Path) -> None:
    """With the table starting in column B, a row-level problem marks B, even when B is empty."""
    source = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["B2"], ws["C2"] = "Login ID", "Course Name"
    ws["C3"] = "Course 1"  # B3 (the key cell) is empty: it has to be created
    wb.save(source)
    target = tmp_path / "out.xlsx"
    annotate(
        source,
        target,
        report(source, [issue("error", "required", 3, None)], header_row=2, first_col=2),
    )
    out = openpyxl.load_workbook(target)["Data"]
    assert fill_of(out["B3"]) == FILLS["error"]
    assert out["B3"].value is None
    assert out.auto_filter.ref == "B2:C3"


@pytest.mark.parametrize("suffix", [".xlsm", ".xltx"])
def test_wrong_extension_for_the_workbook_kind_is_refused(tmp_path: Path, suffix: str) -> None:
    """An .xlsx copy must be .xlsx: Excel refuses a file whose extension lies."""
    source = simple_workbook(tmp_path / "in.xlsx")
    with pytest.raises(UsageError, match=r"extension \.xlsx"):
        annotate(source, tmp_path / f"out{suffix}", report(source, ISSUES))


def test_macro_workbook_must_stay_xlsm(tmp_path: Path) -> None:
    """A macro-enabled workbook annotates to .xlsm and not to .xlsx."""
    source = macro_workbook(tmp_path / "in.xlsm")
    with pytest.raises(UsageError, match=r"\.xlsm"):
        annotate(source, tmp_path / "out.xlsx", report(source, ISSUES))
    annotate(source, tmp_path / "out.xlsm", report(source, ISSUES))
    assert parts(tmp_path / "out.xlsm")["xl/vbaProject.bin"] == parts(source)["xl/vbaProject.bin"]


def _same_file_targets(source: Path, tmp_path: Path) -> list[Path]:
    link = tmp_path / "hard.xlsx"
    os.link(source, link)
    sym = tmp_path / "sym.xlsx"
    sym.symlink_to(source)
    sub = tmp_path / "sub"
    sub.mkdir()
    return [source, tmp_path / "sub" / ".." / "in.xlsx", link, sym, Path(os.path.relpath(source))]


def test_the_input_is_never_the_output(tmp_path: Path) -> None:
    """The same file under another name (path, hard link, symlink, relative) is refused."""
    source = simple_workbook(tmp_path / "in.xlsx")
    before = sha(source)
    for target in _same_file_targets(source, tmp_path):
        with pytest.raises(UsageError, match="input file"):
            annotate(source, target, report(source, ISSUES))
        with pytest.raises(UsageError, match="input file"):
            clean(source, target)
    assert sha(source) == before


def test_input_is_not_modified(tmp_path: Path) -> None:
    """Annotating and cleaning read their input and never write it."""
    source = simple_workbook(tmp_path / "in.xlsx")
    before = sha(source), source.stat().st_mtime_ns
    annotate(source, tmp_path / "out.xlsx", report(source, ISSUES))
    out_before = sha(tmp_path / "out.xlsx")
    clean(tmp_path / "out.xlsx", tmp_path / "back.xlsx")
    assert (sha(source), source.stat().st_mtime_ns) == before
    assert sha(tmp_path / "out.xlsx") == out_before


def test_interrupted_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure half-way through writing leaves no partial output and the old target intact."""
    source = simple_workbook(tmp_path / "in.xlsx")
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous version")
    real = Package._zip_info
    calls = {"n": 0}

    def failing(self: Package, name: str) -> zipfile.ZipInfo:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return real(self, name)

    monkeypatch.setattr(Package, "_zip_info", failing)
    with pytest.raises(SheetcheckError, match=r"out\.xlsx: cannot write there \(disk full\)"):
        # force: "previous version" is not an annotated copy, which is refused without it
        annotate(source, target, report(source, ISSUES), force=True)  # one line, exit 2
    assert calls["n"] == 5
    assert target.read_bytes() == b"previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "out.xlsx"]


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("any_sheets.xls", r"\.xls\) workbook"),
        ("any_sheets.xlsb", r"\.xlsb\) workbook"),
        ("any_sheets.ods", r"\.ods\) spreadsheet"),
    ],
)
def test_formats_that_cannot_be_written_are_refused(tmp_path: Path, name: str, cause: str) -> None:
    """.xls, .xlsb and .ods are refused with advice to save as .xlsx."""
    source = require_corpus() / "calamine" / name
    with pytest.raises(InputError, match=cause) as caught:
        annotate(source, tmp_path / "out.xlsx", report(source, ISSUES))
    assert "save it as Excel Workbook (.xlsx)" in str(caught.value)
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize(
    ("content", "suffix", "cause"),
    [
        (b"Login ID,Course Name\nann,Intro\n", ".csv", "CSV or text file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls", r"\.xls\) workbook"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
            ".xlsx",
            "password-protected",
        ),
        (b"PK\x03\x04 truncated", ".xlsx", "cannot be read as a workbook"),
    ],
)
def test_unusable_inputs_give_one_line(
    tmp_path: Path, content: bytes, suffix: str, cause: str
) -> None:
    """Non-workbooks, encrypted and damaged files fail with one line naming the cause."""
    source = tmp_path / f"in{suffix}"
    source.write_bytes(content)
    with pytest.raises(SheetcheckError, match=cause) as caught:
        annotate(source, tmp_path / "out.xlsx", report(source, ISSUES))
    assert "\n" not in str(caught.value)


SIGNATURE_CT = "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml"


def test_signed_workbook_is_refused_unless_forced(tmp_path: Path) -> None:
    """Editing a signed package voids its signature: refuse, or with force keep the bytes."""
    source = simple_workbook(tmp_path / "in.xlsx")
    rewrite_part(source, "_xmlsignatures/sig1.xml", b"<Signature/>", add=True)
    target = tmp_path / "out.xlsx"
    with pytest.raises(AnnotationRefused, match="digital signature") as caught:
        annotate(source, target, report(source, ISSUES))
    assert "--force" in str(caught.value)
    assert not target.exists()
    annotate(source, target, report(source, ISSUES), force=True)
    assert parts(target)["_xmlsignatures/sig1.xml"] == b"<Signature/>"


def test_cells_without_references_are_found_by_position(tmp_path: Path) -> None:
    """Cells may omit their reference (the next column is meant): they are still found."""
    source = simple_workbook(tmp_path / "in.xlsx")
    sheet = parts(source)["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(
        r'(<row r="3"[^>]*>)(.*?)</row>',
        lambda m: m.group(1) + re.sub(r' r="[A-Z]+3"', "", m.group(2)) + "</row>",
        sheet,
    )
    assert '"B3"' not in sheet
    rewrite_part(source, "xl/worksheets/sheet1.xml", sheet.encode())
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, ISSUES))
    ws = openpyxl.load_workbook(target)["Data"]
    assert fill_of(ws["B3"]) == FILLS["warning"]
    assert ws["B3"].value == "Course 3"
    assert fill_of(ws["A3"]) is None
    clean(target, tmp_path / "back.xlsx")
    assert parts(tmp_path / "back.xlsx") == parts(source)


def test_damaged_note_drawing_is_refused_unless_forced(tmp_path: Path) -> None:
    """Notes cannot join a note drawing we cannot read: refuse, or with force skip notes."""
    from openpyxl.comments import Comment

    source = simple_workbook(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(source)
    wb["Data"]["C2"].comment = Comment("mine", "Ana")
    wb.save(source)
    vml = next(n for n in parts(source) if n.endswith(".vml"))
    rewrite_part(source, vml, parts(source)[vml].replace(b"</xml>", b""))
    target = tmp_path / "out.xlsx"
    with pytest.raises(
        AnnotationRefused, match=r"notes on sheet 'Data' \(its note drawing is damaged\)"
    ):
        annotate(source, target, report(source, ISSUES))
    assert not target.exists()
    annotate(source, target, report(source, ISSUES), force=True)
    out = parts(target)
    assert out[vml] == parts(source)[vml]
    ws = openpyxl.load_workbook(target)["Data"]
    assert fill_of(ws["A2"]) == FILLS["error"]
    clean(target, tmp_path / "back.xlsx")
    assert parts(tmp_path / "back.xlsx") == parts(source)


def test_a_report_for_an_unreadable_file_cannot_annotate(tmp_path: Path) -> None:
    """Nothing to paint when the check itself failed."""
    source = simple_workbook(tmp_path / "in.xlsx")
    failed = report(source, [])
    failed.error = "broken"
    with pytest.raises(UsageError, match="could not be checked"):
        annotate(source, tmp_path / "out.xlsx", failed)


def test_annotating_the_result_of_a_real_check(tmp_path: Path) -> None:
    """End to end with the engine: every issue's cell (or key cell) is coloured."""
    import sheetcheck

    source = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Enrollments"
    ws.append(["Login ID", "Course Name", "Enrollment Status", "Enrollment Score", "Enrollment Created Date",
               "Enrollment Started Date", "Enrollment Completed Date"])  # fmt: skip
    ws.append(["ann@example.com", "Intro", "Passed", 80, "01/02/2024", "02/02/2024", "03/02/2024"])
    ws.append(["bob smith", "Intro", "Done", None, "01/02/2024", None, None])
    ws.append(["cy@example.com", "Intro", "Completed", 50, "31/02/2024", None, "03/02/2024"])
    wb.save(source)
    result = sheetcheck.check(
        str(source), template="enrollment-history", import_date=dt.date(2026, 11, 1)
    )
    file_report = result.files[0]
    assert file_report.errors > 0
    target = tmp_path / "out.xlsx"
    annotate(source, target, file_report)
    out = openpyxl.load_workbook(target)["Enrollments"]
    for found in file_report.issues:
        cell = found.cell or f"A{found.row}"
        colour = fill_of(out[cell])
        assert colour in FILLS.values(), (found.rule, cell)
        if found.severity == "error":
            assert colour == FILLS["error"], (found.rule, cell)


def _prefixed(xml: str) -> str:
    """The same part with every spreadsheetml element written as x:name (as the Open XML SDK
    writes them)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", xml)
    return xml.replace(f'xmlns="{main}"', f'xmlns:x="{main}"')


@pytest.mark.parametrize(
    "prefixed",
    [("xl/worksheets/sheet1.xml",), ("xl/styles.xml",), ("xl/workbook.xml",),
     ("xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml")],
)  # fmt: skip
def test_parts_written_with_a_namespace_prefix(tmp_path: Path, prefixed: tuple[str, ...]) -> None:
    """Parts whose elements carry a prefix (x:c, x:xf, x:sheet) are edited in that style."""
    source = simple_workbook(tmp_path / "in.xlsx")
    for part in prefixed:
        rewrite_part(source, part, _prefixed(parts(source)[part].decode()).encode())
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, ISSUES))
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[:2] == ["Issues", "Data"]
    assert fill_of(wb["Data"]["A2"]) == FILLS["error"]
    assert fill_of(wb["Data"]["B3"]) == FILLS["warning"]
    assert wb["Data"]["D6"].number_format == "0.00"
    assert wb["Data"].auto_filter.ref == "A1:D7"
    assert "invalid-score" in wb["Data"]["D6"].comment.text
    clean(target, tmp_path / "back.xlsx")
    assert parts(tmp_path / "back.xlsx") == parts(source)


def test_excel_limits_on_listed_issues_and_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond Excel's row and hyperlink limits the list is cut, and the sheet says so."""
    from sheetcheck.annotate import issues_sheet

    monkeypatch.setattr(issues_sheet, "MAX_LINKS", 2)
    monkeypatch.setattr(issues_sheet, "MAX_ROWS", 16)  # table header on row 13: 3 issues fit
    source = simple_workbook(tmp_path / "in.xlsx")
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, ISSUES))
    ws = openpyxl.load_workbook(target)["Issues"]
    assert "only the first 3 issues are listed" in ws["A3"].value
    assert "only the first 2 have links" in ws["A3"].value
    assert ws.max_row == 16
    assert sum(1 for row in ws.iter_rows() for c in row if c.hyperlink) == 2


FULL_HEADER = [
    "Login ID", "Course Name", "Enrollment Status", "Enrollment Score", "Enrollment Created Date",
    "Enrollment Started Date", "Enrollment Completed Date",
]  # fmt: skip


def _enrollments(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Enrollments"
    ws.append(FULL_HEADER)
    ws.append(["ann@example.com", "Intro", "Not Started", None, "1/2/2024", None, None])
    ws.append(["bob smith", "Intro", "Done", None, "1/2/2024", None, None])
    wb.save(path)
    return path


def test_check_command_writes_the_annotated_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sheetcheck check FILE --annotate OUT`: the report, exit 1, and the coloured copy."""
    from sheetcheck.cli import main

    source = _enrollments(tmp_path / "in.xlsx")
    out = tmp_path / "in.checked.xlsx"
    code = main(["check", str(source), "--template", "enrollment-history", "--annotate", str(out)])
    assert code == 1
    assert "unknown-status" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out)["Enrollments"]
    assert fill_of(ws["C3"]) == FILLS["error"]
    assert fill_of(ws["A3"]) == FILLS["error"]
    assert fill_of(ws["A2"]) is None


def test_check_command_refuses_to_annotate_a_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV is still checked and reported; the annotation is refused in one line, exit 2."""
    from sheetcheck.cli import main

    source = tmp_path / "in.csv"
    source.write_text(
        ",".join(FULL_HEADER) + "\nbob smith,Intro,Done,,1/2/2024,,\n", encoding="utf-8"
    )
    out = tmp_path / "out.xlsx"
    code = main(["check", str(source), "--template", "enrollment-history", "--annotate", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert "unknown-status" in captured.out
    assert "save it as Excel Workbook (.xlsx)" in captured.err
    assert captured.err.count("\n") == 1
    assert not out.exists()


def test_notes_drawing_goes_before_wrapped_form_controls(tmp_path: Path) -> None:
    """Excel wraps form controls in mc:AlternateContent; our elements go before, never inside."""
    source = simple_workbook(tmp_path / "in.xlsx")
    sheet = parts(source)["xl/worksheets/sheet1.xml"].decode()
    wrapped = (
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:Choice Requires="x14"><controls/></mc:Choice></mc:AlternateContent>'
    )
    sheet = sheet.replace("</worksheet>", wrapped + "</worksheet>")
    rewrite_part(source, "xl/worksheets/sheet1.xml", sheet.encode())
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, ISSUES))
    out = parts(target)["xl/worksheets/sheet1.xml"].decode()
    assert out.index("<legacyDrawing") < out.index("<mc:AlternateContent")
    assert out.endswith(wrapped + "</worksheet>")


def test_copy_gets_ordinary_file_permissions(tmp_path: Path) -> None:
    """The copy is readable like any new file (not the temporary file's private mode)."""
    source = simple_workbook(tmp_path / "in.xlsx")
    target = tmp_path / "out.xlsx"
    mask = os.umask(0o022)
    try:
        annotate(source, target, report(source, ISSUES))
    finally:
        os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o644
