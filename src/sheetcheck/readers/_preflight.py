"""Pre-flight inspection: what a file really is, and whether it is safe to hand to a parser.

Runs before any parser touches the file and costs almost nothing: it reads the file's first
bytes, the zip directory (declared sizes, never the inflated data) and the first few kilobytes
of a handful of small parts. The format is chosen by magic bytes and archive content, never by
the file name's extension, so a .xls that is really an xlsx, or a .xlsx that is really a CSV,
is read correctly. The sheet-level part of the guard (the used-cell bounding box) lives in
:mod:`sheetcheck.readers._xlsx_scan`, run by the xlsx reader before calamine parses a sheet.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from sheetcheck.errors import InputError
from sheetcheck.limits import RATIO_CHECK_FLOOR_BYTES, Limits, format_size
from sheetcheck.readers import _cfb, _convert
from sheetcheck.readers._convert import PASSWORD

FORMATS = ("xlsx", "xlsm", "xls", "xlsb", "ods", "csv")

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
SMALL_PART_BYTES = 16 * 1024 * 1024  # workbook.xml, rels, manifest: anything bigger is odd

RESAVE = "open it in Excel or LibreOffice and save it again as .xlsx, then check that copy"
SAVE_AS_XLSX = "open it in Excel and use Save As > Excel Workbook (.xlsx)"
SAVE_AS_CSV_UTF8 = "in Excel use Save As > CSV UTF-8 (Comma delimited), or save as .xlsx"


@dataclass
class Inspection:
    """What pre-flight learnt about a file."""

    path: str
    format: str
    size: int
    zip_names: list[str] = field(default_factory=list)
    # The workbook to read when it is not the file itself: decrypted (Excel's default
    # password), repackaged (flat ODS) or without its macro/dialog sheets; see ._convert.
    content: bytes | None = None
    # (sheet name, what it is) of sheets left out because they are not worksheets.
    skipped_sheets: list[tuple[str, str]] = field(default_factory=list)

    def open(self) -> BinaryIO:
        """A binary stream of the workbook to read (``content`` or the file); close it."""
        if self.content is not None:
            return io.BytesIO(self.content)
        return open(self.path, "rb")

    def source(self) -> str | BinaryIO:
        """The path, or a stream of ``content``: for zipfile and openpyxl, which close a file
        they opened from a path themselves (but never a stream they were given)."""
        return self.path if self.content is None else io.BytesIO(self.content)


def inspect(path: str, limits: Limits) -> Inspection:
    """Identify ``path`` and check the file-level limits; raise InputError when unusable."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "file not found", "check the path and the file name") from None
    except OSError as exc:
        raise InputError(path, f"cannot open the file ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a folder, not a file", "name a spreadsheet file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, "is not a regular file", "copy the spreadsheet to a file first")
    size = info.st_size
    if size == 0:
        raise InputError(path, "the file is empty (0 bytes)", "export the data again")
    if size > limits.max_file_bytes:
        raise InputError(
            path,
            f"the file is {format_size(size)}, over the {format_size(limits.max_file_bytes)} limit",
            "split it into smaller files, or raise the limit with --max-file-size",
        )
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
            if head.startswith(_cfb.CFB_MAGIC):
                return _inspect_ole(path, handle, size, limits)
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror})") from None
    if head.startswith(ZIP_MAGICS):
        return _inspect_zip(path, size, limits)
    if _convert.is_flat_ods(head):
        with open(path, "rb") as handle:
            package = _convert.flat_ods_to_ods(path, handle.read())
        return _inspect_zip(path, size, limits, package)
    _reject_lock_file(path)
    _reject_known_non_spreadsheets(path, head)
    return Inspection(path, "csv", size)


