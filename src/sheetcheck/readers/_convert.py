"""Workbooks a spreadsheet application opens without a question, made readable in memory.

* Excel's built-in default password ("VelvetSweatshop"): Excel encrypts some workbooks with it
  (a protected structure, some tools' output) and opens them without asking. Both the OLE
  container of an encrypted xlsx/xlsm/xlsb (``EncryptionInfo`` + ``EncryptedPackage``) and an
  xls whose workbook stream starts with a FILEPASS record (RC4, RC4 CryptoAPI, XOR) are
  decrypted with msoffcrypto-tool; a workbook with a real password stays refused.
* Flat OpenDocument (``.fods``): the same ``office:document`` XML an .ods zips as
  content.xml, repackaged as a minimal .ods.
* Excel 4.0 macro sheets and dialog sheets in an xlsx/xlsm: calamine refuses the whole
  workbook, so its ``<sheet>`` entries are dropped from a copy of workbook.xml and the rest is
  read as usual; the caller reports which sheets were left out.

Everything happens in memory: no decrypted copy of a user's file is ever written to disk. The
pre-flight guard (:mod:`._preflight`, which calls this module; never the reverse) inspects the
result again, with the same limits.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

from sheetcheck.errors import InputError

DEFAULT_PASSWORD = "VelvetSweatshop"
PASSWORD = "remove the password in Excel (File > Info > Protect Workbook) and save again"
_SMALL_PART = 16 * 1024 * 1024  # workbook.xml and its relations: anything bigger is odd
_FILEPASS, _BOF, _BOUNDSHEET = 0x002F, 0x0809, 0x0085


def has_filepass(stream: bytes) -> bool:
    """The xls workbook stream is encrypted: a FILEPASS record among the first globals."""
    offset = 0
    for _ in range(64):  # FILEPASS follows BOF closely; never after the sheet list
        if offset + 4 > len(stream):
            return False
        kind, length = struct.unpack_from("<HH", stream, offset)
        if kind == _FILEPASS:
            return True
        if kind == _BOUNDSHEET:
            return False
        offset += 4 + length
    return False


def decrypt_default(path: str, data: bytes) -> bytes:
    """``data`` (an encrypted OLE workbook) decrypted with Excel's default password.

    Raises the usual "password-protected" InputError when the file has a real password or an
    encryption msoffcrypto-tool cannot undo, and a "corrupt" one when the container is damaged.
    """
    try:
        import msoffcrypto
        from msoffcrypto import exceptions
    except ImportError:
        raise InputError(
            path,
            "encrypted (perhaps only with Excel's built-in default password, which sheetcheck "
            "can undo with the msoffcrypto-tool package, not installed here)",
            "pip install msoffcrypto-tool, or " + PASSWORD,
        ) from None
    refused = (  # a real password, or an encryption msoffcrypto-tool does not undo
        exceptions.InvalidKeyError,
        exceptions.DecryptionError,
        exceptions.FileFormatError,
        NotImplementedError,
    )
    broken = (  # the container or its encryption header is damaged
        exceptions.ParseError,
        ValueError,
        KeyError,
        IndexError,
        AssertionError,  # msoffcrypto asserts on malformed headers
        struct.error,
        EOFError,
        OSError,  # olefile: "incorrect last sector index in OLE stream"...
    )
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=DEFAULT_PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
    except refused:
        raise InputError(path, "password-protected", PASSWORD) from None
    except broken as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise InputError(
            path,
            f"an encrypted workbook that is corrupt or truncated ({detail})",
            "open it in Excel or LibreOffice and save it again as .xlsx, then check that copy",
        ) from None
    return out.getvalue()


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise ValueError(f"part {name} is implausibly large")
    with archive.open(info) as stream:
        return stream.read(_SMALL_PART)


# -- flat OpenDocument ---------------------------------------------------------------------------
FODS_MARK = b'mimetype="application/vnd.oasis.opendocument.spreadsheet"'
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
_ROOT = re.compile(rb"<([\w.-]+:)?document(?=[\s>/])")


def is_flat_ods(head: bytes) -> bool:
    """``head`` (the first 64 KB of a file) starts a flat OpenDocument spreadsheet: an XML
    declaration, then an ``office:document`` root declaring the spreadsheet media type."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:5]
    if start != b"<?xml" or _ROOT.search(head) is None:
        return False
    return FODS_MARK in head.replace(b"'", b'"')


