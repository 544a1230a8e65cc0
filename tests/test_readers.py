"""Readers: every format, cell values as written, and cells at their real sheet positions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import require_corpus
from hostile import generate as g
from sheetcheck.errors import InputError
from sheetcheck.model import CellError, UncachedFormula
from sheetcheck.readers import SheetGrid, open_workbook


def read(path: Path, sheet: str | None = None, nrows: int | None = None) -> SheetGrid:
    with open_workbook(path) as book:
        return book.read_sheet(sheet or book.sheet_names[0], nrows)


def cells(grid: SheetGrid) -> dict[tuple[int, int], Any]:
    """{(sheet row, sheet column): value} for every non-empty cell."""
    return {
        (grid.first_row + k, grid.first_col + j): value
        for k, row in enumerate(grid.rows)
        for j, value in enumerate(row)
        if value is not None
    }


@pytest.fixture
def openpyxl_book(tmp_path: Path) -> Path:
    """Data from C3 with text, an error, a bare formula, dates, a merged range, a blank row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet["C3"] = "Login ID"
    sheet["D3"] = "  spaced  "
    sheet["C4"] = "#N/A"  # openpyxl stores the error codes as error cells
    sheet["D4"] = "=1+1"  # saved without a cached value
    sheet["C5"] = dt.datetime(2024, 2, 29, 13, 30)
    sheet["D5"] = dt.date(1970, 1, 1)
    sheet["C7"] = "merged"
    sheet.merge_cells("C7:D8")
    sheet["E9"] = 42
    sheet["F9"] = True
    sheet["C10"] = "#DIV/0!"
    book.create_sheet("Second")["A1"] = "second sheet"
    path = tmp_path / "data.xlsx"
    book.save(path)
    return path


EXPECTED = {
    (3, 3): "Login ID",
    (3, 4): "  spaced  ",
    (4, 3): CellError("#N/A"),
    (4, 4): UncachedFormula("=1+1"),
    (5, 3): dt.datetime(2024, 2, 29, 13, 30),
    (5, 4): dt.date(1970, 1, 1),
    (7, 3): "merged",
    (9, 5): 42,
    (9, 6): True,
    (10, 3): CellError("#DIV/0!"),
}


def test_xlsx_values_and_positions(openpyxl_book: Path) -> None:
    """Every kind of cell comes back at its sheet row and column; the merge's other cells are None."""
    grid = read(openpyxl_book)
    assert (grid.first_row, grid.first_col) == (3, 3)
    assert cells(grid) == EXPECTED
    assert grid.cell(8, 4) is None and grid.cell(7, 4) is None
    assert grid.rows[3] in ([], [None, None], [None] * 4)  # sheet row 6 is blank


@pytest.mark.parametrize(
    ("nrows", "last_row"),
    [(1, 2), (3, 3), (4, 4), (9, 9), (20, 10)],
)
def test_nrows_counts_sheet_rows(openpyxl_book: Path, nrows: int, last_row: int) -> None:
    """nrows=n reads sheet rows 1..n, wherever the data starts."""
    grid = read(openpyxl_book, nrows=nrows)
    assert grid.last_row == last_row
    assert all(row <= nrows for row, _ in cells(grid))