def _inspect_ole(path: str, handle: io.BufferedReader, size: int, limits: Limits) -> Inspection:
    """An OLE file: an xls, or an encrypted workbook (decrypted when Excel's default password
    opens it, then inspected again as what it really is)."""
    try:
        container = _cfb.CompoundFile(handle, size)
        lowered = {name.lower() for name in container.names()}
        encrypted = bool({"encryptioninfo", "encryptedpackage"} & lowered)
    except (_cfb.CfbError, struct.error, ValueError) as exc:
        raise InputError(path, f"corrupt or truncated Excel 97-2003 file ({exc})", RESAVE) from None
    if not encrypted and {"workbook", "book"} & lowered:
        try:
            stream = container.read_stream("Workbook" if "workbook" in lowered else "Book")
        except (_cfb.CfbError, struct.error, ValueError):
            return Inspection(path, "xls", size)  # calamine decides whether it is readable
        if not _convert.has_filepass(stream):
            return Inspection(path, "xls", size)
        encrypted = True
    if not encrypted:
        _ole_format(path, lowered)
    handle.seek(0)
    content = _convert.decrypt_default(path, handle.read())
    if len(content) > limits.max_file_bytes:
        raise InputError(
            path,
            f"decrypted, the workbook is {format_size(len(content))}, over the "
            f"{format_size(limits.max_file_bytes)} limit",
            "split it into smaller files, or raise the limit with --max-file-size",
        )
    if content.startswith(ZIP_MAGICS):
        return _inspect_zip(path, len(content), limits, content)
    if content.startswith(_cfb.CFB_MAGIC):
        return Inspection(path, "xls", len(content), content=content)
    raise InputError(path, "corrupt: the decrypted workbook is not a spreadsheet", RESAVE)


def _ole_format(path: str, lowered: set[str]) -> None:
    """Refuse an OLE document that is not an Excel workbook, naming what it is."""
    if "worddocument" in lowered:
        raise InputError(path, "a Word document, not a spreadsheet", "name a spreadsheet file")
    raise InputError(path, "an OLE document but not an Excel workbook", SAVE_AS_XLSX)


_TEXT_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF", "a PDF document, not a spreadsheet", "export the data as .xlsx or .csv"),
    (b"{\\rtf", "a Rich Text document, not a spreadsheet", "export the data as .xlsx or .csv"),
    (b"\x1f\x8b", "a gzip archive, not a spreadsheet", "unpack it and check the file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive, not a spreadsheet", "unpack it first"),
    (b"Rar!", "a RAR archive, not a spreadsheet", "unpack it first"),
    (b"\xff\xfe", "UTF-16 text, which is not supported", SAVE_AS_CSV_UTF8),
    (b"\xfe\xff", "UTF-16 text, which is not supported", SAVE_AS_CSV_UTF8),
)

# Excel 2.x-4.0 files (BIFF2-4) start with a BOF record: (record id, version, what it is).
_OLD_BIFF = (
    (0x0009, "Excel 2.x", "BIFF2"),
    (0x0209, "Excel 3.0", "BIFF3"),
    (0x0409, "Excel 4.0", "BIFF4"),
)
_OLD_BIFF_KINDS = {0x0010: "worksheet", 0x0020: "chart", 0x0040: "macro sheet", 0x0100: "workbook"}
OLD_BIFF_ADVICE = (
    "open it in LibreOffice Calc (which reads Excel 2.x to 4.0 files) and save it as .xlsx; "
    "current Excel opens it only after allowing the format in Trust Center > File Block Settings"
)


def _reject_old_biff(path: str, head: bytes) -> None:
    """Excel 2.x, 3.0 and 4.0 files (1987-1994): name the version and who converts them."""
    if len(head) < 8:
        return
    record, length, _version, kind = struct.unpack_from("<4H", head)
    for bof, version, biff in _OLD_BIFF:
        if record == bof and length in (4, 6, 8):
            what = _OLD_BIFF_KINDS.get(kind, "file")
            raise InputError(
                path,
                f"an {version} {what} ({biff}, from before 1997), which sheetcheck cannot read",
                OLD_BIFF_ADVICE,
            )


def _reject_lock_file(path: str) -> None:
    from sheetcheck.lockfile import LOCK_FILE_ADVICE, lock_file_cause, locked_workbook

    workbook = locked_workbook(path)
    if workbook is not None:
        raise InputError(path, lock_file_cause(workbook), LOCK_FILE_ADVICE)


def _reject_known_non_spreadsheets(path: str, head: bytes) -> None:
    """Things that are clearly not CSV text; anything else is read as CSV (which may refuse)."""
    _reject_old_biff(path, head)
    for magic, cause, advice in _TEXT_SIGNATURES:
        if head.startswith(magic):
            raise InputError(path, cause, advice)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise InputError(path, "an XML Spreadsheet 2003 file", SAVE_AS_XLSX)
    if start.startswith((b"<!doctype html", b"<html", b"<table")):
        raise InputError(path, "an HTML page saved under a spreadsheet name", SAVE_AS_XLSX)
    if start.startswith(b"<?xml"):
        raise InputError(path, "an XML file, not a spreadsheet", "export the data as .xlsx or .csv")
    if b"\x00" in head:
        raise InputError(path, "not a spreadsheet (binary data of an unknown kind)", SAVE_AS_XLSX)


