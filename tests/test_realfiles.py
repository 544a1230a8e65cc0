"""Real producers' files (issue 16): workbooks a spreadsheet application opens, sheetcheck reads.

Every file under ``tests/realfiles`` comes from a public test suite (Apache POI, SheetJS);
``tests/realfiles/SOURCES.md`` names its repository, path and commit
and the licence beside it. One table row per file: what sheetcheck must make of it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from enrollment import HEADER
from fixtures_annotate import issue, report
from sheetcheck.annotate import annotate, clean
from sheetcheck.annotate.package import Package
from sheetcheck.annotate.workbook import read_book
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.errors import InputError
from sheetcheck.limits import Limits
from sheetcheck.readers import open_workbook
from sheetcheck.zipraw import raw_entries

REAL = Path(__file__).resolve().parent / "realfiles"
ROOT = REAL.parents[1]

# (file, sheet names read, (sheet, row, column, value) of one cell) for files that must read.
READS: list[tuple[str, list[str], tuple[str, int, int, Any]]] = [
    # 1. encrypted with Excel's default password: Excel and LibreOffice open them silently
    ("default-key/protect.xlsx", ["Лист1", "Лист2", "Лист3"], ("Лист1", 4, 2, "При запуске")),
    ("default-key/50833.xls", ["Sheet1", "Sheet2", "Sheet3"], ("Sheet1", 1, 1, "test cell value")),
    # 2. an Excel 4.0 macro sheet beside two worksheets
    ("macro-sheets/xlmmacro.xlsm", ["Sheet1", "Sheet2"], ("Sheet1", 1, 1, None)),
    # 3. flat OpenDocument, as LibreOffice saves it
    (
        "fods/LO7322.fods",
        ["Sheet1"],
        ("Sheet1", 1, 9, dt.datetime(1933, 10, 18, 16, 17, 36, 960000)),
    ),
    ("fods/crlf.fods", ["Sheet1"], ("Sheet1", 1, 2, "abc\nDef")),
    # 4. written by Excel 2007 beta 2, binaryIndex parts: calamine panics on it
    ("xlsb/Simple.xlsb", ["Sheet1", "Sheet2", "Sheet3"], ("Sheet1", 1, 1, "This is an example")),
]

# (file, words the one-line refusal must contain) for files that must be refused.
REFUSED: list[tuple[str, list[str]]] = [
    # 1. a real password keeps today's message
    ("default-key/protected_passtika.xlsx", ["password-protected", "remove the password"]),
    ("default-key/password.xls", ["password-protected", "remove the password"]),
    ("default-key/xor-encryption-abc.xls", ["password-protected", "remove the password"]),
    # 1. a fuzzed xls whose FILEPASS claims encryption but whose container is damaged
    (
        "default-key/clusterfuzz-testcase-minimized-POIHSSFFuzzer-4651309315719168.xls",
        ["an encrypted workbook that is corrupt or truncated", "save it again"],
    ),
    # 5. Excel 2.x-4.0: the version and the converting application are named
    ("biff2-4/CRLFX5_2.XLS", ["Excel 2.x worksheet", "BIFF2", "LibreOffice Calc"]),
    ("biff2-4/CRLFX5_3.XLS", ["Excel 3.0 worksheet", "BIFF3", "LibreOffice Calc"]),
    ("biff2-4/CRLFX5_4.XLS", ["Excel 4.0 worksheet", "BIFF4", "LibreOffice Calc"]),
]

# 6. real producers' xlsx/xlsm for the byte-exact annotate + clean round trip
CLEAN = ["clean/decimal-format.xlsx", "clean/56295.xlsx", "macro-sheets/xlmmacro.xlsm"]


@pytest.mark.parametrize(("name", "sheets", "cell"), READS, ids=[r[0] for r in READS])
def test_real_file_is_read(name: str, sheets: list[str], cell: tuple[str, int, int, Any]) -> None:
    """The file opens; its worksheets and one known cell come out as the producer wrote them."""
    sheet, row, col, expected = cell
    with open_workbook(REAL / name) as book:
        assert book.sheet_names == sheets
        value = book.read_sheet(sheet).cell(row, col)
    if isinstance(expected, str) and isinstance(value, str):
        assert value.startswith(expected)
    else:
        assert value == expected


@pytest.mark.parametrize(("name", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_real_file_is_refused_in_one_line(name: str, words: list[str]) -> None:
    """The refusal says what the file is and how to get a readable copy."""
    with pytest.raises(InputError) as raised:
        open_workbook(REAL / name)
    message = str(raised.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_default_key_limits_apply_to_the_decrypted_workbook() -> None:
    """Pre-flight inspects what decryption gives (a zip the OLE file only holds encrypted)."""
    source = REAL / "default-key/protect.xlsx"
    with pytest.raises(InputError, match="the archive holds"):
        open_workbook(source, Limits(max_zip_entries=3))
    with pytest.raises(InputError, match="possibly a zip bomb"):
        open_workbook(source, Limits(max_uncompressed_bytes=10_000))


def test_macro_sheet_is_named_in_the_report(tmp_path: Path) -> None:
    """A real workbook with an Excel 4.0 macro sheet, learner data planted on its worksheet:
    the data is checked, and an info says the macro sheet was not read."""
    path = tmp_path / "xlmmacro.xlsm"
    with (
        zipfile.ZipFile(REAL / "macro-sheets/xlmmacro.xlsm") as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = _inline_sheet(
                    [HEADER, ["ann@school.org", "Fire Safety", "Completed", "", "1/1/2025"]]
                )
            out.writestr(info, data)
    found = check_file(path, CheckOptions(import_date=dt.date(2026, 6, 1)))
    notes = [(i.rule, i.severity, i.value) for i in found.issues if i.rule == "sheet-not-read"]
    assert found.sheet == "Sheet1"
    assert notes == [("sheet-not-read", "info", "Macro1")]
    with pytest.raises(InputError, match=r"'Macro1' is an Excel 4\.0 macro sheet"):
        check_file(path, CheckOptions(sheet="Macro1"))
    named = check_file(path, CheckOptions(sheet="Sheet1", import_date=dt.date(2026, 6, 1)))
    assert not [i for i in named.issues if i.rule == "sheet-not-read"]


def _inline_sheet(rows: list[list[str]]) -> bytes:
    from xml.sax.saxutils import escape

    from sheetcheck.model import cell_ref

    body = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{cell_ref(r, c)}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for c, v in enumerate(row, start=1)
            if v
        )
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def test_calamine_panic_prints_nothing_on_stderr() -> None:
    """calamine itself panics on the Excel 2007 xlsb: the panic message stays off stderr and
    the failure is one line (the fallback reader is bypassed here on purpose)."""
    code = (
        "import sys\n"
        "from sheetcheck.errors import InputError\n"
        "from sheetcheck.limits import DEFAULT_LIMITS\n"
        "from sheetcheck.readers._calamine import CalamineReader\n"
        "from sheetcheck.readers._preflight import inspect\n"
        "try:\n"
        "    CalamineReader(inspect(sys.argv[1], DEFAULT_LIMITS), DEFAULT_LIMITS)\n"
        "except InputError as exc:\n"
        "    print(exc, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "RUST_BACKTRACE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code, str(REAL / "xlsb/Simple.xlsb")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    lines = result.stderr.splitlines()
    assert "panicked" not in result.stderr
    assert len(lines) == 1 and "corrupt or unreadable xlsb file" in lines[0]


def test_every_real_file_ends_in_a_report_or_one_line() -> None:
    """The command line over all of them: exit 0-2, no traceback or panic, one line a file."""
    files = sorted(p for p in REAL.rglob("*") if p.suffix.lower() in _SPREADSHEETS)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "sheetcheck", "check", *map(str, files)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60 * len(files),
        check=False,
    )
    assert result.returncode in (0, 1, 2)
    for marker in ("Traceback", "panicked", "RUST_BACKTRACE"):
        assert marker not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for path in files:
        assert len([line for line in lines if f"{path}:" in line]) <= 1, path
    assert all(any(f"{path}:" in line for path in files) for line in lines)


_SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".fods", ".csv"}


@pytest.mark.parametrize("name", CLEAN)
def test_annotate_then_clean_gives_back_the_same_bytes(tmp_path: Path, name: str) -> None:
    """Excel/POI wrote these with their own deflate settings, data descriptors and entry order:
    the annotated copy keeps every untouched entry raw, and clean gives back the very file."""
    source = REAL / name
    assert_round_trip_is_byte_exact(source, tmp_path, force=name.endswith(".xlsm"))


def assert_round_trip_is_byte_exact(source: Path, tmp_path: Path, *, force: bool = False) -> None:
    """annotate ``source`` then clean it: untouched raw entries kept, the result byte-identical."""
    sheet = read_book(Package.read(str(source))).sheets[0].name
    issues = [
        issue("error", "required", 2, "B2", sheet=sheet),
        issue("info", "archived-enrollment", 1, "A1", sheet=sheet),
    ]
    annotated, cleaned = tmp_path / f"a{source.suffix}", tmp_path / f"c{source.suffix}"
    annotate(source, annotated, report(source, issues, sheet=sheet), force=force)
    before, after = _entries(source), _entries(annotated)
    untouched = [n for n in before if n in after and before[n][2] == after[n][2]]
    assert untouched, "the annotation changed every part"
    for name in untouched:
        assert after[name][:2] == before[name][:2], f"{name} was not copied raw"
    clean(annotated, cleaned)
    assert cleaned.read_bytes() == source.read_bytes()


def _entries(path: Path) -> dict[str, tuple[bytes, bytes, bytes]]:
    """{part: (local entry bytes, central record without its offset, content)}."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        stored = raw_entries(data, infos, archive.start_dir)
        assert stored is not None
        return {
            info.filename: (e.local, e.central[:42] + e.central[46:], archive.read(info))
            for info, e in zip(infos, stored, strict=True)
        }


