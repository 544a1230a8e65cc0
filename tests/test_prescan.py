"""The xlsx scan's byte pre-scan changes nothing: the same SheetScan with and without it.

The pre-scan (``_xlsx_scan.PRESCAN``) lets a segment with no error cell, formula, wide column,
7-digit row or unusual tag skip the exact search and take only its last cells' bounds. Every
comparison here runs the scan both ways, on generated sheet XML (both quote styles, a namespace
prefix, odd spacing, inline text that looks like markup, CDATA, segments cut anywhere) and on
every xlsx/xlsm of the corpus, tests/realfiles and tests/hostile.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, ROOT
from hostile import generate as g
from sheetcheck.limits import Limits
from sheetcheck.model import CellError
from sheetcheck.readers import _xlsx_scan, open_workbook
from sheetcheck.readers._xlsx_scan import SheetScan, scan_sheet, workbook_sheets

PART = "xl/worksheets/sheet1.xml"

Outcome = SheetScan | tuple[str, str]


def scan_part(
    xml: bytes, monkeypatch: pytest.MonkeyPatch, *, prescan: bool, chunk: int = 1 << 20
) -> Outcome:
    """The scan of one sheet part, or the error it ends in, as (type, message)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PART, xml)
    return scan_archive(zipfile.ZipFile(buffer), PART, monkeypatch, prescan=prescan, chunk=chunk)


def scan_archive(
    archive: zipfile.ZipFile,
    part: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    prescan: bool,
    chunk: int = 1 << 20,
) -> Outcome:
    with monkeypatch.context() as patch:
        patch.setattr(_xlsx_scan, "PRESCAN", prescan)
        patch.setattr(_xlsx_scan, "_CHUNK", chunk)
        try:
            return scan_sheet("book.xlsx", archive, part, Limits())
        except Exception as exc:  # the outcome compared is whatever happened
            return type(exc).__name__, str(exc)


HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def sheet(rows: str, prefix: str = "", head: str = HEAD) -> bytes:
    """A worksheet part holding ``rows`` (written with ``prefix``, e.g. "x:", when given)."""
    ns = f"xmlns:{prefix[:-1]}" if prefix else "xmlns"
    return (
        f"{head}"
        f'<{prefix}worksheet {ns}="{g.MAIN_NS}"><{prefix}dimension ref="A1"/>'
        f"<{prefix}sheetData>{rows}</{prefix}sheetData></{prefix}worksheet>"
    ).encode()


# --- what the scan used to get wrong: unusual spellings go to the exact XML path ------------

ERROR_SPELLINGS = [
    ("apostrophes", "<row r='1'><c r='A1' t='e'><v>#N/A</v></c></row>"),
    ("apostrophe on t only", '<row r="1"><c r="A1" t=\'e\'><v>#N/A</v></c></row>'),
    ("spaces around =", '<row r="1"><c r = "A1" t = "e"><v>#N/A</v></c></row>'),
    ("tab before r", '<row r="1"><c\tr="A1"\tt="e"><v>#N/A</v></c></row>'),
]


@pytest.mark.parametrize(
    ("rows"), [rows for _, rows in ERROR_SPELLINGS], ids=[n for n, _ in ERROR_SPELLINGS]
)
def test_error_cell_spelled_unusually_is_an_error(rows: str, tmp_path: Path) -> None:
    """t='e' (and t = "e", a tab, an entity) was read as an empty cell instead of #N/A."""
    path = g.write_xlsx_parts(tmp_path / "e.xlsx", [("S", sheet(rows).decode())])
    with open_workbook(path) as book:
        grid = book.read_sheet("S")
    assert grid.rows[1 - grid.first_row][1 - grid.first_col] == CellError("#N/A")


FAR_CELL_SPELLINGS = [
    ("apostrophes", "<c r='XFD1048576'><v>1</v></c>"),
    ("spaces around =", '<c r = "XFD1048576"><v>1</v></c>'),
    ("space before =", '<c r ="XFD1048576"><v>1</v></c>'),
    ("tab before r", '<c\tr="XFD1048576"><v>1</v></c>'),
    ("entity in r", '<c r="&#88;FD1048576"><v>1</v></c>'),
]


