"""Proof that a person would see it: LibreOffice renders the highlights and opens the copy.

LibreOffice is required (the tests skip locally without it and fail in CI). One annotated
sample is converted twice for the whole module, to keep the suite fast.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import colour_box, in_ci, require_soffice, soffice_convert
from fixtures_annotate import fill_of, issue, report
from sheetcheck.annotate import annotate
from sheetcheck.style import FILLS

pytestmark = pytest.mark.libreoffice

MARKER = "unflaggedmarker"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An annotated workbook with an error in C2, a warning in B2, and A2/D2 unflagged."""
    require_soffice()
    folder = tmp_path_factory.mktemp("render")
    source = folder / "sample.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Login ID", "Course Name", "Enrollment Status", "Notes"])
    ws.append([MARKER, "Intro to Safety", "Finished", "plain"])
    for column in "ABCD":
        ws.column_dimensions[column].width = 18
    ws.row_dimensions[2].height = 40
    wb.save(source)
    annotated = folder / "annotated.xlsx"
    annotate(
        source,
        annotated,
        report(
            source,
            [
                issue("error", "unknown-status", 2, "C2", value="Finished"),
                issue("warning", "future-date", 2, "B2", value="Intro to Safety"),
            ],
        ),
    )
    return {
        "annotated": annotated,
        "pdf": soffice_convert([annotated], "pdf", folder / "pdf")[0],
        "xlsx": soffice_convert([annotated], "xlsx", folder / "xlsx")[0],
    }


def _page_with(pdf: Path, text: str) -> int:
    """The 1-based number of the first PDF page whose text contains ``text``."""
    page = 1
    while True:
        found = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=False,
        )
        if found.returncode != 0:
            raise AssertionError(f"{text!r} is on no page of {pdf}")
        if text in found.stdout:
            return page
        page += 1


def test_flagged_cells_are_coloured_when_printed(sample: dict[str, Path], tmp_path: Path) -> None:
    """In the rendered data sheet the error cell is red, the warning cell yellow, and the
    unflagged cells on either side are white."""
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            message = f"{tool} is not installed: apt-get install -y poppler-utils"
            if in_ci():
                pytest.fail(message)
            pytest.skip(message)
    from PIL import Image

    page = _page_with(sample["pdf"], MARKER)
    stem = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(sample["pdf"]), str(stem)],
        check=True,
    )  # fmt: skip
    image = Image.open(f"{stem}.png").convert("RGB")
    error, warning = colour_box(image, FILLS["error"]), colour_box(image, FILLS["warning"])
    assert error is not None, "no error-coloured cell on the data page"
    assert warning is not None, "no warning-coloured cell on the data page"
    assert warning[2] < error[0], "the warning cell (B2) should be left of the error cell (C2)"
    assert abs((warning[1] + warning[3]) - (error[1] + error[3])) <= 4, "B2 and C2 share a row"
    middle = (error[1] + error[3]) // 2
    cell_width = error[2] - error[0]
    pixels = image.load()
    centre = pixels[(error[0] + error[2]) // 2, middle]
    assert all(abs(a - b) <= 10 for a, b in zip(centre, (0xFF, 0xC7, 0xCE), strict=True))
    for x in (warning[0] - cell_width // 2, error[2] + cell_width // 2):  # A2 and D2
        assert min(pixels[x, middle]) > 240, f"unflagged cell at x={x} is not white"


def test_libreoffice_opens_and_resaves_the_copy(sample: dict[str, Path]) -> None:
    """LibreOffice reads the annotated copy as it is: sheets, colours, notes, filter, table."""
    wb = openpyxl.load_workbook(sample["xlsx"])
    assert wb.sheetnames[:2] == ["Issues", "Data"]
    data = wb["Data"]
    assert fill_of(data["C2"]) == FILLS["error"]
    assert fill_of(data["B2"]) == FILLS["warning"]
    assert fill_of(data["A2"]) is None
    assert data["A2"].value == MARKER
    assert data["C2"].comment is not None
    assert "unknown-status" in data["C2"].comment.text
    assert data.auto_filter.ref == "A1:D2"
    issues = wb["Issues"]
    assert len(issues.tables) == 1
    links = [c.hyperlink.location for row in issues.iter_rows() for c in row if c.hyperlink]
    assert sorted(links) == ["'Data'!B2", "'Data'!C2"] or sorted(links) == ["Data!B2", "Data!C2"]


def test_clean_takes_annotations_off_a_copy_libreoffice_saved(
    sample: dict[str, Path], tmp_path: Path
) -> None:
    """LibreOffice renumbers styles and parts; clean still removes every annotation."""
    from sheetcheck.annotate import clean

    cleaned = tmp_path / "cleaned.xlsx"
    clean(sample["xlsx"], cleaned)
    wb = openpyxl.load_workbook(cleaned)
    assert wb.sheetnames == ["Data"]
    data = wb["Data"]
    assert [fill_of(data[c]) for c in ("A2", "B2", "C2", "D2")] == [None] * 4
    assert [data[c].comment for c in ("B2", "C2")] == [None, None]
    assert data["A2"].value == MARKER
    assert data.auto_filter.ref is None