def test_xlsb_record_reader_agrees_with_calamine_on_the_corpus() -> None:
    """The fallback reads every corpus .xlsb that calamine reads to the same cells."""
    from conftest import require_corpus
    from sheetcheck.limits import DEFAULT_LIMITS
    from sheetcheck.readers._calamine import CalamineReader
    from sheetcheck.readers._preflight import inspect
    from sheetcheck.readers._xlsb_records import XlsbRecordReader

    compared = 0
    for path in sorted(require_corpus().rglob("*.xlsb")):
        try:
            inspection = inspect(str(path), DEFAULT_LIMITS)
            with CalamineReader(inspection, DEFAULT_LIMITS) as book:
                expected = {n: _cells(book.read_sheet(n)) for n in book.sheet_names}
        except InputError:
            continue  # password-protected: nothing to compare
        with XlsbRecordReader(inspection, DEFAULT_LIMITS) as book:
            assert {n: _cells(book.read_sheet(n)) for n in book.sheet_names} == expected, path
        compared += 1
    assert compared >= 5


def _cells(grid: Any) -> dict[tuple[int, int], Any]:
    return {
        (grid.first_row + k, grid.first_col + j): value
        for k, row in enumerate(grid.rows)
        for j, value in enumerate(row)
        if value is not None
    }


