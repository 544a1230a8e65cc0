"""Workbooks, reports and comparisons shared by the annotation tests.

Everything is built in ``tmp_path``; nothing generated is committed.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from conftest import CORPUS as SHARED_CORPUS
from sheetcheck.model import FileReport, Issue, Severity

CORPUS = SHARED_CORPUS / "calamine"

HEADER = ["Login ID", "Course Name", "Enrollment Status", "Enrollment Score"]


def issue(
    severity: Severity,
    rule: str,
    row: int,
    cell: str | None,
    *,
    sheet: str = "Data",
    value: Any = "x",
    message: str | None = None,
    fix: str = "",
) -> Issue:
    """An Issue with a recognisable message (rule and cell) unless one is given."""
    return Issue(
        rule=rule,
        severity=severity,
        sheet=sheet,
        row=row,
        column=None,
        cell=cell,
        value=value,
        what=message if message is not None else f"{rule} at {cell or row}",
        fix=fix,
    )


def report(path: Path, issues: list[Issue], *, sheet: str = "Data", header_row: int = 1,
           first_col: int = 1) -> FileReport:  # fmt: skip
    return FileReport(
        file=str(path),
        template="enrollment-history",
        sheet=sheet,
        header_row=header_row,
        rows=10,
        issues=issues,
        extra={"first_col": first_col},
    )


def simple_workbook(path: Path, *, rows: int = 6, title: str = "Data") -> Path:
    """A small enrollment sheet with a styled header and a number format on the score."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True, italic=True)
    for k in range(2, rows + 2):
        ws.append([f"user{k}@example.com", f"Course {k}", "Completed", 50 + k])
        ws.cell(k, 4).number_format = "0.00"
    wb.save(path)
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite_part(path: Path, name: str, data: bytes | None, *, add: bool = False) -> None:
    """Replace (or with ``add`` append, or with None delete) one part of a zip in place."""
    old = parts(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in old.items():
            if part == name:
                if data is not None:
                    archive.writestr(part, data)
            else:
                archive.writestr(part, content)
        if add:
            assert data is not None
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def fill_of(cell: Any) -> str | None:
    """The solid fill colour (RRGGBB) of an openpyxl cell, or None."""
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = fill.fgColor.rgb
    return rgb[-6:].upper() if isinstance(rgb, str) else None


def snapshot(path: Path) -> dict[str, Any]:
    """Everything openpyxl reads that a user would miss if it changed."""
    import openpyxl

    wb = openpyxl.load_workbook(path, rich_text=False)
    shot: dict[str, Any] = {
        "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
        "names": sorted((n, str(d.attr_text)) for n, d in wb.defined_names.items()),
    }
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                cells[cell.coordinate] = (
                    cell.value,
                    cell.data_type,
                    cell.number_format,
                    repr(cell.font),
                    repr(cell.fill),
                    repr(cell.border),
                    repr(cell.alignment),
                    repr(cell.protection),
                    cell.comment.text if cell.comment else None,
                    cell.comment.author if cell.comment else None,
                    cell.hyperlink.target if cell.hyperlink else None,
                )
        shot[ws.title] = {
            "cells": cells,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "freeze": ws.freeze_panes,
            "validation": sorted(
                (str(dv.sqref), dv.type, dv.formula1, dv.allow_blank)
                for dv in ws.data_validations.dataValidation
            ),
            "cf": sorted(
                (str(rng.sqref), rule.type, rule.operator, tuple(rule.formula or ()), rule.dxfId)
                for rng in ws.conditional_formatting
                for rule in rng.rules
            ),
            "tables": sorted((t.name, t.ref) for t in ws.tables.values()),
            "names": sorted((n, str(d.attr_text)) for n, d in ws.defined_names.items()),
            "autofilter": ws.auto_filter.ref,
            "widths": sorted((k, d.width) for k, d in ws.column_dimensions.items()),
            "images": len(ws._images),
            "charts": len(ws._charts),
        }
    return shot


def rich_workbook(path: Path) -> Path:
    """Styles, number formats, validation, conditional formatting, comments, defined names,
    a hidden sheet, merged cells, formulas, frozen panes, a table, an image and a chart."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.table import Table, TableStyleInfo

    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = "Enrollment migration"
    cover["A1"].font = Font(size=18, bold=True, color="1F4E78")
    cover.merge_cells("A1:D1")
    cover["A3"] = "=COUNTA(Data!A:A)-1"

    ws = wb.create_sheet("Data")
    ws.append(HEADER)
    thin = Side(style="thin", color="999999")
    for k in range(2, 12):
        ws.append([f"user{k}@example.com", f"Course {k % 3}", "Completed", 40 + k])
        ws.cell(k, 4).number_format = "0.0%"
        ws.cell(k, 1).border = Border(left=thin, bottom=thin)
        ws.cell(k, 2).alignment = Alignment(horizontal="center", wrap_text=True)
    ws["B3"].fill = PatternFill("solid", fgColor="C6EFCE")
    ws["A2"].comment = Comment("checked by Ana", "Ana")
    ws["F2"] = "=SUM(D2:D11)"
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 28
    dv = DataValidation(
        type="list", formula1='"Not Started,In Progress,Completed"', allow_blank=True
    )
    ws.add_data_validation(dv)
    dv.add("C2:C200")
    ws.conditional_formatting.add(
        "D2:D200",
        CellIsRule(
            operator="greaterThan", formula=["100"], fill=PatternFill("solid", fgColor="FF0000")
        ),
    )
    table = Table(displayName="Scores", ref="H1:I4")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    ws["H1"], ws["I1"] = "Band", "Min"
    for k, (band, low) in enumerate((("low", 0), ("mid", 50), ("high", 80)), start=2):
        ws.cell(k, 8, band)
        ws.cell(k, 9, low)
    ws.add_table(table)
    wb.defined_names["ScoreRange"] = DefinedName("ScoreRange", attr_text="Data!$D$2:$D$11")
    ws.defined_names["LocalName"] = DefinedName("LocalName", attr_text="Data!$A$2")

    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=11), titles_from_data=True)
    ws.add_chart(chart, "K2")
    try:
        from openpyxl.drawing.image import Image
        from PIL import Image as PILImage
    except ImportError:  # pragma: no cover - Pillow is a test dependency
        pass
    else:
        buffer = io.BytesIO()
        PILImage.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format="PNG")
        buffer.seek(0)
        cover.add_image(Image(buffer), "F3")

    hidden = wb.create_sheet("Lookup")
    hidden.sheet_state = "hidden"
    hidden.append(["Not Started", "In Progress", "Completed"])
    wb.save(path)
    return path


def macro_workbook(path: Path) -> Path:
    """An .xlsm: a small workbook plus a VBA project part, as Excel links one."""
    simple_workbook(path.with_suffix(".tmp.xlsx"))
    old = parts(path.with_suffix(".tmp.xlsx"))
    path.with_suffix(".tmp.xlsx").unlink()
    vba = bytes(range(256)) * 40  # opaque bytes: what matters is that they come back unchanged
    ct = old["[Content_Types].xml"].decode()
    ct = ct.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(
        "</Types>",
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
    )
    rels = (
        old["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/'
            'vbaProject" Target="vbaProject.bin"/></Relationships>',
        )
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        replaced = {"[Content_Types].xml": ct.encode(), "xl/_rels/workbook.xml.rels": rels.encode()}
        for name, data in old.items():
            archive.writestr(name, replaced.get(name, data))
        archive.writestr("xl/vbaProject.bin", vba)
    return path
