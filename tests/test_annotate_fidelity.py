"""Nothing of the user's is lost: annotate, then clean, and compare with the original.

The annotated copy may differ from the input only in the parts an annotation has to touch;
the cleaned copy must equal the input part for part, byte for byte, in the same order, and
openpyxl must read the same values, formulas, styles, validation, conditional formats,
comments, names and sheet states from it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import require_corpus
from fixtures_annotate import (
    CORPUS,
    issue,
    macro_workbook,
    names,
    parts,
    report,
    rich_workbook,
    sha,
    simple_workbook,
)
from sheetcheck.annotate import annotate, clean
from sheetcheck.annotate.package import Package
from sheetcheck.annotate.workbook import read_book

DATA_ISSUES = [
    issue("error", "required", 2, "A2"),  # a cell with its own comment
    issue("warning", "future-date", 3, "B3"),  # a cell with its own fill
    issue("error", "invalid-score", 4, "D4"),  # a percent-formatted number
    issue("error", "duplicate-open-enrollment", 5, None),  # row-level
    issue("info", "archived-enrollment", 6, "C6"),  # a cell under data validation
]

# The parts an annotation may change; everything else must come through byte for byte.
ALLOWED = {
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
}


def _vba_from_corpus(path: Path) -> Path:
    source = require_corpus() / "calamine" / "vba.xlsm"
    shutil.copy(source, path)
    return path


BUILDERS: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "rich": (".xlsx", rich_workbook, "Data"),
    "simple": (".xlsx", simple_workbook, "Data"),
    "macro": (".xlsm", macro_workbook, "Data"),
    "excel-vba": (".xlsm", _vba_from_corpus, "Sheet1"),
}


@pytest.fixture(params=sorted(BUILDERS))
def round_trip(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    suffix, build, sheet = BUILDERS[request.param]
    source = build(tmp_path / f"in{suffix}")
    issues = [
        issue(i.severity, i.rule, i.row, i.cell, sheet=sheet, message=i.message)
        for i in DATA_ISSUES
    ]
    before = sha(source)
    annotated, cleaned = tmp_path / f"annotated{suffix}", tmp_path / f"cleaned{suffix}"
    annotate(source, annotated, report(source, issues, sheet=sheet))
    clean(annotated, cleaned)
    assert sha(source) == before, "the input was modified"
    return {
        "kind": request.param,
        "source": source,
        "annotated": annotated,
        "cleaned": cleaned,
        "sheet": sheet,
    }


def test_clean_restores_every_part_byte_for_byte(round_trip: dict[str, Any]) -> None:
    """Same part names, same order, same bytes: the cleaned copy is the original package."""
    original, cleaned = parts(round_trip["source"]), parts(round_trip["cleaned"])
    assert names(round_trip["cleaned"]) == names(round_trip["source"])
    assert [n for n in original if original[n] != cleaned[n]] == []


def test_annotation_touches_only_what_it_must(round_trip: dict[str, Any]) -> None:
    """Every part outside the workbook, styles, and the data sheet's own parts is identical."""
    source = round_trip["source"]
    original, annotated = parts(source), parts(round_trip["annotated"])
    pkg = Package.read(str(source))
    data_part = read_book(pkg).sheet(round_trip["sheet"]).part
    allowed = ALLOWED | {data_part, Package.rels_name(data_part)}
    allowed |= {
        rel.target
        for rel in pkg.relationships(data_part)
        if rel.type.endswith(("/comments", "/vmlDrawing"))
    }
    changed = {n for n in original if original[n] != annotated.get(n)}
    assert changed <= allowed, changed - allowed
    assert names(round_trip["annotated"])[: len(original)] == list(original)
    if "xl/vbaProject.bin" in original:
        assert annotated["xl/vbaProject.bin"] == original["xl/vbaProject.bin"]


def test_openpyxl_reads_the_same_workbook_after_clean(round_trip: dict[str, Any]) -> None:
    """Values, formulas, styles, validation, formats, comments, names and states are equal."""
    from fixtures_annotate import snapshot

    assert snapshot(round_trip["cleaned"]) == snapshot(round_trip["source"])


def test_annotated_copy_keeps_the_users_content(round_trip: dict[str, Any]) -> None:
    """In the annotated copy itself, only flagged cells' fill and font colour (and notes) differ."""
    from fixtures_annotate import snapshot

    before, after = snapshot(round_trip["source"]), snapshot(round_trip["annotated"])
    assert after["sheets"][0][0] == "Issues"
    assert after["sheets"][1:-1] == before["sheets"]
    assert after["sheets"][-1] == ("sheetcheck-state", "veryHidden")
    assert after["names"] == before["names"]
    sheet = round_trip["sheet"]
    flagged = {"A2", "B3", "D4", "A5", "C6"}
    for title, _state in before["sheets"]:
        old, new = dict(before[title]), dict(after[title])
        old_cells, new_cells = old.pop("cells"), new.pop("cells")
        if title == sheet:
            new.pop("autofilter")
            old.pop("autofilter")
        assert new == old, title
        for ref, value in old_cells.items():
            if title == sheet and ref in flagged:
                kept = (
                    0,
                    1,
                    2,
                    5,
                    6,
                    7,
                )  # value, type, number format, border, alignment, protection
                assert [new_cells[ref][k] for k in kept] == [value[k] for k in kept], ref
            else:
                assert new_cells.get(ref) == value, (title, ref)


def test_rich_workbook_keeps_image_chart_table_and_validation(tmp_path: Path) -> None:
    """The things a load-and-save round trip loses are all still there, unchanged."""
    source = rich_workbook(tmp_path / "in.xlsx")
    target = tmp_path / "out.xlsx"
    annotate(source, target, report(source, DATA_ISSUES))
    original, annotated = parts(source), parts(target)
    media = [
        n
        for n in original
        if n.startswith(("xl/media/", "xl/charts/", "xl/drawings/drawing", "xl/tables/"))
    ]
    assert any(n.startswith("xl/media/") for n in media), "Pillow is needed to build the image"
    assert any(n.startswith("xl/charts/") for n in media)
    for name in media:
        assert annotated[name] == original[name], name


def _corpus_workbooks() -> list[str]:
    if not CORPUS.is_dir():
        return ["(corpus absent)"]
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".xlsx", ".xlsm"))


@pytest.mark.parametrize("name", _corpus_workbooks())
def test_corpus_workbooks_clean_back_to_the_original(tmp_path: Path, name: str) -> None:
    """Real-world files (Excel, LibreOffice, generators): annotate then clean gives back the
    very same bytes, or the file is refused with one line; never a crash or a changed file."""
    from sheetcheck.errors import SheetcheckError

    source = require_corpus() / "calamine" / name
    try:
        sheet = read_book(Package.read(str(source))).sheets[0].name
    except SheetcheckError:
        sheet = "Sheet1"
    issues = [
        issue("error", "required", 2, "B2", sheet=sheet),
        issue("warning", "future-date", 3, None, sheet=sheet),
        issue("info", "archived-enrollment", 1, "A1", sheet=sheet),
    ]
    annotated, cleaned = tmp_path / f"a{source.suffix}", tmp_path / f"c{source.suffix}"
    try:
        annotate(source, annotated, report(source, issues, sheet=sheet))
    except SheetcheckError as err:
        assert "\n" not in str(err)
        assert not annotated.exists()
        return
    clean(annotated, cleaned)
    original, back = parts(source), parts(cleaned)
    assert list(back) == list(original)
    assert [n for n in original if original[n] != back[n]] == []
    assert cleaned.read_bytes() == source.read_bytes()  # the producer's deflate, headers, order
