"""A real spreadsheet engine evaluates the painter's conditional formats as intended.

The remote-engine tests check the actions; this one checks the formulas themselves. A workbook
is built the way Validate leaves one: the rig ``sheetcheck template`` writes
(:func:`sheetcheck.template.rig.add_rig`: very hidden codes sheet, rules from
:func:`sheetcheck.issues_layout.codes_rule_formula` over the whole data sheet), the codes list
Validate writes (``painter.codes_values``), the user's own fills underneath. LibreOffice
renders it, and the picture shows: flagged cells in the severity colours, over the user's
fill; unflagged cells with the user's fill or none.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from conftest import colour_box, in_ci, require_soffice, soffice_convert
from sheetcheck.excel import painter
from sheetcheck.model import FileReport, Issue
from sheetcheck.style import FILLS
from sheetcheck.template.rig import add_rig

pytestmark = pytest.mark.libreoffice

USER_GREEN = "92D050"  # the user's fill on a cell that gets flagged: must be covered
USER_BLUE = "9BC2E6"  # the user's fill on a clean cell: must stay


def _fill(rgb: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


def _painted_workbook(path: Path) -> None:
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Enrollments"
    data.append(["Login ID", "Course Name", "Enrollment Status", "Notes"])
    data.append(["ana@example.org", "Intro to Safety", "Finished", "plain"])
    for column in "ABCD":
        data.column_dimensions[column].width = 18
    data.row_dimensions[2].height = 40
    data["C2"].fill = _fill(USER_GREEN)
    data["A2"].fill = _fill(USER_BLUE)

    report = FileReport(
        file="f",
        sheet="Enrollments",
        rows=1,
        issues=[
            Issue("unknown-status", "error", "Enrollments", 2, "Status", "C2", "Finished", "m"),
            Issue("future-date", "warning", "Enrollments", 2, "Course", "B2", "x", "m"),
        ],
    )
    add_rig(wb, ["Enrollments"])
    codes = wb["SheetCheck codes 1"]
    lit = painter.highlighted_cells(report)["Enrollments"]
    for r, (key, code) in enumerate(painter.codes_values(lit), start=1):
        codes.cell(r, 1, key)
        codes.cell(r, 2, code)
    wb.save(path)


def test_conditional_formats_show_over_the_users_fills(tmp_path: Path) -> None:
    """C2 (error) is red over the user's green, B2 (warning) yellow, A2 keeps the user's
    blue, D2 stays white: left to right A2 < B2 < C2 on one row."""
    require_soffice()
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            message = f"{tool} is not installed: apt-get install -y poppler-utils"
            if in_ci():
                pytest.fail(message)
            pytest.skip(message)
    from PIL import Image

    source = tmp_path / "painted.xlsx"
    _painted_workbook(source)
    pdf = soffice_convert([source], "pdf", tmp_path / "pdf")[0]
    stem = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    image = Image.open(f"{stem}.png").convert("RGB")
    error, warning = colour_box(image, FILLS["error"]), colour_box(image, FILLS["warning"])
    user = colour_box(image, USER_BLUE)
    assert error is not None, "the flagged C2 is not shown in the error colour"
    assert warning is not None, "the flagged B2 is not shown in the warning colour"
    assert user is not None, "the user's own fill on A2 is gone"
    assert colour_box(image, USER_GREEN) is None, "the user's green shows through the error colour"
    assert user[2] < warning[0] < warning[2] < error[0], "A2, B2, C2 from left to right"
    middle = (error[1] + error[3]) // 2
    pixels = image.load()
    beyond = error[2] + (error[2] - error[0]) // 2  # D2
    assert min(pixels[beyond, middle]) > 240, "the unflagged D2 is not white"
