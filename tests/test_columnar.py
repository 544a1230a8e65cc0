"""The columnar read path (fastexcel + Arrow, :mod:`sheetcheck.readers._columnar`) gives the
report the calamine path gives, byte for byte, or steps aside.

Each workbook is checked twice: once with the columnar path off (the reference) and once with
``MIN_PART_BYTES`` lowered to 0 so that even a small sheet goes through Arrow. The JSON
reports (or the error lines) must be identical. Generated workbooks (hypothesis, written with
openpyxl) cover text, numbers, booleans, empty and whitespace-only cells, blank rows, error
cells, formulas without a value, and the cases that must fall back (dates, mixed columns,
title rows above the header); the corpus covers what other producers write.

Everything that may load pyarrow runs in a forked child (:func:`run_isolated`): once imported
it maps hundreds of MB, and a later test's child with a 512 MB address-space limit, forked
from this process, would start over its limit (tests/test_hostile.py).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, require_corpus, write_book, write_xlsx
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.errors import SheetcheckError
from sheetcheck.isolate import run_isolated
from sheetcheck.limits import DEFAULT_LIMITS
from sheetcheck.model import Report
from sheetcheck.packs import load_pack
from sheetcheck.readers import _columnar
from sheetcheck.report.json_report import write_json

if not all(importlib.util.find_spec(name) for name in ("fastexcel", "pyarrow")):
    pytest.skip("the fast extra is not installed", allow_module_level=True)

IMPORT_DATE = dt.date(2026, 11, 1)
HEADER = [column.name for column in load_pack("enrollment-history").columns]


def _report(path: Path, template: str | None) -> tuple[str, bool]:
    """(the JSON report or the error line, whether the columnar path built the table)."""
    built: list[bool] = []
    real_table = _columnar.ColumnarSheet.table

    def spy(self: _columnar.ColumnarSheet) -> Any:
        built.append(True)
        return real_table(self)

    _columnar.ColumnarSheet.table = spy  # type: ignore[method-assign]  # undone below
    try:
        options = CheckOptions(template=template, import_date=IMPORT_DATE)
        report = Report([check_file(path, options)])
    except SheetcheckError as err:
        return f"error: {err}", bool(built)
    finally:
        _columnar.ColumnarSheet.table = real_table  # type: ignore[method-assign]
    out = io.StringIO()
    write_json(report, out)
    return out.getvalue(), bool(built)


def both_paths(path: Path, template: str | None = "enrollment-history") -> tuple[str, str, bool]:
    """(reference report, columnar report, whether the columnar path was taken), computed in
    a forked child."""
    return run_isolated(_both_paths_here, path, template, limits=DEFAULT_LIMITS)


def _sheets_calamine_read(path: Path) -> list[str]:
    """The sheets the calamine reader read while the columnar path checked ``path``."""
    from sheetcheck.readers._calamine import CalamineReader

    read: list[str] = []
    real_read = CalamineReader.read_sheet

    def spy(self: CalamineReader, name: str, nrows: int | None = None) -> Any:
        read.append(name)
        return real_read(self, name, nrows)

    CalamineReader.read_sheet = spy  # type: ignore[method-assign]  # a child: never undone
    _columnar.MIN_PART_BYTES = 0
    check_file(path, CheckOptions(import_date=IMPORT_DATE))
    return read


def _both_paths_here(path: Path, template: str | None) -> tuple[str, str, bool]:
    saved = _columnar.enabled, _columnar.MIN_PART_BYTES
    try:
        _columnar.enabled = False
        reference, used = _report(path, template)
        assert not used
        _columnar.enabled, _columnar.MIN_PART_BYTES = True, 0
        columnar, used = _report(path, template)
    finally:
        _columnar.enabled, _columnar.MIN_PART_BYTES = saved
    return reference, columnar, used


def _book(path: Path, rows: list[list[Any]]) -> Path:
    """rows from A1; "#N/A"-style text written as Excel error cells, "=..." as formulas
    saved without a value (openpyxl computes nothing)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Enrollments"
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("#"):
                cell.data_type = "e"
    book.save(path)
    return path


