"""Build hostile and broken input files for the tests (never committed as binaries).

Each case is a file plus what reading it must give: either an InputError whose cause contains
``cause``, or a readable workbook (``cause`` is None). Run it by hand to look at the files:

    python tests/hostile/generate.py /tmp/hostile
"""

from __future__ import annotations

import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from sheetcheck.packs import load_pack

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = [column.name for column in load_pack("enrollment-history").columns]


@dataclass(frozen=True)
class HostileCase:
    """A generated file and what reading it must give."""

    name: str
    path: Path
    cause: str | None  # substring of the InputError cause; None: the file must be readable


# --- a raw xlsx writer: every part under our control, so the files can lie -----------------


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_xml(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def rows_xml(rows: Iterable[tuple[int, Sequence[object]]], first_col: int = 1) -> str:
    """<row> elements for (sheet row number, values) pairs, values from column ``first_col``."""
    parts = []
    for number, values in rows:
        cells = "".join(
            cell_xml(f"{column_letter(first_col + j)}{number}", value)
            for j, value in enumerate(values)
        )
        parts.append(f'<row r="{number}">{cells}</row>')
    return "".join(parts)


def sheet_xml(sheet_data: str, dimension: str = "A1") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )


def write_xlsx_parts(
    path: Path,
    sheets: Sequence[tuple[str, str]],
    shared_strings: str | None = None,
    workbook_xml: str | None = None,
    extra: Sequence[tuple[str, bytes]] = (),
) -> Path:
    """An xlsx from (sheet name, worksheet XML) pairs, written part by part."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    sheet_entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, 1)
    )
    workbook = workbook_xml or (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"<sheets>{sheet_entries}</sheets></workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings is not None:
        rels += (
            f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">{rels}'
        "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, (_, xml) in enumerate(sheets, 1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        for name, data in extra:
            archive.writestr(name, data)
    return path


def simple_xlsx(path: Path, rows: Sequence[Sequence[object]], dimension: str = "") -> Path:
    numbered = list(enumerate(rows, 1))
    width = max((len(r) for r in rows), default=1)
    dim = dimension or f"A1:{column_letter(width)}{max(len(rows), 1)}"
    return write_xlsx_parts(path, [("Enrollments", sheet_xml(rows_xml(numbered), dim))])


SAMPLE_ROWS: list[list[object]] = [
    HEADER,
    ["ann@example.com", "Fire Safety", "Completed", None, "1/2/2024", "2/2/2024", "3/2/2024"],
    ["bob@example.com", "First Aid", "Passed", 88, "1/2/2024", "2/2/2024", "3/2/2024"],
    ["cy@example.com", "Manual Handling", "In Progress", None, "1/2/2024", "2/2/2024", None],
]


# --- the hostile cases ----------------------------------------------------------------------


def zip_bomb(path: Path, inflated: int = 1 << 30) -> Path:
    """A ~1 MB xlsx whose sheet part inflates to ``inflated`` bytes (whitespace in sheetData)."""
    head = sheet_xml("@@").split("@@")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = zlib.crc32(head[0].encode())
    body = [compressor.compress(head[0].encode())]
    block = b" " * (1 << 20)
    remaining = inflated - len(head[0]) - len(head[1])
    while remaining > 0:
        piece = block[: min(len(block), remaining)]
        crc = zlib.crc32(piece, crc)
        body.append(compressor.compress(piece))
        remaining -= len(piece)
    body.append(compressor.compress(head[1].encode()))
    crc = zlib.crc32(head[1].encode(), crc)
    body.append(compressor.flush())
    data = b"".join(body)
    simple_xlsx(path, SAMPLE_ROWS)
    # Replace the sheet with the pre-compressed bomb, entry written by hand (zipfile cannot take
    # pre-compressed data): local header, data, then a rebuilt central directory.
    _replace_deflated_member(path, "xl/worksheets/sheet1.xml", data, crc, inflated)
    return path


def _replace_deflated_member(path: Path, name: str, data: bytes, crc: int, size: int) -> None:
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            if info.filename != name:
                target.writestr(info.filename, content)
        # Write the local header for the bomb ourselves, then register it in the directory.
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.CRC = crc
        info.compress_size = len(data)
        info.file_size = size
        handle = target.fp
        assert handle is not None
        info.header_offset = handle.tell()
        handle.write(info.FileHeader(zip64=False))
        handle.write(data)
        target.start_dir = handle.tell()
        target.filelist.append(info)
        target.NameToInfo[name] = info
        target._didModify = True


def lying_dimension(path: Path) -> Path:
    """Declares A1 but holds 50 rows: openpyxl read-only would read one empty cell."""
    rows = [HEADER] + [SAMPLE_ROWS[1]] * 49
    return simple_xlsx(path, rows, dimension="A1")


def huge_unique_count(path: Path) -> Path:
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="4000000000" '
        'uniqueCount="4000000000"><si><t>Login ID</t></si></sst>'
    )
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    return write_xlsx_parts(path, [("Enrollments", sheet)], shared_strings=sst)


def stray_far_cell(path: Path) -> Path:
    """Only A1 and XFD1048576 hold values: calamine would ask for 17 billion cells and abort."""
    data = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return write_xlsx_parts(path, [("Enrollments", sheet_xml(data, "A1"))])


def truncated(path: Path) -> Path:
    simple_xlsx(path, SAMPLE_ROWS * 50)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def cfb_container(stream_names: Sequence[str], stream_size: int = 4096) -> bytes:
    """A minimal, valid Compound File (OLE2) holding zero-filled streams of the given names."""
    sector = 512
    per_stream = -(-stream_size // sector)
    count = 2 + per_stream * len(stream_names)
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fat_sector, end]
    for index in range(len(stream_names)):
        first = 2 + index * per_stream
        fat += [*range(first + 1, first + per_stream), end]
    fat += [free] * (sector // 4 - len(fat))
    assert len(fat) == sector // 4 and count <= sector // 4
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 76, *difat)

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:  # noqa: PLR0917 - mirrors the record layout
        raw = name.encode("utf-16-le") + b"\x00\x00"
        record = bytearray(128)
        record[: len(raw)] = raw
        struct.pack_into("<HBB", record, 64, len(raw), kind, 1)
        struct.pack_into("<III", record, 68, 0xFFFFFFFF, right, child)
        struct.pack_into("<IQ", record, 116, start, size)
        return bytes(record)

    directory = entry("Root Entry", 5, 1, 0xFFFFFFFF, end, 0)
    for index, name in enumerate(stream_names):
        right = index + 2 if index + 1 < len(stream_names) else 0xFFFFFFFF
        directory += entry(name, 2, 0xFFFFFFFF, right, 2 + index * per_stream, stream_size)
    directory += bytes(sector - len(directory))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    streams = bytes(per_stream * sector * len(stream_names))
    return bytes(header) + fat_bytes + directory + streams


def encrypted(path: Path) -> Path:
    """What Excel writes for a password-protected xlsx: a CFB with the encrypted package."""
    path.write_bytes(cfb_container(["EncryptionInfo", "EncryptedPackage"]))
    return path


def xlsx_named_xls(path: Path) -> Path:
    return simple_xlsx(path, SAMPLE_ROWS)


def csv_named_xlsx(path: Path) -> Path:
    lines = [",".join(HEADER)] + [
        ",".join("" if v is None else str(v) for v in row) for row in SAMPLE_ROWS[1:]
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def empty_sheet(path: Path) -> Path:
    return write_xlsx_parts(path, [("Enrollments", sheet_xml(""))])


def header_only(path: Path) -> Path:
    return simple_xlsx(path, [HEADER])


def wide_16384(path: Path) -> Path:
    """The header plus filler to column XFD (16,384 columns), and one data row."""
    header = HEADER + [f"Extra {i}" for i in range(len(HEADER) + 1, 16385)]
    return simple_xlsx(path, [header, SAMPLE_ROWS[1]])


def entity_bomb(path: Path) -> Path:
    """A billion-laughs DTD in workbook.xml: defusedxml must refuse it."""
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    workbook = (
        f'<?xml version="1.0"?>{laughs}]><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<sheets><sheet name="&lol9;" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    return write_xlsx_parts(path, [("x", sheet_xml(""))], workbook_xml=workbook)


def many_entries(path: Path, count: int = 20_000) -> Path:
    simple_xlsx(path, SAMPLE_ROWS)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        for i in range(count):
            archive.writestr(f"customXml/item{i}.xml", b"")
    return path


def not_utf8_csv(path: Path) -> Path:
    path.write_bytes("Login ID;Course Name\nzoé@example.com;Sécurité\n".encode("cp1252"))
    return path


def binary_garbage(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 16)
    return path


def word_document(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<document/>")
    return path


CASES: tuple[tuple[str, Callable[[Path], Path], str | None], ...] = (
    ("zip_bomb.xlsx", zip_bomb, "zip bomb"),
    ("lying_dimension.xlsx", lying_dimension, None),
    ("huge_unique_count.xlsx", huge_unique_count, "shared-strings table declares"),
    ("stray_far_cell.xlsx", stray_far_cell, "used range"),
    ("truncated.xlsx", truncated, "truncated"),
    ("encrypted.xlsx", encrypted, "password-protected"),
    ("xlsx_named.xls", xlsx_named_xls, None),
    ("csv_named.xlsx", csv_named_xlsx, None),
    ("empty_file.xlsx", empty_file, "empty"),
    ("empty_sheet.xlsx", empty_sheet, None),
    ("header_only.xlsx", header_only, None),
    ("wide_16384.xlsx", wide_16384, None),
    ("entity_bomb.xlsx", entity_bomb, "corrupt workbook XML"),
    ("many_entries.xlsx", many_entries, "parts"),
    ("not_utf8.csv", not_utf8_csv, "not UTF-8"),
    ("binary_garbage.xlsx", binary_garbage, "not a spreadsheet"),
    ("word_document.xlsx", word_document, "Word document"),
)


def build_all(directory: Path) -> list[HostileCase]:
    """Write every hostile case into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    return [HostileCase(name, build(directory / name), cause) for name, build, cause in CASES]


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")
    for case in build_all(target):
        print(f"{case.path}  ->  {case.cause or 'readable'}")
