"""Just enough of the Compound File Binary format (OLE2) to see what a container holds.

A .xls is a CFB container with a ``Workbook`` (or ``Book``) stream; a password-protected
.xlsx/.xlsm/.xlsb is a CFB container with ``EncryptionInfo`` and ``EncryptedPackage`` streams
(that is why openpyxl calls it "not a zip file"). We list the directory's entries and can read
one stream, following sector chains with hard bounds so a corrupt or hostile file cannot loop
us or make us allocate more than the file's own size.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA
_MAX_DIRECTORY_ENTRIES = 100_000


class CfbError(ValueError):
    """The container's structure is broken (truncated, looping chains, bad header)."""


@dataclass(frozen=True)
class Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    start: int
    size: int


class CompoundFile:
    """A parsed CFB directory over an open binary file of ``file_size`` bytes."""

    def __init__(self, handle: BinaryIO, file_size: int) -> None:
        self._handle = handle
        handle.seek(0)
        header = handle.read(512)
        if len(header) < 512 or header[:8] != CFB_MAGIC:
            raise CfbError("the OLE header is incomplete")
        sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
        if sector_shift not in (9, 12):
            raise CfbError(f"unknown OLE sector size 2**{sector_shift}")
        self.sector_size = 1 << sector_shift
        self.file_size = file_size
        self._sector_count = max(0, file_size // self.sector_size - 1)
        mini_shift = struct.unpack_from("<H", header, 0x20)[0]
        self.mini_size = 1 << min(mini_shift, 12)
        self.mini_cutoff = struct.unpack_from("<I", header, 0x38)[0]
        first_dir = struct.unpack_from("<I", header, 0x30)[0]
        fat_count = struct.unpack_from("<I", header, 0x2C)[0]
        first_minifat = struct.unpack_from("<I", header, 0x3C)[0]
        first_difat = struct.unpack_from("<I", header, 0x44)[0]
        difat = [n for n in struct.unpack_from("<109I", header, 0x4C) if n <= _MAX_SECTOR]
        per_sector = self.sector_size // 4
        next_difat, hops = first_difat, 0
        while next_difat <= _MAX_SECTOR and len(difat) < fat_count:
            hops = self._hop(hops)
            values = struct.unpack(f"<{per_sector}I", self._sector(next_difat))
            difat.extend(n for n in values[:-1] if n <= _MAX_SECTOR)
            next_difat = values[-1]
        self._fat: list[int] = []
        for number in difat[:fat_count]:
            self._fat.extend(struct.unpack(f"<{per_sector}I", self._sector(number)))
        directory = self._chain_bytes(first_dir, None)
        self.entries: list[Entry] = []
        for offset in range(0, len(directory) - 127, 128):
            record = directory[offset : offset + 128]
            length = struct.unpack_from("<H", record, 64)[0]
            kind = record[66]
            if kind in (1, 2, 5) and 2 <= length <= 64:
                name = record[: length - 2].decode("utf-16-le", "replace")
                start, size = struct.unpack_from("<IQ", record, 116)
                if self.sector_size == 512:
                    size &= 0xFFFFFFFF  # version 3 files: the high half is undefined
                self.entries.append(Entry(name, kind, start, size))
            if len(self.entries) > _MAX_DIRECTORY_ENTRIES:
                raise CfbError("the OLE directory is implausibly large")
        self._first_minifat = first_minifat

    def names(self) -> list[str]:
        return [entry.name for entry in self.entries]

    def read_stream(self, name: str) -> bytes:
        """The whole stream ``name`` (case-insensitive); CfbError when absent or broken."""
        entry = next((e for e in self.entries if e.name.lower() == name.lower()), None)
        if entry is None or entry.kind != 2:
            raise CfbError(f"no stream {name!r}")
        if entry.size > self.file_size:
            raise CfbError(f"stream {name!r} claims to be larger than the file")
        if entry.size >= self.mini_cutoff:
            return self._chain_bytes(entry.start, entry.size)
        root = self.entries[0] if self.entries and self.entries[0].kind == 5 else None
        if root is None:
            raise CfbError("the OLE root entry is missing")
        mini_stream = self._chain_bytes(root.start, root.size)
        minifat_bytes = self._chain_bytes(self._first_minifat, None)
        minifat = struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes)
        chunks: list[bytes] = []
        sector, hops = entry.start, 0
        while sector != _END_OF_CHAIN and len(chunks) * self.mini_size < entry.size:
            hops += 1
            if sector >= len(minifat) or hops > len(minifat):
                raise CfbError("a mini-stream chain leaves its table")
            chunks.append(mini_stream[sector * self.mini_size : (sector + 1) * self.mini_size])
            sector = minifat[sector]
        return b"".join(chunks)[: entry.size]

    def _hop(self, hops: int) -> int:
        if hops > self._sector_count + 1:
            raise CfbError("an OLE sector chain loops")
        return hops + 1

    def _sector(self, number: int) -> bytes:
        if number > _MAX_SECTOR or number >= self._sector_count + 1:
            raise CfbError(f"sector {number} lies beyond the end of the file")
        self._handle.seek((number + 1) * self.sector_size)
        data = self._handle.read(self.sector_size)
        if len(data) < self.sector_size:
            raise CfbError("the file is truncated")
        return data

    def _chain_bytes(self, start: int, size: int | None) -> bytes:
        chunks: list[bytes] = []
        sector, hops = start, 0
        while sector != _END_OF_CHAIN:
            if size is not None and len(chunks) * self.sector_size >= size:
                break
            hops = self._hop(hops)
            chunks.append(self._sector(sector))
            if sector >= len(self._fat):
                raise CfbError("an OLE sector chain leaves the sector table")
            sector = self._fat[sector]
        data = b"".join(chunks)
        return data if size is None else data[:size]


def stream_names(handle: BinaryIO, file_size: int) -> list[str]:
    """Names of every storage and stream in the container, in directory order."""
    return CompoundFile(handle, file_size).names()
