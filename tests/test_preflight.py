"""Pre-flight guard: each hazard is recognised, before any parser runs, with the right cause."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from hostile import generate as g
from sheetcheck.errors import InputError
from sheetcheck.limits import DEFAULT_LIMITS, Limits
from sheetcheck.readers import detect_format, open_workbook
from sheetcheck.readers._preflight import inspect


def ods_zip(path: Path, manifest: str = "<manifest/>", mimetype: str = "spreadsheet") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{mimetype}")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", "<office:document-content/>")
    return path


def write_bytes(data: bytes) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return build


def ratio_member(path: Path) -> Path:
    """A 9 MB run of spaces (over the ratio floor) in an otherwise normal xlsx."""
    g.simple_xlsx(path, g.SAMPLE_ROWS)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/blank.xml", b" " * (9 * 1024 * 1024))
    return path


TINY = Limits(max_zip_entries=4)

# (case id, builder, limits, expected cause substring)
HAZARDS: list[tuple[str, Callable[[Path], Path], Limits, str]] = [
    ("empty file", g.empty_file, DEFAULT_LIMITS, "the file is empty"),
    ("over size", g.header_only, Limits(max_file_bytes=100), "over the 100 bytes limit"),
    ("zip bomb ratio", ratio_member, DEFAULT_LIMITS, "a zip bomb"),
    ("ratio limit", ratio_member, Limits(max_compression_ratio=10_000), ""),
    ("inflated total", g.header_only, Limits(max_uncompressed_bytes=1000), "possibly a zip bomb"),
    ("zip entries", g.header_only, TINY, "the archive holds 5 parts (limit 4)"),
    ("unique count", g.huge_unique_count, DEFAULT_LIMITS, "declares 4,000,000,000 strings"),
    ("truncated zip", g.truncated, DEFAULT_LIMITS, "truncated or corrupt"),
    ("encrypted ooxml", g.encrypted, DEFAULT_LIMITS, "password-protected"),
    (
        "word in ole",
        write_bytes(g.cfb_container(["WordDocument"])),
        DEFAULT_LIMITS,
        "a Word document",
    ),
    ("ole other", write_bytes(g.cfb_container(["Foo"])), DEFAULT_LIMITS, "not an Excel workbook"),
    ("ole truncated", write_bytes(g.cfb_container(["Workbook"])[:700]), DEFAULT_LIMITS, "corrupt"),
    ("word in zip", g.word_document, DEFAULT_LIMITS, "a Word document"),
    ("odt", lambda p: ods_zip(p, mimetype="text"), DEFAULT_LIMITS, "OpenDocument text file"),
    (
        "ods password",
        lambda p: ods_zip(p, "<manifest><manifest:encryption-data/></manifest>"),
        DEFAULT_LIMITS,
        "password-protected",
    ),
    ("pdf", write_bytes(b"%PDF-1.7\n..."), DEFAULT_LIMITS, "a PDF document"),
    ("html", write_bytes(b"<html><table><tr><td>1</td></tr></table>"), DEFAULT_LIMITS, "HTML"),
    (
        "xml 2003",
        write_bytes(
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>'
        ),
        DEFAULT_LIMITS,
        "XML Spreadsheet 2003",
    ),
    ("utf-16", write_bytes("\ufeffa,b".encode("utf-16-le")), DEFAULT_LIMITS, "UTF-16"),
    ("binary", g.binary_garbage, DEFAULT_LIMITS, "not a spreadsheet"),
    ("not a zip", write_bytes(b"PK\x03\x04garbage"), DEFAULT_LIMITS, "truncated or corrupt"),
]


@pytest.mark.parametrize(
    ("builder", "limits", "cause"),
    [pytest.param(b, lim, c, id=i) for i, b, lim, c in HAZARDS],
)
def test_hazard_is_refused(
    tmp_path: Path, builder: Callable[[Path], Path], limits: Limits, cause: str
) -> None:
    """inspect() refuses the file with a one-line cause, or (empty cause) lets it through."""
    path = builder(tmp_path / "input.xlsx")
    if not cause:
        assert inspect(str(path), limits).format == "xlsx"
        return
    with pytest.raises(InputError) as raised:
        inspect(str(path), limits)
    assert cause in raised.value.cause
    assert raised.value.advice
    assert "\n" not in str(raised.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    """A missing path and a folder are named as such."""
    with pytest.raises(InputError, match="file not found"):
        inspect(str(tmp_path / "nope.xlsx"), DEFAULT_LIMITS)
    with pytest.raises(InputError, match="is a folder"):
        inspect(str(tmp_path), DEFAULT_LIMITS)


@pytest.mark.parametrize(
    ("builder", "name", "expected"),
    [
        (g.header_only, "book.xlsx", "xlsx"),
        (g.xlsx_named_xls, "book.xls", "xlsx"),
        (g.csv_named_xlsx, "book.xlsx", "csv"),
        (g.header_only, "book.csv", "xlsx"),
        (ods_zip, "book.xlsx", "ods"),
    ],
)
def test_format_comes_from_content(
    tmp_path: Path, builder: Callable[[Path], Path], name: str, expected: str
) -> None:
    """The format is detected from the bytes, never from the extension."""
    assert detect_format(builder(tmp_path / name)) == expected


def test_xlsm_by_content_type(tmp_path: Path) -> None:
    """A macro-enabled content type makes it xlsm."""
    path = g.header_only(tmp_path / "book.xlsx")
    with zipfile.ZipFile(path) as source:
        parts = {n: source.read(n) for n in source.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert detect_format(path) == "xlsm"


# (case id, sheet XML rows, limits, expected cause) for the used-range scan of a sheet.
BOXES = [
    (
        "stray far cell",
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        DEFAULT_LIMITS,
        "A1:XFD1048576",
    ),
    (
        "wide stray cell",
        '<row r="1"><c r="A1"><v>1</v></c><c r="ZZ1"><v>1</v></c></row><row r="60000"><c r="A60000"><v>1</v></c></row>',
        DEFAULT_LIMITS,
        "spans 42,120,000 cells",
    ),
    (
        "too many rows",
        '<row r="9"><c r="A9"><v>1</v></c></row>',
        Limits(max_rows=5),
        "9 rows (limit 5)",
    ),
    (
        "too many columns",
        '<row r="1"><c r="AB1"><v>1</v></c></row>',
        Limits(max_columns=20),
        "28 columns (limit 20)",
    ),
    (
        "styled empty cells are not data",
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row>',
        DEFAULT_LIMITS,
        "",
    ),
    (
        "cells without r",
        '<row><c><v>1</v></c><c t="e"><v>#N/A</v></c></row>',
        Limits(max_columns=1),
        "2 columns (limit 1)",
    ),
]


@pytest.mark.parametrize(
    ("rows", "limits", "cause"), [pytest.param(r, lim, c, id=i) for i, r, lim, c in BOXES]
)
def test_used_range_is_measured_from_the_cells(
    tmp_path: Path, rows: str, limits: Limits, cause: str
) -> None:
    """The bounding box comes from the cells (not the declared dimension) before calamine."""
    path = g.write_xlsx_parts(tmp_path / "box.xlsx", [("S", g.sheet_xml(rows, "A1"))])
    with open_workbook(path, limits) as book:
        if not cause:
            assert book.read_sheet("S").rows == [[1.0]]
            return
        with pytest.raises(InputError) as raised:
            book.read_sheet("S")
    assert cause in raised.value.cause
