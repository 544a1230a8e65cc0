"""Zip entries copied as stored: local header, compressed bytes, data descriptor, directory record.

A part that is not changed keeps the bytes its producer wrote (Excel's own deflate settings,
data descriptors, entry order), so a copy can be byte-identical to the original. zipfile can
only inflate and deflate again, so the entries are cut out of the archive here and written back
with nothing but their offsets patched. Archives needing zip64, or with overlapping entries,
are not copied raw (the callers fall back to zipfile).
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One zip entry exactly as stored: what a writer copies instead of deflating again.

    ``local`` runs from the local file header to the next entry (compressed bytes and any data
    descriptor included); ``central`` is the entry's central directory record, whose offset
    field is patched on writing. ``content`` is the inflated part the entry holds: the raw copy
    is used only while the part still has exactly that content.
    """

    local: bytes
    central: bytes
    content: bytes


_CENTRAL, LOCAL_MAGIC, _END = b"PK\x01\x02", b"PK\x03\x04", b"PK\x05\x06"
_ZIP32_MAX = 0xFFFFFFFF


def raw_entries(data: bytes, infos: list[zipfile.ZipInfo], start_dir: int) -> list[RawEntry] | None:
    """Every entry of the zip ``data`` as stored, in central directory order (``infos``'
    order, contents left empty); None when the archive is not plain enough to copy raw
    (zip64, overlapping or misplaced entries)."""
    try:
        centrals: list[bytes] = []
        pos = start_dir
        for _info in infos:
            if data[pos : pos + 4] != _CENTRAL:
                return None
            name_len, extra_len, comment_len = struct.unpack_from("<3H", data, pos + 28)
            if struct.unpack_from("<I", data, pos + 42)[0] == _ZIP32_MAX:
                return None  # a zip64 offset: the record cannot simply be patched
            end = pos + 46 + name_len + extra_len + comment_len
            centrals.append(data[pos:end])
            pos = end
        offsets = sorted(info.header_offset for info in infos)
        if len(set(offsets)) != len(offsets) or (offsets and offsets[-1] >= start_dir):
            return None
        ends = dict(zip(offsets, [*offsets[1:], start_dir], strict=True))
        entries = []
        for info, central in zip(infos, centrals, strict=True):
            local = data[info.header_offset : ends[info.header_offset]]
            if not local.startswith(LOCAL_MAGIC):
                return None
            entries.append(RawEntry(local, central, b""))
        return entries
    except (struct.error, ValueError, IndexError):
        return None


def fresh_entry(info: zipfile.ZipInfo, data: bytes) -> RawEntry:
    """A new entry for ``data`` deflated by zipfile (a part sheetcheck wrote or changed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as archive:
        archive.writestr(info, data)
        start_dir = archive.start_dir
    entries = raw_entries(buffer.getvalue(), [archive.infolist()[0]], start_dir)
    if entries is None:  # pragma: no cover - zipfile writes one plain entry
        raise ValueError(f"cannot lay out zip entry {info.filename}")
    return RawEntry(entries[0].local, entries[0].central, data)


def write_entries(
    stream: IO[bytes], entries: Mapping[str, RawEntry], file_order: Sequence[str], comment: bytes
) -> bool:
    """Write a zip of ``entries`` (directory in their order, data in ``file_order`` then the
    rest); False, having written nothing, when the archive would need zip64."""
    size = sum(len(e.local) + len(e.central) for e in entries.values())
    if size >= _ZIP32_MAX or len(entries) >= 0xFFFF:
        return False
    # Entries lie in the file in the producer's order (which need not be the directory's:
    # Excel writes [Content_Types].xml last but lists it first); new parts go at the end.
    placed = [name for name in file_order if name in entries]
    known = set(placed)
    placed += [name for name in entries if name not in known]
    offsets: dict[str, int] = {}
    offset = 0
    for name in placed:
        offsets[name] = offset
        stream.write(entries[name].local)
        offset += len(entries[name].local)
    central = bytearray()
    for name, entry in entries.items():
        central += entry.central[:42] + struct.pack("<I", offsets[name]) + entry.central[46:]
    stream.write(central)
    count = len(entries)
    stream.write(
        struct.pack("<4s4H2IH", _END, 0, 0, count, count, len(central), offset, len(comment))
        + comment
    )
    return True