def zip_failure(path: str, exc: BaseException) -> InputError:
    """The InputError for an exception raised while reading a zip archive."""
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc).lower():
        return InputError(path, "password-protected (encrypted ZIP entries)", PASSWORD)
    if isinstance(exc, NotImplementedError):
        return InputError(path, f"uses an unsupported ZIP feature ({exc})", RESAVE)
    if isinstance(exc, EOFError):
        return InputError(path, "truncated (the file ends too early)", RESAVE)
    return InputError(path, f"corrupt or truncated ({_one_line(exc)})", RESAVE)


ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    OSError,
    struct.error,
)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _inspect_zip(path: str, size: int, limits: Limits, content: bytes | None = None) -> Inspection:
    skipped: list[tuple[str, str]] = []
    try:
        with zipfile.ZipFile(path if content is None else io.BytesIO(content)) as archive:
            infos = archive.infolist()
            _check_zip_directory(path, infos, limits)
            names = [info.filename for info in infos]
            fmt = _zip_format(path, archive, set(names))
            if fmt == "ods":
                _check_ods(path, archive, set(names))
            elif fmt == "xlsb":
                _check_xlsb_shared_strings(path, archive, names, limits)
            else:
                _check_xlsx_shared_strings(path, archive, names, limits)
                content, skipped = _without_macro_sheets(path, archive, content)
    except InputError:
        raise
    except zipfile.BadZipFile as exc:
        if "not a zip file" in str(exc).lower():
            raise InputError(
                path, "truncated or corrupt (the ZIP directory at the end is missing)", RESAVE
            ) from None
        raise zip_failure(path, exc) from None
    except ZIP_ERRORS as exc:
        raise zip_failure(path, exc) from None
    return Inspection(path, fmt, size, names, content, skipped)


def _without_macro_sheets(
    path: str, archive: zipfile.ZipFile, content: bytes | None
) -> tuple[bytes | None, list[tuple[str, str]]]:
    """calamine refuses a workbook with Excel 4.0 macro or dialog sheets: read it without them."""
    from defusedxml import DefusedXmlException

    try:
        dropped = _convert.not_worksheets(archive)
    except (DefusedXmlException, SyntaxError, ValueError, KeyError):
        return content, []  # calamine decides whether the workbook is readable
    if not dropped or "xl/workbook.xml" not in archive.namelist():
        return content, []
    if content is None:
        with open(path, "rb") as handle:
            content = handle.read()
    return _convert.without_sheets(content, dropped)