PLAIN = [
    HEADER,
    [
        "learner1@college.ac.uk",
        "Course 001: GDPR",
        "Passed",
        85,
        "1/6/2024",
        "2/6/2024",
        "3/6/2024",
    ],
    ["learner2@college.ac.uk", "Course 002: GDPR", "Complete", 120, "1/6/24", "", "  "],
    [None, None, None, None, None, None, None],
    ["learner2@college.ac.uk", "Course 002: GDPR", "Complete", 120, "1/6/24", None, None],
    ["learner 3@college.ac.uk", "#N/A", "In Progress", None, "=NOW()", "2024-06-01", None],
    ["   ", None, None, None, None, None, None, "beyond the header"],
]


class TestChosenCases:
    """Hand-written sheets: the path taken, and the report either way."""

    @pytest.mark.parametrize(
        ("rows", "columnar"),
        [
            (PLAIN, True),
            ([HEADER[:4], *(["a@b.c", "Course", "Passed", 50] for _ in range(5))], True),
            ([HEADER[:3], ["a@b.c", "Course", "Passed"]], False),  # no header: calamine decides
            ([HEADER], True),  # a header and no data
            ([["", *HEADER]], False),  # A1 empty: the sheet may not start at A1
            ([["Title"], HEADER, PLAIN[1]], False),  # header on row 2
            ([HEADER, [*PLAIN[1][:4], dt.date(2024, 6, 1), *PLAIN[1][5:]]], False),  # a date
            ([HEADER, PLAIN[1], ["x", "y", "Passed", "85"]], False),  # numbers and text mixed
            ([HEADER, PLAIN[1], ["x", "y", "Passed", "N/A"]], False),  # text fastexcel calls null
            ([HEADER, PLAIN[1], ["x", "y", "Passed", "nan"]], False),  # text fastexcel calls NaN
            ([HEADER, PLAIN[1], ["x", "y", "Passed", True]], False),  # a boolean among numbers
            ([HEADER, PLAIN[1], ["x", "y", "Passed", None, True]], False),  # among text
            ([[*HEADER[:2], 2024, *HEADER[2:]], PLAIN[1]], False),  # a number in the header
            ([[*HEADER, HEADER[0]], PLAIN[1]], False),  # a repeated header text
            ([["#N/A", *HEADER[1:]], PLAIN[1]], False),  # an error cell in the header
            ([HEADER, PLAIN[1], [*PLAIN[1][:7], None, None, "#REF!"]], True),  # beyond the span
            ([HEADER, PLAIN[1], [None] * 9 + ["=1+1"]], False),  # a bare formula outside the range
        ],
    )
    def test_same_report_and_path(self, tmp_path: Path, rows: list[Any], columnar: bool) -> None:
        reference, report, used = both_paths(_book(tmp_path / "t.xlsx", rows))
        assert report == reference
        assert used is columnar

    def test_the_template_found_from_the_header_is_the_same(self, tmp_path: Path) -> None:
        reference, report, used = both_paths(_book(tmp_path / "t.xlsx", PLAIN), None)
        assert used
        assert report == reference

    def test_a_sheet_without_header_is_not_parsed_twice(self, tmp_path: Path) -> None:
        """A big first sheet with no header: its top rows, read through Arrow, say so, and
        calamine never parses it; the next sheet is the one checked."""
        other = [["Name", "Value"], *(["x", 1.5] for _ in range(5))]
        path = write_book(tmp_path / "t.xlsx", {"Raw": other, "Enrollments": PLAIN[:3]})
        reference, report, used = both_paths(path, None)
        assert report == reference
        assert used
        assert run_isolated(_sheets_calamine_read, path, limits=DEFAULT_LIMITS) == []

    def test_a_stray_far_cell_is_refused_before_fastexcel_parses(self, tmp_path: Path) -> None:
        """A sheet that declares its data's box (A1 to row 4) and holds a value at XFD1048576: fastexcel's calamine
        sizes the sheet at 17 billion cells and aborts the process, so the scan must refuse it
        first (it once ran on a thread beside fastexcel's load when the dimension looked
        small, and the child died of SIGABRT)."""
        from openpyxl.utils import get_column_letter

        from hostile import generate as g

        def cell(ref: str, text: str) -> str:
            return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

        letters = [get_column_letter(n) for n in range(1, len(HEADER) + 1)]
        rows = '<row r="1">' + "".join(
            cell(f"{c}1", h) for c, h in zip(letters, HEADER, strict=True)
        )
        rows += "</row>"
        for n in (2, 3, 4):
            rows += f'<row r="{n}">' + "".join(cell(f"{c}{n}", "x") for c in letters) + "</row>"
        rows += '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        path = g.write_xlsx_parts(
            tmp_path / "far.xlsx", [("S", g.sheet_xml(rows, f"A1:{letters[-1]}4"))]
        )
        reference, report, _used = both_paths(path)
        assert reference.startswith("error: ")
        assert "A1:XFD1048576" in reference
        assert report == reference

    def test_small_sheets_stay_on_the_calamine_path(self, tmp_path: Path) -> None:
        path = _book(tmp_path / "t.xlsx", PLAIN)
        _, used = run_isolated(_report, path, "enrollment-history", limits=DEFAULT_LIMITS)
        assert not used

    @pytest.mark.parametrize(
        ("limit_mb", "used_mb", "part_mb", "columnar"),
        [
            (512, 250, 20, False),  # the hostile-file tests' children
            (4096, 250, 20, True),  # the default limit, a 50,000-row sheet
            (4096, 250, 400, True),  # the default limit, 1,048,575 rows x 7 columns
            (4096, 250, 800, False),  # twice as wide: the calamine path needs less
            (4096, 1400, 400, False),  # a reused pool worker that maps 1.4 GB already
        ],
    )
    def test_the_address_space_limit_decides(
        self, monkeypatch: Any, limit_mb: int, used_mb: int, part_mb: int, columnar: bool
    ) -> None:
        import resource

        limit = limit_mb * 2**20
        monkeypatch.setattr(resource, "getrlimit", lambda _which: (limit, limit))
        monkeypatch.setattr(_columnar, "_address_space_used", lambda: used_mb * 2**20)
        assert _columnar._address_space_ok(part_mb * 2**20) is columnar


