"""The xlsx scan reads unusual spellings exactly: apostrophes, entities, odd whitespace, CDATA."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from hostile import generate as g
from sheetcheck.limits import Limits
from sheetcheck.model import CellError
from sheetcheck.readers import _xlsx_scan, open_workbook
from sheetcheck.readers._xlsx_scan import SheetScan, scan_sheet

PART = "xl/worksheets/sheet1.xml"

Outcome = SheetScan | tuple[str, str]


def scan_part(xml: bytes, monkeypatch: pytest.MonkeyPatch, *, chunk: int = 1 << 20) -> Outcome:
    """The scan of one sheet part, or the error it ends in, as (type, message)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PART, xml)
    return scan_archive(zipfile.ZipFile(buffer), PART, monkeypatch, chunk=chunk)


def scan_archive(
    archive: zipfile.ZipFile,
    part: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    chunk: int = 1 << 20,
) -> Outcome:
    with monkeypatch.context() as patch:
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
def test_far_cell_spelled_unusually_is_over_the_limit(
    cell: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """r='XFD1048576' slipped past the used-range limit (calamine then aborted the process)."""
    rows = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">{cell}</row>'
    outcome = scan_part(sheet(rows), monkeypatch)
    assert isinstance(outcome, tuple)
    assert outcome[0] == "InputError"
    assert "A1:XFD1048576" in outcome[1]


def test_cdata_that_looks_like_an_error_cell_is_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Markup inside CDATA is text, not a cell: the exact path reads it as such."""
    fake = '<c r="C9" t="e"><v>#REF!</v></c>'
    rows = f'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[{fake}]]></t></is></c></row>'
    assert scan_part(sheet(rows), monkeypatch) == SheetScan(1, 1)


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
    exact = scan_part(xml, monkeypatch, chunk=chunk)
    assert isinstance(exact, SheetScan)
    assert (exact.max_row, exact.max_col) == (5, 8)
