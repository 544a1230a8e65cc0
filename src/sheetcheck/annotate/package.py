"""An OOXML package (the zip behind .xlsx/.xlsm) edited part by part, never re-serialised.

Every part we do not touch is written back with exactly the bytes it had, in the order it
had: its zip entry (local header, compressed bytes as the producer deflated them, data
descriptor, central directory record) is copied raw, so charts, pivot tables, shapes, images,
VBA and anything a future Excel invents survive by construction, down to the byte. The few parts we do touch are
edited as text (splicing), so their namespace prefixes, ``mc:Ignorable`` declarations and
extension lists stay as written.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.sax.saxutils import escape

from ..atomic import replacing
from ..errors import InputError
from ..zipraw import LOCAL_MAGIC, RawEntry, fresh_entry, raw_entries, write_entries

CT_PART = "[Content_Types].xml"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOC = NS_REL + "/officeDocument"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_TABLE = NS_REL + "/table"
REL_COMMENTS = NS_REL + "/comments"
REL_VML = NS_REL + "/vmlDrawing"
REL_STYLES = NS_REL + "/styles"
REL_THREADED = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

# Workbook content types and the file extensions Excel accepts for each.
WORKBOOK_SUFFIXES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (".xlsx",),
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": (".xlsm",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": (".xltx",),
    "application/vnd.ms-excel.template.macroEnabled.main+xml": (".xltm",),
}

SAVE_AS_XLSX = (
    "open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx), then annotate"
)

_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix in a tag name


def tag_re(name: str, flags: int = 0) -> re.Pattern[str]:
    """The start tag of element ``name`` with any prefix: group 1 = prefix (with colon)."""
    return re.compile(rf"<((?:[A-Za-z_][\w.-]*:)?){name}\b[^>]*>", flags)


def end_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{_P}{name}\s*>")


def xml_attr(value: str) -> str:
    """Escape text for a double-quoted attribute value."""
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def get_attr(tag: str, name: str) -> str | None:
    """The raw (still escaped) value of attribute ``name`` in start tag ``tag``."""
    found = re.search(rf"\s{re.escape(name)}\s*=\s*([\"'])(.*?)\1", tag, re.DOTALL)
    return found.group(2) if found else None


def set_attr(tag: str, name: str, value: str) -> str:
    """Start tag ``tag`` with attribute ``name`` set to ``value`` (added before the end)."""
    pattern = re.compile(rf"(\s{re.escape(name)}\s*=\s*)([\"'])(.*?)\2", re.DOTALL)
    if pattern.search(tag):
        return pattern.sub(lambda m: f'{m.group(1)}"{xml_attr(value)}"', tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end].rstrip()} {name}="{xml_attr(value)}"{tag[end:]}'


def prefix_for(xml: str, namespace: str) -> str | None:
    """The prefix (with colon, '' for the default) bound to ``namespace`` on the root."""
    root = re.search(r"<[A-Za-z_][^?!][^>]*>", xml)
    if root is None:
        return None
    for found in re.finditer(r"\sxmlns(?::([\w.-]+))?\s*=\s*([\"'])(.*?)\2", root.group(0)):
        if found.group(3) == namespace:
            return f"{found.group(1)}:" if found.group(1) else ""
    return None


@dataclass(slots=True)
class Relationship:
    id: str
    type: str
    target: str
    external: bool


class Package:
    """The parts of one workbook package, in zip order, with their zip entry metadata."""

    def __init__(
        self,
        path: str,
        parts: dict[str, bytes],
        infos: dict[str, zipfile.ZipInfo],
        raw: dict[str, RawEntry] | None = None,
        comment: bytes = b"",
    ):
        self.path = path
        self.parts = parts
        self.infos = infos
        self.raw = raw or {}
        self.comment = comment
        # Part names in the order their entries lie in the file (see _write_zip).
        self.file_order = sorted(parts, key=lambda n: infos[n].header_offset if n in infos else 0)
        self._lower = {name.lower(): name for name in parts}

    @classmethod
    def read(cls, path: str) -> Package:
        try:
            with open(path, "rb") as handle:
                whole = handle.read()
            with zipfile.ZipFile(io.BytesIO(whole)) as archive:
                infos = {}
                parts = {}
                listed = archive.infolist()
                for info in listed:  # folder entries too: the zip comes back whole
                    infos[info.filename] = info
                    parts[info.filename] = archive.read(info)  # checks each entry's CRC
                stored = raw_entries(whole, listed, archive.start_dir)
                comment = archive.comment
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as err:
            raise InputError(path, f"cannot be read as a workbook ({err})", SAVE_AS_XLSX) from err
        except NotImplementedError as err:  # compression methods zipfile lacks
            raise InputError(
                path, f"uses an unsupported zip feature ({err})", SAVE_AS_XLSX
            ) from err
        raw = {}
        if stored is not None and len(parts) == len(listed):  # no duplicate names
            raw = {
                info.filename: RawEntry(entry.local, entry.central, parts[info.filename])
                for info, entry in zip(listed, stored, strict=True)
            }
        return cls(path, parts, infos, raw, comment)

    def adopt_raw(self, name: str, local: bytes, central: bytes) -> bool:
        """Use a stored entry (``clean``: the original's) for part ``name`` if it holds the
        part's present content (CRC-32 and size); True when adopted."""
        stored = self.find(name)
        if stored is None or len(central) < 46 or not local.startswith(LOCAL_MAGIC):
            return False
        data = self.parts[stored]
        crc, _compressed, size = struct.unpack_from("<3I", central, 16)
        if size != len(data) or crc != zlib.crc32(data):
            return False
        self.raw[stored] = RawEntry(local, central, data)
        return True

    # -- parts -------------------------------------------------------------------------------
    def find(self, name: str) -> str | None:
        """The stored spelling of part ``name`` (OPC part names are case-insensitive)."""
        return self._lower.get(name.lstrip("/").lower())

    def has(self, name: str) -> bool:
        return self.find(name) is not None

    def text(self, name: str) -> str:
        stored = self.find(name)
        if stored is None:
            raise KeyError(name)
        data = self.parts[stored]
        try:
            return data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
        except UnicodeDecodeError as err:
            raise InputError(self.path, f"part {name} is not UTF-8 XML", SAVE_AS_XLSX) from err

    def set_text(self, name: str, text: str) -> None:
        stored = self.find(name)
        data = self.parts.get(stored or "", b"")
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        self.set_bytes(name, bom + text.encode("utf-8"))

    def set_bytes(self, name: str, data: bytes) -> None:
        stored = self.find(name)
        if stored is None:
            stored = name.lstrip("/")
            self._lower[stored.lower()] = stored
        self.parts[stored] = data

    def delete(self, name: str) -> None:
        stored = self.find(name)
        if stored is not None:
            del self.parts[stored]
            del self._lower[stored.lower()]
            self.infos.pop(stored, None)
            self.raw.pop(stored, None)

    def unique_name(self, wanted: str) -> str:
        """``wanted`` or ``stem2.ext``, ``stem3.ext``... whichever is not a part yet."""
        if not self.has(wanted):
            return wanted
        stem, ext = posixpath.splitext(wanted)
        number = 2
        while self.has(f"{stem}{number}{ext}"):
            number += 1
        return f"{stem}{number}{ext}"

    # -- relationships -----------------------------------------------------------------------
    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part.lstrip("/"))
        return posixpath.join(folder, "_rels", base + ".rels")

    def relationships(self, part: str) -> list[Relationship]:
        """Relationships of ``part`` ('' for the package), targets resolved to part names."""
        rels = self.rels_name(part) if part else "_rels/.rels"
        if not self.has(rels):
            return []
        text = self.text(rels)
        base = posixpath.dirname(part.lstrip("/"))
        found = []
        for tag in tag_re("Relationship").finditer(text):
            rid = get_attr(tag.group(0), "Id") or ""
            rtype = get_attr(tag.group(0), "Type") or ""
            target = unescape_attr(get_attr(tag.group(0), "Target") or "")
            external = (get_attr(tag.group(0), "TargetMode") or "") == "External"
            if not external:
                target = resolve(base, target)
            found.append(Relationship(unescape_attr(rid), rtype, target, external))
        return found

    def add_relationship(
        self, part: str, rtype: str, target_part: str, prefix: str = "rIdSc"
    ) -> str:
        """Add a relationship from ``part`` to ``target_part``; returns its new id."""
        rels = self.rels_name(part)
        taken = {rel.id for rel in self.relationships(part)}
        number = 1
        while f"{prefix}{number}" in taken:
            number += 1
        rid = f"{prefix}{number}"
        target = posixpath.relpath(target_part, posixpath.dirname(part) or ".")
        element = f'<Relationship Id="{rid}" Type="{rtype}" Target="{xml_attr(target)}"/>'
        if self.has(rels):
            text = self.text(rels)
            closing = list(end_re("Relationships").finditer(text))
            if not closing:
                raise InputError(self.path, f"part {rels} is damaged", SAVE_AS_XLSX)
            at = closing[-1].start()
            pfx = tag_re("Relationships").search(text)
            if pfx and pfx.group(1):
                element = element.replace("<Relationship", f"<{pfx.group(1)}Relationship")
            self.set_text(rels, text[:at] + element + text[at:])
        else:
            self.set_text(
                rels,
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{NS_PKG_REL}">{element}</Relationships>',
            )
        return rid

    def remove_relationship(self, part: str, rid: str) -> None:
        """Drop relationship ``rid`` of ``part`` (the target part is left alone)."""
        rels = self.rels_name(part)
        if not self.has(rels):
            return
        text = self.text(rels)

        def drop(match: re.Match[str]) -> str:
            return (
                "" if unescape_attr(get_attr(match.group(0), "Id") or "") == rid else match.group(0)
            )

        pattern = re.compile(rf"<{_P}Relationship\b[^>]*?(?:/>|>\s*</{_P}Relationship\s*>)")
        self.set_text(rels, pattern.sub(drop, text))

    def remove_part(self, part: str) -> None:
        """Delete ``part``, its relationships part and its content-type override."""
        self.delete(part)
        self.delete(self.rels_name(part))
        text = self.text(CT_PART)
        name = "/" + part.lstrip("/").lower()

        def drop(match: re.Match[str]) -> str:
            found = unescape_attr(get_attr(match.group(0), "PartName") or "").lower()
            return "" if found == name else match.group(0)

        self.set_text(
            CT_PART, re.sub(rf"<{_P}Override\b[^>]*?(?:/>|>\s*</{_P}Override\s*>)", drop, text)
        )

    # -- content types -----------------------------------------------------------------------
    def content_type(self, part: str) -> str | None:
        text = self.text(CT_PART)
        name = "/" + part.lstrip("/")
        for tag in tag_re("Override").finditer(text):
            if unescape_attr(get_attr(tag.group(0), "PartName") or "").lower() == name.lower():
                return get_attr(tag.group(0), "ContentType")
        ext = posixpath.splitext(name)[1].lstrip(".").lower()
        for tag in tag_re("Default").finditer(text):
            if (get_attr(tag.group(0), "Extension") or "").lower() == ext:
                return get_attr(tag.group(0), "ContentType")
        return None

    def add_override(self, part: str, content_type: str) -> None:
        self._add_type(f'<Override PartName="/{xml_attr(part)}" ContentType="{content_type}"/>')

    def ensure_default(self, extension: str, content_type: str) -> None:
        text = self.text(CT_PART)
        for tag in tag_re("Default").finditer(text):
            if (get_attr(tag.group(0), "Extension") or "").lower() == extension:
                return
        self._add_type(f'<Default Extension="{extension}" ContentType="{content_type}"/>')

    def _add_type(self, element: str) -> None:
        text = self.text(CT_PART)
        closing = list(end_re("Types").finditer(text))
        if not closing:
            raise InputError(self.path, "part [Content_Types].xml is damaged", SAVE_AS_XLSX)
        pfx = tag_re("Types").search(text)
        if pfx and pfx.group(1):
            element = "<" + pfx.group(1) + element[1:]
        at = closing[-1].start()
        self.set_text(CT_PART, text[:at] + element + text[at:])

    # -- writing -----------------------------------------------------------------------------
    def write_atomic(self, target: str | os.PathLike[str]) -> None:
        """Write the package to ``target`` through a temporary file in the same folder.

        An interrupted run leaves either no output at all or the complete one.
        """
        with replacing(target) as temp, temp.open("wb") as stream:
            self._write_zip(stream)
            stream.flush()
            os.fsync(stream.fileno())

    def _write_zip(self, stream: IO[bytes]) -> None:
        """Untouched parts as their raw entries, the others deflated afresh."""
        entries: dict[str, RawEntry] = {}
        for name, data in self.parts.items():
            raw = self.raw.get(name)
            if raw is None or not (raw.content is data or raw.content == data):
                raw = fresh_entry(self._zip_info(name), data)
            entries[name] = raw
        if not write_entries(stream, entries, self.file_order, self.comment):
            self._write_zip64(stream)

    def _write_zip64(self, stream: IO[bytes]) -> None:
        """A package too big for a plain zip directory: zipfile lays it out (recompressed)."""
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for name, data in self.parts.items():
                archive.writestr(self._zip_info(name), data)

    def _zip_info(self, name: str) -> zipfile.ZipInfo:
        old = self.infos.get(name)
        if old is None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            return info
        info = zipfile.ZipInfo(name, date_time=old.date_time)
        info.compress_type = (
            old.compress_type
            if old.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            else zipfile.ZIP_DEFLATED
        )
        info.external_attr = old.external_attr
        info.create_system = old.create_system
        info.comment = old.comment
        info.extra = b""
        return info

    def items(self) -> Iterator[tuple[str, bytes]]:
        yield from self.parts.items()


def resolve(base: str, target: str) -> str:
    """A relationship target as a part name (no leading slash)."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


def unescape_attr(value: str) -> str:
    from xml.sax.saxutils import unescape

    return unescape(
        value, {"&quot;": '"', "&apos;": "'", "&#10;": "\n", "&#13;": "\r", "&#9;": "\t"}
    )