# Cells of one column: mostly one kind, so that most examples take the columnar path, and
# now and then another kind, a date or an Excel error, which must fall back or be placed.
TEXT = st.sampled_from(
    ["learner1@college.ac.uk", "learner 2@x.uk", "Passed", "Complete", "1/6/2024", "", " ", "é"]
)
NUMBER = st.sampled_from([0, 85, 120, -1, 2.5, 1e20])
BOOL = st.booleans()
ODD = st.sampled_from(
    [
        *("#N/A", "#DIV/0!", "=A1+1", "N/A", "NaN", "null", True),
        *(dt.date(2024, 6, 1), dt.datetime(2024, 6, 1, 9)),
    ]
)


@st.composite
def workbooks(draw: st.DrawFn) -> list[list[Any]]:
    width = draw(st.integers(5, 8))
    header: list[Any] = draw(st.permutations([*HEADER, "Notes"]))[:width]
    if draw(st.booleans()):
        header[draw(st.integers(1, width - 1))] = None  # a gap in the header
    kinds = [draw(st.sampled_from([TEXT, TEXT, NUMBER, BOOL])) for _ in range(width)]
    odd = draw(st.sampled_from([0, 0, 1, 8]))  # out of 60: how often a cell is an odd one
    rows = [header]
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.integers(0, 9)) == 0:
            rows.append([])  # a blank row
            continue
        row = []
        for kind in kinds:
            pick = draw(st.integers(0, 59))
            row.append(None if pick < 4 else draw(ODD) if pick < 4 + odd else draw(kind))
        if draw(st.integers(0, 9)) == 0:
            row.append(draw(TEXT | NUMBER))  # a cell beyond the header
        rows.append(row)
    return rows


@settings(
    max_examples=70, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=workbooks(), detect=st.booleans())