def test_xlsx_in_1904_date_system(tmp_path: Path) -> None:
    """A workbook saved in the 1904 date system gives the same calendar dates."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    book.active["A1"] = dt.date(2025, 3, 1)
    book.active["A2"] = dt.datetime(2021, 1, 1, 10, 10, 10)
    book.save(tmp_path / "mac.xlsx")
    assert cells(read(tmp_path / "mac.xlsx")) == {
        (1, 1): dt.date(2025, 3, 1),
        (2, 1): dt.datetime(2021, 1, 1, 10, 10, 10),
    }


def test_sheets_and_unknown_sheet(openpyxl_book: Path) -> None:
    """Sheet names in workbook order; an unknown name is an InputError listing the sheets."""
    with open_workbook(openpyxl_book) as book:
        assert book.sheet_names == ["Data", "Second"]
        assert book.format == "xlsx"
        assert cells(book.read_sheet("Second")) == {(1, 1): "second sheet"}
        with pytest.raises(InputError, match="'Data', 'Second'"):
            book.read_sheet("Missing")


def test_shared_formula_without_cache_names_its_master(tmp_path: Path) -> None:
    """A shared formula's dependent cell without a value is reported with the master's text."""
    rows = (
        '<row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">B1*2</f><v>4</v></c></row>'
        '<row r="2"><c r="A2"><f t="shared" si="0"/></c></row>'
        '<row r="3"><c r="A3" t="str"><f>""</f><v></v></c></row>'
    )
    path = g.write_xlsx_parts(tmp_path / "f.xlsx", [("S", g.sheet_xml(rows))])
    assert cells(read(path)) == {(1, 1): 4.0, (2, 1): UncachedFormula("=B1*2")}


def test_cells_without_references(tmp_path: Path) -> None:
    """Cells without r="..." are located by counting, errors included."""
    rows = '<row><c><v>1</v></c><c t="e"><v>#REF!</v></c></row><row><c><f>A1</f></c></row>'
    path = g.write_xlsx_parts(tmp_path / "nor.xlsx", [("S", g.sheet_xml(rows))])
    assert cells(read(path)) == {
        (1, 1): 1.0,
        (1, 2): CellError("#REF!"),
        (2, 1): UncachedFormula("=A1"),
    }


def test_namespace_prefixed_sheet(tmp_path: Path) -> None:
    """Sheet XML written with an x: prefix still yields its error cells."""
    xml = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{g.MAIN_NS}"><x:sheetData>'
        '<x:row r="2"><x:c r="B2" t="e"><x:v>#N/A</x:v></x:c><x:c r="C2"><x:v>5</x:v></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )
    path = g.write_xlsx_parts(tmp_path / "prefix.xlsx", [("S", xml)])
    assert cells(read(path)) == {(2, 2): CellError("#N/A"), (2, 3): 5.0}


# --- CSV ------------------------------------------------------------------------------------

CSV_CASES = [
    ("comma", b"a,b\n1, x \n", [["a", "b"], ["1", " x "]]),
    ("semicolon", b"a;b;c\n1;;3\n", [["a", "b", "c"], ["1", None, "3"]]),
    ("tab", b"a\tb\n1\t2\n", [["a", "b"], ["1", "2"]]),
    ("bom", b"\xef\xbb\xbfa,b\n1,2\n", [["a", "b"], ["1", "2"]]),
    ("quoted", b'a,b\n"x, y","say ""hi"""\n', [["a", "b"], ["x, y", 'say "hi"']]),
    ("semicolon with commas", b"a;b\n1,5;2,5\n", [["a", "b"], ["1,5", "2,5"]]),
    ("crlf and blank line", b"a,b\r\n\r\n1,2\r\n", [["a", "b"], [], ["1", "2"]]),
    ("unicode", "név,kurzus\nZoë,Ünïcode\n".encode(), [["név", "kurzus"], ["Zoë", "Ünïcode"]]),
]


@pytest.mark.parametrize(("data", "rows"), [pytest.param(d, r, id=i) for i, d, r in CSV_CASES])
def test_csv(tmp_path: Path, data: bytes, rows: list[list[Any]]) -> None:
    """CSV values are text as written, empty fields None, the separator sniffed."""
    path = tmp_path / "enrollments.csv"
    path.write_bytes(data)
    with open_workbook(path) as book:
        assert book.format == "csv" and book.sheet_names == ["enrollments"]
        grid = book.read_sheet("enrollments")
    assert (grid.first_row, grid.first_col, grid.rows) == (1, 1, rows)


def test_csv_nrows(tmp_path: Path) -> None:
    """nrows stops a CSV read early."""
    path = tmp_path / "long.csv"
    path.write_text("h\n" + "x\n" * 100)
    assert len(read(path, nrows=20).rows) == 20


# --- the other formats, from the calamine corpus --------------------------------------------

CORPUS_CASES = [
    ("date_1904.xls", "xls", {(1, 1): dt.date(2021, 1, 1), (1, 2): 15}),
    ("date_1904.xlsb", "xlsb", {(1, 1): dt.date(2021, 1, 1), (1, 2): 15.0}),
    ("date_1904.xlsx", "xlsx", {(1, 1): dt.date(2021, 1, 1), (1, 2): 15.0}),
    ("date.xls", "xls", {(1, 1): dt.date(2021, 1, 1), (1, 2): 15}),
    ("date.xlsb", "xlsb", {(1, 1): dt.date(2021, 1, 1), (1, 2): 15.0}),
    ("date.ods", "ods", {(1, 1): dt.date(2021, 1, 1), (1, 2): 15.0}),
    ("temperature-in-middle.xlsx", "xlsx", {(4, 2): "label", (4, 3): "value"}),
    ("merge_cells.xlsx", "xlsx", {(1, 1): "Row Merge", (1, 3): "Not Merged"}),
    ("errors.xlsx", "xlsx", {(1, 1): CellError("#DIV/0!"), (7, 1): CellError("#N/A")}),
    ("issue221.xlsm", "xlsm", {}),
]


@pytest.mark.parametrize(("name", "fmt", "expected"), CORPUS_CASES)
def test_corpus_formats(name: str, fmt: str, expected: dict[tuple[int, int], Any]) -> None:
    """xls, xlsb, ods, xlsm from other producers: format detected, cells where they belong."""
    path = require_corpus() / "calamine" / name
    with open_workbook(path) as book:
        assert book.format == fmt
        found = cells(book.read_sheet(book.sheet_names[0]))
    for position, value in expected.items():
        assert found.get(position) == value, position
        assert type(found.get(position)) is type(value)


