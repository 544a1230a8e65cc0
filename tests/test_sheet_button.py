"""The Validate sheet button on every template's Instructions sheet.

xlwings Lite runs the Validate script when the shape named in the script's ``button`` binding
is clicked: a shape with that name, whose hyperlink selects a cell it covers. The package
tests read the xlsx parts the way Excel does (the sheet's drawing relationship, the anchor,
the shape's name, label and hyperlink, the content type); the render test has LibreOffice
draw the Instructions page and finds the button's label and fill on it.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree

from conftest import ROOT, soffice_convert
from sheetcheck import button
from sheetcheck.excel import lite_files
from sheetcheck.packs import bundled_pack_names, load_pack
from sheetcheck.template import build_template
from sheetcheck.template.button import FILL, add_validate_button
from test_template_render import _pdftoppm, read_png

XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
COMMITTED = sorted((ROOT / "workbook_templates").rglob("*.xlsx"))
# Worksheet children in the order CT_Worksheet requires (those a template can have).
SHEET_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
    "sheetProtection", "autoFilter", "mergeCells", "conditionalFormatting", "dataValidations",
    "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "drawing",
    "legacyDrawing", "tableParts", "extLst",
]  # fmt: skip


def rels(book: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    folder, name = posixpath.split(part)
    root = ElementTree.fromstring(book.read(posixpath.join(folder, "_rels", name + ".rels")))
    return {r.get("Id"): (r.get("Type"), r.get("Target")) for r in root.iter(f"{PKG}Relationship")}


def resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def button_of(path: Path) -> dict[str, object]:
    """What Excel finds: the Instructions sheet's drawing, its one shape and the shape's link."""
    with zipfile.ZipFile(path) as book:
        assert book.testzip() is None
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        (sheet,) = [s for s in workbook.iter(f"{MAIN}sheet") if s.get("name") == button.SHEET]
        sheet_part = resolve(
            "xl/workbook.xml", rels(book, "xl/workbook.xml")[sheet.get(f"{R}id")][1]
        )
        worksheet = ElementTree.fromstring(book.read(sheet_part))
        children = [child.tag.removeprefix(MAIN) for child in worksheet]
        (drawing,) = worksheet.findall(f"{MAIN}drawing")
        kind, target = rels(book, sheet_part)[drawing.get(f"{R}id")]
        assert kind.endswith("/relationships/drawing")
        drawing_part = resolve(sheet_part, target)
        types = ElementTree.fromstring(book.read("[Content_Types].xml"))
        content_type = {
            o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT}Override")
        }
        root = ElementTree.fromstring(book.read(drawing_part))
        (anchor,) = root.findall(f"{XDR}twoCellAnchor")
        (shape,) = anchor.findall(f"{XDR}sp")
        props = shape.find(f"{XDR}nvSpPr/{XDR}cNvPr")
        link = props.find(f"{A}hlinkClick")
        link_kind, link_target = rels(book, drawing_part)[link.get(f"{R}id")]
        start, end = anchor.find(f"{XDR}from"), anchor.find(f"{XDR}to")
        return {
            "order": [c for c in children if c in SHEET_ORDER]
            == sorted((c for c in children if c in SHEET_ORDER), key=SHEET_ORDER.index),
            "unknown": [c for c in children if c not in SHEET_ORDER],
            "content_type": content_type.get("/" + drawing_part),
            "name": props.get("name"),
            "label": "".join(t.text or "" for t in shape.iter(f"{A}t")),
            "geometry": shape.find(f"{XDR}spPr/{A}prstGeom").get("prst"),
            "link": (link_kind.rsplit("/", 1)[-1], link_target),
            "from": (int(start.find(f"{XDR}col").text), int(start.find(f"{XDR}row").text)),
            "to": (int(end.find(f"{XDR}col").text), int(end.find(f"{XDR}row").text)),
            "has_client_data": anchor.find(f"{XDR}clientData") is not None,
        }


def cell_of(col: int, row: int) -> str:
    return f"{chr(ord('A') + col)}{row + 1}"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_every_committed_template_and_sample_has_the_button(path: Path) -> None:
    """The shape the Lite script binds to: its name, a readable label, a hyperlink to the
    cell it covers, near the top of the Instructions sheet, written as Excel writes shapes."""
    found = button_of(path)
    binding = re.fullmatch(r"\[(.+)\](.+)!([A-Z]+\d+)", button.BINDING)
    assert binding is not None
    name, sheet, cell = binding.groups()
    assert found["name"] == name
    assert sheet == button.SHEET
    assert found["link"] == ("hyperlink", f"#{sheet}!{cell}")
    assert cell_of(*found["from"]) == cell == cell_of(*found["to"])  # covers its linked cell
    assert found["from"][1] < 5  # near the top
    assert found["label"] == "Validate"
    assert found["geometry"] == "roundRect"
    assert found["content_type"] == "application/vnd.openxmlformats-officedocument.drawing+xml"
    assert found["has_client_data"]
    assert found["order"]
    assert found["unknown"] == []


def test_the_lite_script_binds_the_drawn_button() -> None:
    """main.py's Validate script names the same shape and cell the templates draw."""
    assert f'button="{button.BINDING}"' in lite_files()["main.py"]
    found = button_of(ROOT / "workbook_templates" / "enrollment-history.xlsx")
    assert f"[{found['name']}]{button.SHEET}!{cell_of(*found['from'])}" == button.BINDING