def test_generated_workbooks_give_the_same_report(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[Any]], detect: bool
) -> None:
    path = _book(tmp_path_factory.mktemp("gen") / "t.xlsx", rows)
    template = None if detect else "enrollment-history"
    reference, report, _used, differences = run_isolated(
        _compared, path, template, limits=DEFAULT_LIMITS
    )
    assert report == reference
    assert differences == []  # the grid and the Table too, header found or not


def test_generated_workbooks_mostly_take_the_columnar_path(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Guard against the property above passing because nothing went through Arrow."""
    taken: list[bool] = []

    @settings(max_examples=12, deadline=None, database=None)
    @given(rows=workbooks())
    def run(rows: list[list[Any]]) -> None:
        taken.append(both_paths(_book(tmp_path_factory.mktemp("gen") / "t.xlsx", rows))[2])

    run()
    assert sum(taken) * 2 >= len(taken)


def _corpus_books() -> Iterator[Path]:
    if CORPUS.is_dir():
        for path in sorted(CORPUS.rglob("*")):
            if path.suffix.lower() in (".xlsx", ".xlsm") and path.stat().st_size < 8 * 2**20:
                yield path


def _sheets_both_ways(path: Path) -> tuple[int, list[str]]:
    """(sheets read through Arrow, how they differ from the calamine reader's grid and
    build_table's Table); every sheet of the workbook, whatever its header."""
    from sheetcheck.readers import open_workbook
    from sheetcheck.tables import build_table

    saved = _columnar.MIN_PART_BYTES
    _columnar.MIN_PART_BYTES = 0
    used, differences = 0, []
    try:
        with open_workbook(path) as book:
            for name in book.sheet_names:
                sheet = _columnar.load(book, name, DEFAULT_LIMITS)
                if sheet is None:
                    continue
                used += 1
                top, table = sheet.top(20), sheet.table()
                if vars(top) != vars(book.read_sheet(name, nrows=20)):
                    differences.append(f"{name}: top rows")
                if _fields(table) != _fields(build_table(book.read_sheet(name), 0)):
                    differences.append(f"{name}: table")
    except SheetcheckError:
        pass  # unreadable either way: the report-level test compares the error lines
    finally:
        _columnar.MIN_PART_BYTES = saved
    return used, differences


def _fields(table: Any) -> tuple[Any, ...]:
    columns = [tuple(c) for c in table.columns]
    return (
        table.sheet,
        table.header_row,
        table.header,
        table.first_col,
        table.row_numbers,
        columns,
    )


def _compared(path: Path, template: str | None) -> tuple[str, str, int, list[str]]:
    """In one child: (reference report, columnar report, sheets read through Arrow, how
    those sheets differ from the calamine reader's)."""
    reference, report, _used = _both_paths_here(path, template)
    used, differences = _sheets_both_ways(path)
    return reference, report, used, differences


def test_corpus_workbooks_give_the_same_report() -> None:
    """Every xlsx/xlsm of the corpus, each in a memory-limited child (some are hostile): the
    same report (template found from the header), and every sheet the columnar reader accepts
    gives the calamine reader's top rows and build_table's Table, header on row 1 or not."""
    require_corpus()  # skips locally without it, fails in CI
    used = 0
    for path in _corpus_books():
        try:
            reference, report, taken, differences = run_isolated(
                _compared, path, None, limits=DEFAULT_LIMITS
            )
        except SheetcheckError:
            continue  # the child itself failed (a memory or time bomb): nothing to compare
        assert report == reference, path.name
        assert differences == [], path.name
        used += taken
    assert used >= 5, f"only {used} corpus sheets went through Arrow"


def test_fastexcel_warnings_stay_off_stderr(tmp_path: Path, capfd: Any) -> None:
    """An empty column makes fastexcel log "falling back to string" through logging."""
    path = write_xlsx(tmp_path / "t.xlsx", [HEADER, ["a@b.c", None, "Passed"]])
    _reference, _report_text, used = both_paths(path)
    assert used
    assert capfd.readouterr().err == ""


def test_pyarrow_stays_out_of_the_test_process() -> None:
    """The tests above load it only in children (see the module's docstring)."""
    import sys

    assert "pyarrow" not in sys.modules
    assert "fastexcel" not in sys.modules