def test_durations_read_as_text() -> None:
    """A [h]:mm:ss cell reads as the text Excel shows, not a bare timedelta."""
    grid = read(require_corpus() / "calamine" / "date_1904.xlsx")
    assert cells(grid)[(3, 1)] == "255:10:10"


# --- error cells in xls and ods (LibreOffice writes the files) ------------------------------


@pytest.fixture(scope="module")
def converted_error_books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An xlsx with error formulas away from A1, converted by LibreOffice to xls and ods."""
    import openpyxl

    from conftest import soffice_convert

    directory = tmp_path_factory.mktemp("errors")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet["B2"] = "Login ID"
    sheet["B3"] = "=NA()"
    sheet["C3"] = "ok"
    sheet["C5"] = "=1/0"
    source = directory / "errors.xlsx"
    book.save(source)
    converted = {"xlsx": source}
    for fmt in ("xls", "ods"):
        converted[fmt] = soffice_convert([source], fmt, directory / fmt)[0]
    return converted


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_error_cells_in_xls_and_ods(converted_error_books: dict[str, Path], fmt: str) -> None:
    """Errors that calamine returns as empty come back as CellError at their sheet positions."""
    grid = read(converted_error_books[fmt])
    assert cells(grid) == {
        (2, 2): "Login ID",
        (3, 2): CellError("#N/A"),
        (3, 3): "ok",
        (5, 3): CellError("#DIV/0!"),
    }


def xlsb_with_error(source: Path, target: Path, row: int, col: int) -> Path:
    """Copy an xlsb, turning the number cell at (row, col) into a #N/A error record."""
    import struct
    import zipfile

    from sheetcheck.readers._xlsb_scan import _records

    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    data = parts["xl/worksheets/sheet1.bin"]
    out, current, pos = bytearray(), -1, 0
    for kind, start, end in _records(data):
        header_start = pos
        pos = end
        if kind == 0:
            current = struct.unpack_from("<I", data, start)[0] + 1
        if kind == 2 and current == row and struct.unpack_from("<I", data, start)[0] + 1 == col:
            out += b"\x03\x09" + data[start : start + 8] + b"\x2a"
            continue
        out += data[header_start:end]
    parts["xl/worksheets/sheet1.bin"] = bytes(out)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return target


def test_error_cells_in_xlsb(tmp_path: Path) -> None:
    """An error record in an xlsb sheet comes back as CellError where calamine gives ''."""
    source = require_corpus() / "calamine" / "date.xlsb"
    grid = read(xlsb_with_error(source, tmp_path / "errors.xlsb", row=2, col=2))
    assert cells(grid)[(2, 2)] == CellError("#N/A")
    assert cells(grid)[(1, 2)] == 15.0


# --- the openpyxl fallback (Pyodide has no python-calamine) ----------------------------------


@pytest.fixture
def without_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    import sheetcheck.readers

    monkeypatch.setattr(sheetcheck.readers, "has_calamine", lambda: False)


@pytest.mark.usefixtures("without_calamine")
def test_openpyxl_fallback_reads_the_same_cells(openpyxl_book: Path) -> None:
    """Without calamine, xlsx is read by openpyxl with the same values at the same cells."""
    from sheetcheck.readers._openpyxl import OpenpyxlReader

    with open_workbook(openpyxl_book) as book:
        assert isinstance(book, OpenpyxlReader)
        assert cells(book.read_sheet("Data")) == EXPECTED
        assert max(r for r, _ in cells(book.read_sheet("Data", nrows=4))) == 4


@pytest.mark.usefixtures("without_calamine")
@pytest.mark.parametrize(
    ("builder", "outcome"),
    [
        (g.lying_dimension, 50),  # read-only openpyxl would trust the declared A1
        (g.stray_far_cell, "used range"),
        (g.empty_sheet, 0),
    ],
)
def test_openpyxl_fallback_on_hostile_files(tmp_path: Path, builder: Any, outcome: Any) -> None:
    """The fallback reads every row of a lying file and refuses a stray far cell."""
    path = builder(tmp_path / "hostile.xlsx")
    if isinstance(outcome, int):
        assert len([r for r in read(path).rows if any(v is not None for v in r)]) == outcome
        return
    with pytest.raises(InputError, match=outcome):
        read(path)


@pytest.mark.usefixtures("without_calamine")
def test_other_formats_need_calamine(tmp_path: Path) -> None:
    """Without calamine, an xls names the missing package and the way around it."""
    from sheetcheck.errors import UsageError

    path = tmp_path / "old.xls"
    path.write_bytes(g.cfb_container(["Workbook"]))
    with pytest.raises(UsageError, match="python-calamine"):
        open_workbook(path)