def test_a_second_drawing_is_refused(tmp_path: Path) -> None:
    """Drawing the button twice would give Excel two drawings on one sheet: refused."""
    path = tmp_path / "t.xlsx"
    build_template(load_pack("student-roster"), path, data_rows=5)
    with pytest.raises(ValueError, match="already has a drawing"):
        add_validate_button(path)


def test_the_button_shows_in_a_libreoffice_render(tmp_path: Path) -> None:
    """LibreOffice opens every template and draws the button: its label is on the
    Instructions page, on the line of the hint beside it, and its fill is painted there."""
    sources = []
    for name in bundled_pack_names():
        build_template(load_pack(name), tmp_path / f"{name}.xlsx", data_rows=20)
        sources.append(tmp_path / f"{name}.xlsx")
    pdfs = soffice_convert(sources, "pdf", tmp_path / "pdf")
    assert len(pdfs) == len(sources)
    pdftoppm = _pdftoppm()
    for pdf in pdfs:
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        pages = text.split("\f")
        (page,) = [i for i, p in enumerate(pages, start=1) if "how to fill in this template" in p]
        lines = pages[page - 1].splitlines()
        (hint,) = [line for line in lines if button.HINT[:30] in line]
        assert re.match(r"\s*Validate\s{2,}xlwings Lite", hint), hint  # the label, then B3
        subprocess.run(
            [pdftoppm, "-f", str(page), "-l", str(page), "-r", "60", "-png", str(pdf),
             str(tmp_path / pdf.stem)],
            timeout=120, check=True,
        )  # fmt: skip
        (png,) = tmp_path.glob(f"{pdf.stem}-*.png")
        width, height, rows = read_png(png)
        fill = bytes.fromhex(FILL)
        size = len(rows[0]) // width
        painted = [
            y
            for y, row in enumerate(rows)
            if any(row[x : x + 3] == fill for x in range(0, len(row), size))
        ]
        assert painted, f"no pixel of the button's fill on page {page} of {pdf.name}"
        assert max(painted) < height // 3  # near the top of the page


def test_annotated_copy_and_clean_keep_the_button(tmp_path: Path) -> None:
    """A sample with the button drawing: the annotated copy keeps it (and opens), clean gives
    back the sample byte for byte."""
    from sheetcheck.cli import main as cli_main

    sample = ROOT / "workbook_templates" / "samples" / "enrollment-history-sample.xlsx"
    checked, cleaned = tmp_path / "checked.xlsx", tmp_path / "clean.xlsx"
    code = cli_main(
        [
            "check", str(sample), "--import-date", "2026-11-01",
            "--annotate", str(checked), "-o", str(tmp_path / "report.txt"),
        ]
    )  # fmt: skip
    assert code == 1  # the sample has planted problems
    assert button_of(checked)["name"] == button.SHAPE_NAME
    with zipfile.ZipFile(checked) as book:
        names = [
            s.get("name")
            for s in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{MAIN}sheet")
        ]
    assert "Issues" in names
    assert cli_main(["clean", str(checked), "-o", str(cleaned)]) == 0
    assert cleaned.read_bytes() == sample.read_bytes()
