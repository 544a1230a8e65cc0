"""A pack for another platform, added with its JSON file and one function module, nothing else.

``tests/packs/clinic-visits.json`` takes ISO dates (``"date_format": "yyyy-mm-dd"``) and reads a
related input file (``--registry FILE``, declared in the pack); its one new check lives in
``tests/plugins/clinic_checks.py``, registered the plug-in way (a distribution's
``sheetcheck.functions`` entry point). Every front end is exercised on it: check, template
(with LibreOffice recalculating the date formulas), export, annotate, fix, the Excel path
(xlwings' remote engine) and the cell function SHEETCHECK.DATE.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import soffice_convert
from sheetcheck import functions
from sheetcheck.cli import main

TESTS = Path(__file__).resolve().parent
PACK = str(TESTS / "packs" / "clinic-visits.json")
PLUGINS = TESTS / "plugins"
IMPORT_DATE = "2026-11-01"
HEADER = ["Patient ID", "Visit Date", "Follow-up Date", "Clinic"]

# (row values, the issues expected on that sheet row as (cell, rule))
ROWS: list[tuple[list[Any], set[tuple[str, str]]]] = [
    (["P0001", "2025-03-01", "2025-03-15", "North"], set()),
    (["P0002", "13/3/2025", None, "South"], {("B3", "invalid-date")}),
    (["P0003", "2025-04-10", "2025-04-01", "north"], {("C4", "follow-up-before-visit")}),
    (["P0004", "2026-12-01", None, "South"], {("B5", "visit-in-future")}),
    (["P0009", "2025-05-05", None, "North"], {("A6", "unknown-patient")}),
    (["P0005", "2025-01-10", None, "North"], {("B7", "visit-before-registration")}),
    (["P0001", dt.datetime(2025, 6, 1), None, "South"], set()),
    (["P0003", dt.datetime(2025, 6, 1, 10, 30), None, "South"], {("B9", "invalid-date")}),
    (["P0002", "2025-3-1", None, "West"], {("B10", "invalid-date"), ("D10", "unknown-clinic")}),
]
FROM_REGISTRY = {"unknown-patient", "visit-before-registration"}
EXPECTED = {issue for _, issues in ROWS for issue in issues}
REGISTRY = [
    ["Patient ID", "Registered On"],
    *[[f"P000{n}", "2024-01-01"] for n in range(1, 5)],
    ["P0005", "2025-02-01"],
]


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The plug-in's distribution on sys.path, its module beside it; returns the environment a
    child process needs to find it the same way."""
    site = tmp_path / "site"
    info = site / "clinic_checks-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: clinic-checks\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[sheetcheck.functions]\nclinic = clinic_checks\n")
    monkeypatch.syspath_prepend(str(PLUGINS))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(functions, "_loaded_entry_points", False)  # discover again
    paths = [str(site), str(PLUGINS), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def write_book(path: Path, rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Visits"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def visits(tmp_path: Path) -> Path:
    return write_book(tmp_path / "visits.xlsx", [row for row, _ in ROWS])


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    path = tmp_path / "registry.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(REGISTRY)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def json_issues(out: str) -> list[dict[str, Any]]:
    (file_report,) = json.loads(out)["files"]
    issues: list[dict[str, Any]] = file_report["issues"]
    return issues


# --------------------------------------------------------------------------- check


def test_check_reads_iso_dates_and_the_registry(
    capsys: pytest.CaptureFixture[str], plugin: dict[str, str], visits: Path, registry: Path
) -> None:
    """Every planted problem and nothing else; dates in the messages are yyyy-mm-dd."""
    code, out, err = run(
        capsys, "check", str(visits), "-t", PACK, "--registry", str(registry),
        "--import-date", IMPORT_DATE, "-f", "json",
    )  # fmt: skip
    assert (code, err) == (1, "")
    issues = json_issues(out)
    assert {(i["cell"], i["rule"]) for i in issues} == EXPECTED
    by_rule = {i["rule"]: i["what"] for i in issues}
    assert by_rule["follow-up-before-visit"] == (
        "The follow-up in C4 (2025-04-01) is before the visit in B4 (2025-04-10)."
    )
    assert by_rule["visit-in-future"] == (
        "The visit in B5 (2026-12-01) is after the import date 2026-11-01."
    )
    assert by_rule["visit-before-registration"] == (
        "The visit in B7 on 2025-01-10 is before patient P0005 was registered on 2025-02-01."
    )
    dates = {i["cell"]: i["what"] for i in issues if i["rule"] == "invalid-date"}
    assert dates["B3"] == (
        'Visit Date "13/3/2025" in B3 is written with the year last; the target reads '
        "yyyy-mm-dd (did you mean 2025-03-13?)."
    )
    assert dates["B9"] == (
        "Visit Date 2025-06-01 10:30 in B9 has a time of day, which the target does not "
        "accept (did you mean 2025-06-01?)."
    )
    assert "needs a two-digit day and month (yyyy-mm-dd) (did you mean 2025-03-01?)" in dates["B10"]
    fixes = {i["cell"]: i.get("fix_value") for i in issues if i["rule"] == "invalid-date"}
    assert fixes == {"B3": None, "B9": "2025-06-01", "B10": "2025-03-01"}  # B3: a guess


def test_the_registry_is_optional_and_its_option_comes_from_the_pack(
    capsys: pytest.CaptureFixture[str],
    plugin: dict[str, str],
    visits: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without --registry the checks that read it stay quiet; --registry is offered (with the
    pack's help and metavar) only when the pack that declares it is named."""
    monkeypatch.setenv("COLUMNS", "250")  # help lines unwrapped
    code, out, _ = run(
        capsys, "check", str(visits), "-t", PACK, "--import-date", IMPORT_DATE, "-f", "json"
    )
    assert code == 1
    assert {(i["cell"], i["rule"]) for i in json_issues(out)} == {
        issue for issue in EXPECTED if issue[1] not in FROM_REGISTRY
    }
    with pytest.raises(SystemExit):
        main(["check", "--help", "-t", PACK])
    help_text = " ".join(capsys.readouterr().out.split())
    assert (
        "--registry REGISTRY.csv the clinic system's patient registry export (clinic-visits)"
        in (help_text)
    )
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "--registry" not in capsys.readouterr().out


def test_the_plugin_is_found_through_its_entry_point(
    plugin: dict[str, str], visits: Path, registry: Path
) -> None:
    """A fresh process finds the function module by the distribution's entry point alone."""
    done = subprocess.run(
        [sys.executable, "-m", "sheetcheck", "check", str(visits), "-t", PACK,
         "--registry", str(registry), "--import-date", IMPORT_DATE, "-f", "json"],
        capture_output=True, text=True, env=plugin, timeout=300, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (1, "")
    assert {(i["cell"], i["rule"]) for i in json_issues(done.stdout)} == EXPECTED


# --------------------------------------------------------------------------- export, annotate


def test_export_writes_the_packs_date_format(
    capsys: pytest.CaptureFixture[str], plugin: dict[str, str], tmp_path: Path, registry: Path
) -> None:
    """Real date cells and ISO text both leave as yyyy-mm-dd; --registry is the pack's option."""
    clean = write_book(
        tmp_path / "clean.xlsx",
        [
            ["P0001", "2025-03-01", dt.datetime(2025, 3, 15), "north"],
            ["P0002", dt.date(2025, 4, 2), None, "South"],
        ],
    )
    target = tmp_path / "upload.csv"
    code, out, err = run(
        capsys, "export", str(clean), "-t", PACK, "-o", str(target), "--registry", str(registry),
        "--import-date", IMPORT_DATE,
    )  # fmt: skip
    assert (code, err) == (0, ""), out
    assert target.read_text(encoding="utf-8").splitlines() == [
        "Patient ID,Visit Date,Follow-up Date,Clinic",
        "P0001,2025-03-01,2025-03-15,North",
        "P0002,2025-04-02,,South",
    ]


def test_annotate_writes_the_messages_in_the_packs_date_format(
    capsys: pytest.CaptureFixture[str],
    plugin: dict[str, str],
    visits: Path,
    registry: Path,
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "annotated.xlsx"
    code, _, err = run(
        capsys, "check", str(visits), "-t", PACK, "--registry", str(registry),
        "--import-date", IMPORT_DATE, "--annotate", str(target),
    )  # fmt: skip
    assert (code, err) == (1, "")
    book = load_workbook(target)
    assert book["Visits"]["C4"].comment is not None
    assert "2025-04-10" in book["Visits"]["C4"].comment.text
    listed = [
        " ".join(str(v) for v in row if v is not None)
        for row in book["Issues"].iter_rows(values_only=True)
    ]
    for cell, rule in EXPECTED:
        assert any(cell in line and rule in line for line in listed), (cell, rule)
    assert any("registered on 2025-02-01" in line for line in listed)


def test_fix_writes_the_packs_date_format(
    capsys: pytest.CaptureFixture[str], plugin: dict[str, str], tmp_path: Path
) -> None:
    """``sheetcheck fix`` writes the certain date fixes as yyyy-mm-dd, the pack's format."""
    from openpyxl import load_workbook

    source = write_book(
        tmp_path / "visits.xlsx",
        [
            ["P0001", "2025-3-1", None, "North"],
            ["P0002", dt.datetime(2025, 6, 1, 10, 30), None, "South"],
            ["P0003", "2025/04/02", None, "South"],
        ],
    )
    target = tmp_path / "fixed.xlsx"
    code, _, err = run(capsys, "fix", str(source), "-t", PACK, "-o", str(target))
    assert (code, err) == (0, "")
    column = [row[1] for row in load_workbook(target)["Visits"].iter_rows(values_only=True)]
    assert column == ["Visit Date", "2025-03-01", "2025-06-01", "2025-04-02"]


# --------------------------------------------------------------------------- template


def test_template_speaks_the_packs_date_format(
    capsys: pytest.CaptureFixture[str], plugin: dict[str, str], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "clinic.xlsx"
    code, _, err = run(capsys, "template", PACK, "-o", str(target))
    assert (code, err) == (0, "")
    book = load_workbook(target)
    texts = [c.value for row in book["Instructions"].iter_rows() for c in row if c.value]
    assert any(
        str(t).startswith("Dates: type them as yyyy-mm-dd, for example 2025-03-01 for 1 March")
        for t in texts
    )
    assert not any("d/m/yyyy" in str(t) for t in texts)
    assert book["Instructions"]["B4"].number_format == "yyyy-mm-dd"
    titles = {str(v.sqref): v.promptTitle for v in book["Visits"].data_validations.dataValidation}
    assert titles["B2:B1001"] == "Visit Date (yyyy-mm-dd)"
    formulas = [r.formula[0] for cf in book["Visits"].conditional_formatting for r in cf.rules]
    assert any('"|####-##-##|"' in f for f in formulas)


# The date column's edge values: (text, whether the engine accepts it).
DATE_EDGES: list[Any] = [
    "2025-03-01", "2024-02-29", "1970-01-01", " 2025-12-31 ", "2025-3-1", "2025-02-29",
    "2025-13-01", "1969-12-31", "1/3/2025", "13/3/2025", "2025/03/01", "25-03-01",
    "2025-03-01 10:00", "20250301", "x", dt.datetime(2025, 3, 1), "2025-04-31",
]  # fmt: skip


def test_template_date_formulas_agree_with_the_engine(
    plugin: dict[str, str], tmp_path: Path
) -> None:
    """LibreOffice recalculates the template's invalid-date formula on ISO edge values; it
    flags exactly the cells the engine flags."""
    from openpyxl import load_workbook

    from sheetcheck.engine import Context, check_table
    from sheetcheck.model import Table
    from sheetcheck.packs import load_pack
    from sheetcheck.template.workbook import FIRST_ROW, TemplateOptions, write_template

    pack = load_pack(PACK)
    rows = [["P0001", value, None, "North"] for value in DATE_EDGES]
    source = tmp_path / "edges.xlsx"
    write_template(pack, source, TemplateOptions(rows=rows, verdict_columns=True))
    (converted,) = soffice_convert([source], "xlsx", tmp_path / "out")
    sheet = load_workbook(converted, data_only=True).worksheets[0]
    grid = list(sheet.iter_rows(values_only=True))
    position = grid[0].index("invalid-date|Visit Date")
    flagged = {
        number for number, row in enumerate(grid[1:], start=FIRST_ROW) if row[position] is True
    }
    table = Table(
        sheet="Visits",
        header_row=1,
        header=list(HEADER),
        first_col=1,
        row_numbers=list(range(FIRST_ROW, FIRST_ROW + len(rows))),
        columns=[[row[i] for row in rows] for i in range(len(HEADER))],
    )
    issues = check_table(pack, table, Context(import_date=dt.date(2026, 11, 1)))
    engine = {i.row for i in issues if i.rule == "invalid-date" and i.column == "Visit Date"}
    assert engine == {FIRST_ROW + k for k, v in enumerate(DATE_EDGES) if _engine_rejects(v)}
    assert flagged == engine


def _engine_rejects(value: Any) -> bool:
    from sheetcheck.dates import DateFormat

    return DateFormat.from_pattern("yyyy-mm-dd").parse(value).date is None


# --------------------------------------------------------------------------- Excel


@pytest.fixture
def _xlwings_license(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")


@pytest.mark.usefixtures("_xlwings_license")
def test_excel_validate_and_the_cell_function(plugin: dict[str, str]) -> None:
    """The Validate button (remote engine) reports what check reports without the registry,
    with ISO dates in the Issues sheet; SHEETCHECK.DATE reads the pack's format."""
    from excel_payloads import book_payload, remote_book, sheet_payload
    from sheetcheck import excel
    from sheetcheck.excel import udfs

    def cell(value: Any) -> Any:  # Excel hands over date cells as ISO text, times included
        return (
            value.isoformat()
            if isinstance(value, dt.datetime)
            else ("" if value is None else value)
        )

    values = [HEADER, *[[cell(v) for v in row] for row, _ in ROWS[:6]]]
    book = remote_book(book_payload([sheet_payload("Visits", values)], book_name="visits.xlsx"))
    report = excel.validate(book, PACK, import_date=dt.date(2026, 11, 1))
    assert report is not None
    found = {(i.cell, i.rule) for i in report.issues}
    assert found == {(c, r) for row, issues in ROWS[:6] for c, r in issues} - {
        issue for issue in EXPECTED if issue[1] in FROM_REGISTRY
    }
    written = json.dumps(book.json()["actions"])
    assert "(2025-04-10)" in written and "d/m/yyyy" not in written

    assert udfs.check_date("2025-03-01", PACK) == dt.date(2025, 3, 1)
    assert udfs.check_date("2025-03-01", "yyyy-mm-dd") == dt.date(2025, 3, 1)
    assert udfs.check_date("13/3/2025", PACK) == (
        "invalid: is written with the year last; the target reads yyyy-mm-dd; "
        "did you mean 2025-03-13?"
    )
    assert udfs.check_date("1/3/2025") == dt.date(2025, 3, 1)  # no format: d/m/yyyy
    assert udfs.check_date("2025-03-01", "no-such-template").startswith("SheetCheck: ")