def flat_ods_to_ods(path: str, text: bytes) -> bytes:
    """A .fods document as the bytes of an equivalent minimal .ods package.

    The root ``office:document`` becomes ``office:document-content``; whitespace between tags
    (a pretty-printed .fods has it, calamine's parser does not accept it) goes, as ODF's own
    white-space rules ignore it.
    """
    root = _ROOT.search(text)
    if root is None:
        raise InputError(path, "a flat OpenDocument file without its document element", "")
    prefix = root.group(1) or b""
    body = text[: root.start()] + b"<" + prefix + b"document-content" + text[root.end() :]
    closing = re.compile(rb"</" + re.escape(prefix) + rb"document\s*>(?=\s*\Z)")
    body = closing.sub(b"</" + prefix + b"document-content>", body)
    body = re.sub(rb">\s+<", b"><", body)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _MANIFEST)
        archive.writestr("content.xml", body)
    return buffer.getvalue()


# -- sheets that are not worksheets ---------------------------------------------------------------
# Relationship types of sheets calamine cannot read, and what to call them in a message.
NOT_WORKSHEETS = {
    "/xlMacrosheet": "an Excel 4.0 macro sheet",
    "/xlIntlMacrosheet": "an international Excel 4.0 macro sheet",
    "/dialogsheet": "an Excel 5.0 dialog sheet",
}


def not_worksheets(archive: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """{relationship id: (target, kind)} of the workbook's macro and dialog sheets."""
    from defusedxml import ElementTree

    rels = "xl/_rels/workbook.xml.rels"
    if rels not in archive.namelist():
        return {}
    found = {}
    for element in ElementTree.fromstring(_read_small(archive, rels)).iter():
        if element.tag.rsplit("}", 1)[-1] != "Relationship":
            continue
        rel_type = element.get("Type", "")
        for suffix, kind in NOT_WORKSHEETS.items():
            if rel_type.endswith(suffix):
                found[element.get("Id", "")] = (element.get("Target", ""), kind)
    return found


_SHEET = re.compile(
    rb"<(?:[\w.-]+:)?sheet\b[^>]*?/>|<(?:[\w.-]+:)?sheet\b[^>]*>.*?</(?:[\w.-]+:)?sheet\s*>", re.S
)
_RID = re.compile(rb"""\s[\w.-]*:?id\s*=\s*["']([^"']*)["']""")
_NAME = re.compile(rb"""\sname\s*=\s*["']([^"']*)["']""")


def without_sheets(
    data: bytes, dropped: dict[str, tuple[str, str]]
) -> tuple[bytes, list[tuple[str, str]]]:
    """The package ``data`` with the ``dropped`` sheets left out of workbook.xml: (zip bytes,
    [(sheet name, kind)]). Every other entry is copied as stored, not inflated."""
    from xml.sax.saxutils import unescape

    from sheetcheck.zipraw import fresh_entry, raw_entries, write_entries

    skipped: list[tuple[str, str]] = []

    def drop(match: re.Match[bytes]) -> bytes:
        tag = match.group(0)
        rid = _RID.search(tag)
        key = rid.group(1).decode("utf-8", "replace") if rid else ""
        if key not in dropped:
            return tag
        name = _NAME.search(tag)
        label = unescape(name.group(1).decode("utf-8", "replace")) if name else "?"
        skipped.append((label, dropped[key][1]))
        return b""

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        workbook = next(i for i in infos if i.filename == "xl/workbook.xml")
        rewritten = _SHEET.sub(drop, _read_small(archive, workbook.filename))
        stored = raw_entries(data, infos, archive.start_dir)
        buffer = io.BytesIO()
        if stored is not None:
            entries = {
                info.filename: fresh_entry(info, rewritten) if info is workbook else entry
                for info, entry in zip(infos, stored, strict=True)
            }
            order = [i.filename for i in sorted(infos, key=lambda i: i.header_offset)]
            if write_entries(buffer, entries, order, b""):
                return buffer.getvalue(), skipped
            buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info in infos:
                content = rewritten if info is workbook else archive.read(info)
                out.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue(), skipped