@pytest.mark.parametrize(
    ("cell"), [c for _, c in FAR_CELL_SPELLINGS], ids=[n for n, _ in FAR_CELL_SPELLINGS]
)
@pytest.mark.parametrize("prescan", [True, False])
def test_far_cell_spelled_unusually_is_over_the_limit(
    cell: str, prescan: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """r='XFD1048576' slipped past the used-range limit (calamine then aborted the process)."""
    rows = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">{cell}</row>'
    outcome = scan_part(sheet(rows), monkeypatch, prescan=prescan)
    assert isinstance(outcome, tuple)
    assert outcome[0] == "InputError"
    assert "A1:XFD1048576" in outcome[1]


def test_cdata_that_looks_like_an_error_cell_is_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Markup inside CDATA is text, not a cell: the exact path reads it as such."""
    fake = '<c r="C9" t="e"><v>#REF!</v></c>'
    rows = f'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[{fake}]]></t></is></c></row>'
    for prescan in (True, False):
        assert scan_part(sheet(rows), monkeypatch, prescan=prescan) == SheetScan(1, 1)


def test_text_that_looks_like_markup_is_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """t="e", <f> and apostrophes inside inline text are neither errors nor formulas."""
    texts = ['t="e"', "&lt;f&gt;1&lt;/f&gt;", "O'Brien", "a = b", 'r="XFD1048576"']
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        for n, text in enumerate(texts, 1)
    )
    for prescan in (True, False):
        assert scan_part(sheet(rows), monkeypatch, prescan=prescan) == SheetScan(
            len(texts), 1, declared="A1"
        )


ODD_CELL_TAGS = [
    '<c r= "H5">',
    '<c r ="H5">',
    '<c r = "H5">',
    "<c r='H5'>",
    '<c\tr="H5">',
    '<c\nr="H5">',
    '<c r="&#72;5">',
]


@pytest.mark.parametrize("tag", ODD_CELL_TAGS)
@pytest.mark.parametrize("chunk", [16, 64, 1 << 20])
def test_odd_spelling_in_any_segment_changes_nothing(
    tag: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The widest cell spelled oddly, after plain rows: both ways take the exact XML path."""
    plain = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(1, 5))
    xml = sheet(plain + f'<row r="5">{tag}<v>1</v></c></row>')
    exact = scan_part(xml, monkeypatch, prescan=False, chunk=chunk)
    assert scan_part(xml, monkeypatch, prescan=True, chunk=chunk) == exact
    assert isinstance(exact, SheetScan)
    assert (exact.max_row, exact.max_col) == (5, 8)


NARROW_ROWS = "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(2, 300))
OUT_OF_PLACE = [
    # (rows, the bounds): the far cell is not among the last ones, only the exact search sees it
    (
        '<row r="1048000"><c r="A1048000"><v>1</v></c></row><row r="2"><c r="B2"><v>1</v></c></row>',
        (1048000, 2),
    ),
    ('<row r="1"><c r="AB1"><v>1</v></c></row>' + NARROW_ROWS, (299, 28)),
]