@pytest.mark.parametrize("name", ["default-key/protect.xlsx", "macro-sheets/xlmmacro.xlsm"])
def test_openpyxl_fallback_reads_the_prepared_workbook(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Where python-calamine is absent (Pyodide), openpyxl reads the same decrypted or
    macro-sheet-free workbook, to the same cells."""
    import sheetcheck.readers
    from sheetcheck.readers._openpyxl import OpenpyxlReader

    with open_workbook(REAL / name) as book:
        expected = {n: _cells(book.read_sheet(n)) for n in book.sheet_names}
    monkeypatch.setattr(sheetcheck.readers, "has_calamine", lambda: False)
    with open_workbook(REAL / name) as book:
        assert isinstance(book, OpenpyxlReader)
        assert {n: _cells(book.read_sheet(n)) for n in book.sheet_names} == expected


def test_flat_ods_with_an_entity_bomb_ends_in_one_line(tmp_path: Path) -> None:
    """A .fods built like LO7322.fods but with nested entities (generated, not a real file):
    refused in one line, never expanded."""
    real = (REAL / "fods/LO7322.fods").read_bytes()
    entities = "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    bomb = real.replace(
        b"?>", f'?><!DOCTYPE office:document [<!ENTITY a0 "lol">{entities}]>'.encode(), 1
    ).replace(b"<text:p>Number</text:p>", b"<text:p>&a9;</text:p>", 1)
    path = tmp_path / "bomb.fods"
    path.write_bytes(bomb)
    with pytest.raises(InputError) as raised, open_workbook(path) as book:
        book.read_sheet(book.sheet_names[0])
    assert "\n" not in str(raised.value)
