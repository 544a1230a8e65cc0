"""The template opens in LibreOffice, prints, and paints planted problems in the right colours.

One batch conversion to PDF covers the empty template of every bundled pack (each must open
and convert without a repair) and a small filled-in sample whose page is rendered to PNG with
``pdftoppm``: the planted bad cells carry the error and warning fills, clean cells none.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from conftest import in_ci, soffice_convert
from sheetcheck.packs import bundled_pack_names, load_pack
from sheetcheck.style import FILLS, HEADER_FILL
from sheetcheck.template import build_template

EH = "enrollment-history"
CLEAN = ["anna@example.org", "Fire Safety", "Passed", 90, "1/3/2025", "2/3/2025", "3/3/2025"]
ROWS = [
    CLEAN,
    ["ben@example.org", "Fire Safety", "Done", None, "1/3/2025", None, None],  # C3 unknown status
    ["cat@example.org", "GDPR", "Passed", None, "1/3/2025", "2/3/2025", "3/3/2025"],  # D4 missing
    ["dan@example.org", "GDPR", "Completed", None, "1/3/2025", "2/3/2025", "3/3/2025"],
]


def _pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        if in_ci():
            pytest.fail("pdftoppm is missing in CI (apt-get install poppler-utils)")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    return path


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every bundled template and the filled-in sample, converted to PDF in one batch."""
    folder = tmp_path_factory.mktemp("render")
    sources = []
    for name in bundled_pack_names():
        build_template(load_pack(name), folder / f"{name}.xlsx", data_rows=50)
        sources.append(folder / f"{name}.xlsx")
    build_template(load_pack(EH), folder / "filled.xlsx", rows=ROWS, data_rows=20)
    sources.append(folder / "filled.xlsx")
    return {p.stem: p for p in soffice_convert(sources, "pdf", folder / "pdf")}


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    size = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * size
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - size] if x >= size else 0
            up = previous[x]
            corner = previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + pred) & 255
        previous = line
        rgb = bytes(line) if size == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3)
        rows.append(rgb)
    return width, height, rows


def box(rows: list[bytes], colour: str) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) of the pixels of ``colour`` (RRGGBB), None if there are none."""
    target = bytes.fromhex(colour)
    xs: list[int] = []
    ys: list[int] = []
    for y, line in enumerate(rows):
        start = line.find(target)
        while start != -1:
            if start % 3 == 0:
                xs.append(start // 3)
                ys.append(y)
            start = line.find(target, start + 1)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", bundled_pack_names())
def test_template_opens_and_prints(name: str, pdfs: dict[str, Path]) -> None:
    """Each bundled template opens in LibreOffice and converts to a PDF."""
    assert pdfs[name].read_bytes()[:5] == b"%PDF-"


@pytest.mark.libreoffice
def test_planted_cells_are_painted(pdfs: dict[str, Path], tmp_path: Path) -> None:
    """The bad status (C3) is red, the missing score (D4) yellow, clean cells unpainted."""
    png = tmp_path / "page"
    subprocess.run(
        [_pdftoppm(), "-png", "-r", "60", "-f", "1", "-l", "1", str(pdfs["filled"]), str(png)],
        check=True,
        timeout=600,  # a hang guard only, sized for a loaded machine
    )
    (page,) = tmp_path.glob("page*.png")
    _, _, rows = read_png(page)
    header = box(rows, HEADER_FILL)
    error = box(rows, FILLS["error"])
    warning = box(rows, FILLS["warning"])
    assert header is not None and error is not None and warning is not None
    widths = [c.width or 12 for c in load_pack(EH).columns]
    total = sum(widths)
    scale = (header[2] - header[0] + 1) / total

    def column_span(index: int) -> tuple[float, float]:
        left = header[0] + scale * sum(widths[:index])
        return left, left + scale * widths[index]

    row_height = error[3] - error[1] + 1
    # C3: third column, second data row (right under the first data row)
    left, right = column_span(2)
    assert left - 2 <= error[0] and error[2] <= right + 2
    assert abs(error[1] - (header[3] + 1 + row_height)) <= 2
    # D4: fourth column, third data row
    left, right = column_span(3)
    assert left - 2 <= warning[0] and warning[2] <= right + 2
    assert abs(warning[1] - (header[3] + 1 + 2 * row_height)) <= 2
    # nothing else is painted: each fill is one cell (a row is lower than the header)
    assert abs((warning[3] - warning[1] + 1) - row_height) <= 1
    assert row_height < header[3] - header[1] + 1
    assert box(rows, FILLS["info"]) is None