@pytest.mark.parametrize(("rows", "bounds"), OUT_OF_PLACE)
@pytest.mark.parametrize("head", [HEAD, ""])
def test_far_cell_before_the_last_one_is_seen(
    rows: str, bounds: tuple[int, int], head: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    xml = sheet(rows, head=head)
    exact = scan_part(xml, monkeypatch, prescan=False)
    assert scan_part(xml, monkeypatch, prescan=True) == exact
    assert isinstance(exact, SheetScan)
    assert (exact.max_row, exact.max_col) == bounds


# --- generated sheets: the pre-scan changes nothing ------------------------------------------


def column_letters(index: int) -> str:
    return g.column_letter(index)


TEXTS = st.sampled_from(
    [
        "plain",
        't="e"',
        "t='e'",
        "&lt;f&gt;SUM(A1)&lt;/f&gt;",
        "&lt;x:f&gt;",
        "O'Brien",
        "a = b",
        "AB1234567",
        'r="XFD1048576"',
        "&amp; &quot;e&quot;",
        '<![CDATA[<c r="B2" t="e"><v>#N/A</v></c>]]>',
        "line\nbreak",
        "!",
    ]
)
ERRORS = st.sampled_from(["#N/A", "#REF!", "#DIV/0!", " #VALUE! "])


@st.composite
def cells(draw: st.DrawFn, row: int, col: int, prefix: str) -> str:
    usual = draw(st.integers(0, 3)) > 0  # most cells are spelled as Excel spells them
    q = '"' if usual else draw(st.sampled_from(['"', "'"]))
    eq = "=" if usual else draw(st.sampled_from(["=", " = ", "= ", " ="]))
    sep = " " if usual else draw(st.sampled_from([" ", "\t", "\n "]))
    ref = f"{column_letters(col)}{row}"
    r = f"r{eq}{q}{ref}{q}"
    c, v, f = prefix + "c", prefix + "v", prefix + "f"
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"<{c}{sep}{r}{sep}t{eq}{q}e{q}><{v}>{draw(ERRORS)}</{v}></{c}>"
    if kind == 1:  # an error with its formula
        return f"<{c}{sep}{r} t={q}e{q}><{f}>1/0</{f}><{v}>#DIV/0!</{v}></{c}>"
    if kind == 2:  # a formula saved without a value
        return f"<{c}{sep}{r}><{f}>SUM(A1:A{row})</{f}></{c}>"
    if kind == 3:  # a formula with its cached value
        return f"<{c}{sep}{r}><{f}>A1*2</{f}><{v}>4</{v}></{c}>"
    if kind == 4:  # shared formula, master then child
        return f'<{c} {r}><{f} t="shared" ref="A1:A9" si="0">B1</{f}></{c}>'
    if kind == 5:
        return f"<{c} {r}/>"
    if kind == 6:
        return f'<{c} s="1" {r} t="s"><{v}>{draw(st.integers(0, 99))}</{v}></{c}>'
    text = draw(TEXTS)
    return f'<{c} {r} t="inlineStr"><{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is></{c}>'


@st.composite
def sheets(draw: st.DrawFn) -> bytes:
    prefix = draw(st.sampled_from(["", "", "x:"]))
    head = draw(st.sampled_from([HEAD, '<?xml version="1.0"?>', ""]))
    high = st.integers(999_990, 1_048_580)
    numbers = draw(st.lists(st.integers(1, 60) | high, min_size=0, max_size=12, unique=True))
    wide = st.integers(20, 30) | st.integers(16_380, 16_390)
    rows = []
    if draw(st.integers(0, 3)) > 0:  # rows in order, as Excel writes them; else as drawn
        numbers.sort()
    for number in numbers:
        cols = draw(st.lists(st.integers(1, 8) | wide, max_size=6, unique=True))
        body = "".join(draw(cells(number, col, prefix)) for col in sorted(cols))
        rows.append(f'<{prefix}row r="{number}">{body}</{prefix}row>')
    return sheet("".join(rows), prefix, head)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(xml=sheets(), chunk=st.integers(16, 4096))
def test_prescan_changes_nothing_on_generated_sheets(
    xml: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same SheetScan (or the same error) with and without the pre-scan, segments cut
    wherever the chunk size puts them."""
    exact = scan_part(xml, monkeypatch, prescan=False, chunk=chunk)
    assert scan_part(xml, monkeypatch, prescan=True, chunk=chunk) == exact
    assert scan_part(xml, monkeypatch, prescan=True) == scan_part(xml, monkeypatch, prescan=False)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    numbers=st.lists(st.integers(1, 2000), min_size=1, max_size=40, unique=True),
    width=st.integers(1, 30),
    chunk=st.integers(16, 2048),
)
def test_prescan_takes_exact_bounds_of_plain_sheets(
    numbers: list[int], width: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain sheets (numbers only, the pre-scan's fast case): bounds equal the exact search's."""
    rows = "".join(
        f'<row r="{n}">'
        + "".join(f'<c r="{column_letters(c)}{n}"><v>{c}</v></c>' for c in range(1, width + 1))
        + "</row>"
        for n in sorted(numbers)
    )
    xml = sheet(rows)
    exact = scan_part(xml, monkeypatch, prescan=False, chunk=chunk)
    assert scan_part(xml, monkeypatch, prescan=True, chunk=chunk) == exact
    assert exact == SheetScan(max(numbers), width, declared="A1")


# --- real workbooks: the pre-scan changes nothing --------------------------------------------


def workbooks() -> Iterator[Path]:
    folders = [CORPUS, ROOT / "tests" / "realfiles"]
    for folder in folders:
        if folder.is_dir():
            yield from sorted(
                p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm")
            )


def sheet_parts(path: Path) -> list[str]:
    if not zipfile.is_zipfile(path):
        return []
    try:
        with zipfile.ZipFile(path) as archive:
            return [part for _, part in workbook_sheets(archive) if part]
    except Exception:  # not a readable package: nothing to compare
        return []


@pytest.mark.parametrize("path", list(workbooks()), ids=lambda p: p.name)
def test_prescan_changes_nothing_on_real_workbooks(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole parts and parts cut into 4 KiB chunks: the same outcome both ways."""
    for part in sheet_parts(path):
        with zipfile.ZipFile(path) as archive:
            for chunk in (1 << 20, 4096):
                exact = scan_archive(archive, part, monkeypatch, prescan=False, chunk=chunk)
                fast = scan_archive(archive, part, monkeypatch, prescan=True, chunk=chunk)
                assert fast == exact, (part, chunk)


def test_prescan_changes_nothing_on_hostile_workbooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared = 0
    for case in g.build_all(tmp_path):
        path = case.path
        for part in sheet_parts(path):
            with zipfile.ZipFile(path) as archive:
                exact = scan_archive(archive, part, monkeypatch, prescan=False)
                assert scan_archive(archive, part, monkeypatch, prescan=True) == exact, path.name
                compared += 1
    assert compared >= 5


# --- the full read takes no pass for empty cells ---------------------------------------------


class RowsSheet:
    """What _interned_rows needs of a calamine sheet."""

    def __init__(self, rows: list[list[object]]) -> None:
        self.rows = rows

    def iter_rows(self) -> Iterator[list[object]]:
        return iter([list(row) for row in self.rows])


CELL_VALUES = st.one_of(
    st.sampled_from(["", " ", "x", "Passed"]),
    st.text(max_size=3),
    st.floats(allow_nan=False),
    st.booleans(),
    st.integers(-5, 5),
)


@given(rows=st.lists(st.lists(CELL_VALUES, max_size=6), max_size=8), first_row=st.integers(1, 3))
def test_interned_rows_leave_no_empty_text(rows: list[list[object]], first_row: int) -> None:
    """What the "" pass of a partial read would do is already done by the full read's rows."""
    from sheetcheck.readers import _calamine

    interned = _calamine._interned_rows(RowsSheet(rows), first_row)
    expected = [[None if v == "" else v for v in row] for row in rows[first_row - 1 :]]
    assert interned == expected
    assert [[type(v) for v in row] for row in interned] == [
        [type(v) for v in row] for row in expected
    ]
    copy = [list(row) for row in interned]
    _calamine._empty_cells_to_none(copy)
    assert copy == interned


def test_full_read_takes_no_pass_for_empty_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full read equals a partial read of every row, without the partial read's "" pass."""
    from sheetcheck.readers import _calamine

    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="C1" t="inlineStr"><is><t></t></is></c></row>'
    rows += '<row r="3"><c r="B3" t="e"><v>#N/A</v></c><c r="C3"><v>2</v></c></row>'
    path = g.write_xlsx_parts(tmp_path / "gaps.xlsx", [("S", sheet(rows).decode())])
    with open_workbook(path) as book:
        partial = book.read_sheet("S", nrows=10)
    calls: list[int] = []
    real = _calamine._empty_cells_to_none
    monkeypatch.setattr(_calamine, "_empty_cells_to_none", lambda r: calls.append(1) or real(r))
    with open_workbook(path) as book:
        full = book.read_sheet("S")
    assert calls == []
    assert (full.first_row, full.first_col, full.rows) == (
        partial.first_row,
        partial.first_col,
        partial.rows,
    )
    assert not any("" in row for row in full.rows)


def spreadsheets() -> list[Path]:
    folders = [CORPUS, ROOT / "tests" / "realfiles"]
    suffixes = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
    return [
        p
        for folder in folders
        if folder.is_dir()
        for p in sorted(folder.rglob("*"))
        if p.suffix.lower() in suffixes
    ]


@pytest.mark.parametrize("path", spreadsheets(), ids=lambda p: p.name)
def test_full_read_equals_partial_read_on_real_workbooks(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every sheet: the full read (no "" pass) gives the rows a read of all rows gives."""
    from sheetcheck.errors import InputError
    from sheetcheck.readers import _calamine

    real = _calamine._empty_cells_to_none
    try:
        book = open_workbook(path)
    except InputError:
        return  # unreadable files end in one error line elsewhere (test_corpus)
    with book:
        for name in book.sheet_names:
            try:
                partial = book.read_sheet(name, nrows=10**7)
                monkeypatch.setattr(_calamine, "_empty_cells_to_none", None)  # must not be used
                full = book.read_sheet(name)
            except InputError:
                continue
            finally:
                monkeypatch.setattr(_calamine, "_empty_cells_to_none", real)
            assert (full.first_row, full.first_col, full.rows) == (
                partial.first_row,
                partial.first_col,
                partial.rows,
            ), name


# --- a big sheet is scanned before calamine parses it ----------------------------------------


def test_stray_far_cell_in_a_big_sheet_is_refused_not_an_abort(tmp_path: Path) -> None:
    """A sheet part over 16 MiB with a truthful-looking dimension and a stray value at
    XFD1048576: its scan once ran beside calamine's parse, which sized the sheet first and
    aborted ("the spreadsheet reader crashed (SIGABRT)"); now the used-range error says what
    to do."""
    import random
    import subprocess
    import sys

    noise = random.Random(15)  # text deflate cannot squeeze past the zip-bomb ratio
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{noise.randbytes(1000).hex()}</t></is></c></row>'
        for n in range(1, 9000)
    )
    rows += '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    xml = g.sheet_xml(rows, "A1:A8999")
    assert len(xml) > 17 * 2**20
    path = g.write_xlsx_parts(tmp_path / "big.xlsx", [("S", xml)])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sheetcheck",
            "check",
            str(path),
            "--template",
            "enrollment-history",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-300:]
    assert "A1:XFD1048576" in done.stderr
    assert "Traceback" not in done.stderr