def _check_zip_directory(path: str, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if not infos:
        raise InputError(path, "an empty ZIP archive, not a spreadsheet", RESAVE)
    if len(infos) > limits.max_zip_entries:
        raise InputError(
            path,
            f"the archive holds {len(infos):,} parts (limit {limits.max_zip_entries:,}): "
            "not a normal spreadsheet",
            "save it again from Excel, or raise the limit with --max-zip-entries",
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise InputError(
            path,
            f"inflates to {format_size(total)} "
            f"(limit {format_size(limits.max_uncompressed_bytes)}): possibly a zip bomb",
            "split the data into smaller files, or raise --max-uncompressed-size",
        )
    for info in infos:
        if info.file_size <= RATIO_CHECK_FLOOR_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise InputError(
                path,
                f"part {info.filename} inflates {ratio:,.0f} times "
                f"({format_size(info.compress_size)} to {format_size(info.file_size)}; "
                f"limit {limits.max_compression_ratio}): a zip bomb",
                "do not open this file; ask the sender for the real data",
            )


def read_part(archive: zipfile.ZipFile, name: str, limit: int = SMALL_PART_BYTES) -> bytes:
    """A small part's bytes; refuses parts declared bigger than ``limit``."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ValueError(f"part {name} is {format_size(info.file_size)}, implausibly large")
    with archive.open(info) as stream:
        return stream.read(limit + 1)[:limit]


def read_head(archive: zipfile.ZipFile, name: str, size: int = 4096) -> bytes:
    """The first ``size`` inflated bytes of a part (cheap even for a huge part)."""
    with archive.open(name) as stream:
        return stream.read(size)


def _zip_format(path: str, archive: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        mimetype = read_part(archive, "mimetype", 4096).strip()
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            kind = mimetype.decode("ascii", "replace").rsplit(".", 1)[-1]
            raise InputError(path, f"an OpenDocument {kind} file, not a spreadsheet", RESAVE)
    if "[Content_Types].xml" in names:
        types = read_part(archive, "[Content_Types].xml")
        if b"sheet.binary.macroEnabled.main" in types:
            return "xlsb"
        if b"sheet.macroEnabled.main" in types or b"template.macroEnabled.main" in types:
            return "xlsm"
        if b"spreadsheetml.sheet.main" in types or b"spreadsheetml.template.main" in types:
            return "xlsx"
        if b"wordprocessingml" in types:
            raise InputError(path, "a Word document, not a spreadsheet", "name a spreadsheet file")
        if b"presentationml" in types:
            raise InputError(path, "a PowerPoint file, not a spreadsheet", "name a spreadsheet")
    lowered = {name.lower() for name in names}
    if "xl/workbook.bin" in lowered:
        return "xlsb"
    if "xl/workbook.xml" in lowered or any(n.endswith("/workbook.xml") for n in lowered):
        return "xlsm" if "xl/vbaproject.bin" in lowered else "xlsx"
    if "content.xml" in names and "META-INF/manifest.xml" in names:
        return "ods"
    raise InputError(
        path, "a ZIP archive but not a spreadsheet", "name an .xlsx, .ods or .csv file"
    )


def _check_ods(path: str, archive: zipfile.ZipFile, names: set[str]) -> None:
    if "META-INF/manifest.xml" in names:
        manifest = read_part(archive, "META-INF/manifest.xml")
        if b"encryption-data" in manifest:
            raise InputError(
                path,
                "password-protected",
                "remove the password in LibreOffice (File > Properties > Security) and save again",
            )
    if "content.xml" not in names:
        raise InputError(path, "corrupt: the OpenDocument file has no content.xml", RESAVE)


_COUNT = re.compile(rb'\b(uniqueCount|count)\s*=\s*["\']\s*(\d+)')


def _shared_string_parts(names: list[str], suffix: str) -> list[str]:
    return [
        name
        for name in names
        if name.rsplit("/", 1)[-1].lower().startswith("sharedstrings") and name.endswith(suffix)
    ]


def _check_xlsx_shared_strings(
    path: str, archive: zipfile.ZipFile, names: list[str], limits: Limits
) -> None:
    """calamine reserves memory for the declared count up front: 4e9 aborts the process."""
    for name in _shared_string_parts(names, ".xml"):
        head = read_head(archive, name, 4096)
        for attribute, digits in _COUNT.findall(head):
            _check_declared_strings(path, int(digits), attribute.decode(), limits)


_BRT_BEGIN_SST = 159


def _check_xlsb_shared_strings(
    path: str, archive: zipfile.ZipFile, names: list[str], limits: Limits
) -> None:
    for name in _shared_string_parts(names, ".bin"):
        head = read_head(archive, name, 64)
        record, payload = _first_xlsb_record(head)
        if record == _BRT_BEGIN_SST and len(payload) >= 8:
            total, unique = struct.unpack_from("<II", payload)
            _check_declared_strings(path, unique, "cstUnique", limits)
            _check_declared_strings(path, total, "cstTotal", limits)


def _first_xlsb_record(data: bytes) -> tuple[int, bytes]:
    """(record type, payload) of the first BIFF12 record, (-1, b'') when unreadable."""
    pos, record = 0, 0
    for shift in (0, 7):
        if pos >= len(data):
            return -1, b""
        byte = data[pos]
        pos += 1
        record |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
    length = 0
    for shift in (0, 7, 14, 21):
        if pos >= len(data):
            return -1, b""
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
    return record, data[pos : pos + length]


def _check_declared_strings(path: str, declared: int, attribute: str, limits: Limits) -> None:
    if declared > limits.max_shared_strings:
        raise InputError(
            path,
            f"the shared-strings table declares {declared:,} strings ({attribute}; "
            f"limit {limits.max_shared_strings:,}): corrupt or hostile",
            RESAVE + ", or raise the limit with --max-shared-strings",
        )
