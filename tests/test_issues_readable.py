"""The Issues sheet is readable where users open it (issue 13, point 10).

LibreOffice renders the annotated copy of a bundled sample to PDF; poppler's ``pdftotext
-bbox`` gives the box of every word drawn. A wrapped message in a row too short for it is
drawn over the next row, so two word boxes on the page intersect: the test fails on any
intersection, and every word of every message must be drawn. A control run with the row
heights switched off (the 15-point rows of before) must show the overlap, so the test is
known to catch it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, in_ci, soffice_convert
from sheetcheck import check
from sheetcheck.annotate import annotate
from sheetcheck.annotate import issues_sheet as issues_module
from sheetcheck.issues_layout import LINE_POINTS
from sheetcheck.template.sample import DEMO_IMPORT_DATE

pytestmark = pytest.mark.libreoffice

SAMPLE = ROOT / "workbook_templates" / "samples" / "enrollment-history-sample.xlsx"
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def _require_poppler() -> None:
    if shutil.which("pdftotext") is None:
        message = "pdftotext is not installed: apt-get install -y poppler-utils"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def _words(pdf: Path) -> list[tuple[int, tuple[float, float, float, float], str]]:
    """(page, box, text) of every word LibreOffice drew."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for page, body in enumerate(out.split("<page ")[1:], start=1):
        for match in _WORD.finditer(body):
            box = tuple(float(match[k]) for k in range(1, 5))
            words.append((page, box, html.unescape(match[5])))  # type: ignore[arg-type]
    return words  # type: ignore[return-value]


def _overlaps(words: list[tuple[int, tuple[float, float, float, float], str]]) -> list[str]:
    """Pairs of words whose boxes intersect by more than a sliver."""
    found = []
    by_page: dict[int, list[tuple[tuple[float, float, float, float], str]]] = {}
    for page, box, text in words:
        by_page.setdefault(page, []).append((box, text))
    for page, boxes in by_page.items():
        boxes.sort()
        for i, (a, text_a) in enumerate(boxes):
            for b, text_b in boxes[i + 1 :]:
                if b[0] >= a[2]:
                    break
                dx = min(a[2], b[2]) - max(a[0], b[0])
                dy = min(a[3], b[3]) - max(a[1], b[1])
                if dx > 1 and dy > 1.5:
                    found.append(f"page {page}: {text_a!r} over {text_b!r}")
    return found


def _rendered(folder: Path) -> tuple[Path, list[str]]:
    """The annotated copy of the sample as a PDF, and the messages of its Issues sheet."""
    report = check(SAMPLE, import_date=DEMO_IMPORT_DATE).files[0]
    annotated = folder / "annotated.xlsx"
    annotate(SAMPLE, annotated, report)
    pdf = soffice_convert([annotated], "pdf", folder / "pdf")[0]
    return pdf, [issue.message for issue in report.issues]


def test_every_message_on_the_issues_sheet_is_drawn_without_overlap(tmp_path: Path) -> None:
    _require_poppler()
    pdf, messages = _rendered(tmp_path)
    words = _words(pdf)
    assert _overlaps(words) == []
    drawn = " ".join(text for _, _, text in words)
    for message in messages:
        for word in message.split():
            assert word in drawn, f"{word!r} of {message!r} is not drawn"


def test_the_render_check_catches_15_point_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: without the computed row heights LibreOffice draws wrapped messages over the
    next row, and the check above sees it."""
    _require_poppler()
    monkeypatch.setattr(issues_module, "row_height", lambda text, width=0: LINE_POINTS)
    pdf, _ = _rendered(tmp_path)
    assert _overlaps(_words(pdf)) != []


def test_the_excel_issues_sheet_is_drawn_without_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Issues sheet Validate writes (values only, one line per message: Office.js cannot
    set row heights or wrap text, so it asks Excel to autofit the table's columns), saved as
    Excel would save it (column widths from the autofit, approximated here as the longest
    text plus a margin) and opened in LibreOffice: no two drawn words overlap, and every
    message's first words are drawn. Without the autofit the Value and Column texts are cut
    and drawn over each other, which the same check catches."""
    _require_poppler()
    import openpyxl

    from excel_payloads import remote_book
    from excel_payloads.files import from_xlsx
    from sheetcheck import excel

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    payload, model = from_xlsx(SAMPLE)
    book = remote_book(payload)
    report = excel.validate(book, import_date=DEMO_IMPORT_DATE)
    assert report is not None
    model.apply(book.json()["actions"])
    issues = model.sheet("Issues")
    saved = openpyxl.Workbook()
    sheet = saved.active
    sheet.title = "Issues"
    for (row, col), value in issues.values.items():
        sheet.cell(row, col, value)
    assert issues.autofit == ["columns", "rows"]
    top = min(r for (r, c), v in issues.values.items() if c == 1 and v == "Severity" and r > 4)
    from openpyxl.utils import get_column_letter

    for col in range(1, 9):
        texts = [str(v) for (r, c), v in issues.values.items() if c == col and r >= top]
        sheet.column_dimensions[get_column_letter(col)].width = max(map(len, texts)) * 1.2 + 2
    source = tmp_path / "issues.xlsx"
    saved.save(source)
    pdf = soffice_convert([source], "pdf", tmp_path / "pdf")[0]
    words = _words(pdf)
    assert _overlaps(words) == []
    drawn = " ".join(text for _, _, text in words)
    for issue in report.issues:
        first = " ".join(issue.what.split()[:2])
        assert first in drawn, f"{first!r} is not drawn"
