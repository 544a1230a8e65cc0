"""Just enough of the Compound File Binary format (OLE2) to see what a container holds.

A .xls is a CFB container with a ``Workbook`` (or ``Book``) stream; a password-protected
.xlsx/.xlsm/.xlsb is a CFB container with ``EncryptionInfo`` and ``EncryptedPackage`` streams
(that is why openpyxl calls it "not a zip file"). We only list the directory's entry names,
following sector chains with a hard bound so a corrupt or hostile file cannot loop us.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA
_MAX_DIRECTORY_ENTRIES = 100_000


class CfbError(ValueError):
    """The container's structure is broken (truncated, looping chains, bad header)."""


def stream_names(handle: BinaryIO, file_size: int) -> list[str]:
    """Names of every storage and stream in the container, in directory order."""
    handle.seek(0)
    header = handle.read(512)
    if len(header) < 512 or header[:8] != CFB_MAGIC:
        raise CfbError("the OLE header is incomplete")
    sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise CfbError(f"unknown OLE sector size 2**{sector_shift}")
    sector_size = 1 << sector_shift
    sector_count = max(0, file_size // sector_size - 1)
    first_dir = struct.unpack_from("<I", header, 0x30)[0]
    fat_sector_count = struct.unpack_from("<I", header, 0x2C)[0]
    first_difat = struct.unpack_from("<I", header, 0x44)[0]
    difat = [n for n in struct.unpack_from("<109I", header, 0x4C) if n <= _MAX_SECTOR]

    def read_sector(number: int) -> bytes:
        if number > _MAX_SECTOR or number >= sector_count + 1:
            raise CfbError(f"sector {number} lies beyond the end of the file")
        handle.seek((number + 1) * sector_size)
        data = handle.read(sector_size)
        if len(data) < sector_size:
            raise CfbError("the file is truncated")
        return data

    # Extra DIFAT sectors: each holds (sector_size/4 - 1) FAT sector numbers and a link.
    next_difat, hops = first_difat, 0
    while next_difat <= _MAX_SECTOR and len(difat) < fat_sector_count:
        hops += 1
        if hops > sector_count:
            raise CfbError("the OLE sector table loops")
        values = struct.unpack(f"<{sector_size // 4}I", read_sector(next_difat))
        difat.extend(n for n in values[:-1] if n <= _MAX_SECTOR)
        next_difat = values[-1]
    fat: list[int] = []
    for number in difat[:fat_sector_count]:
        fat.extend(struct.unpack(f"<{sector_size // 4}I", read_sector(number)))

    names: list[str] = []
    sector, hops = first_dir, 0
    while sector != _END_OF_CHAIN:
        hops += 1
        if hops > sector_count:
            raise CfbError("the OLE directory chain loops")
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            entry = data[offset : offset + 128]
            length = struct.unpack_from("<H", entry, 64)[0]
            kind = entry[66]
            if kind in (1, 2, 5) and 2 <= length <= 64:
                names.append(entry[: length - 2].decode("utf-16-le", "replace"))
        if len(names) > _MAX_DIRECTORY_ENTRIES:
            raise CfbError("the OLE directory is implausibly large")
        if sector >= len(fat):
            raise CfbError("the OLE directory chain leaves the sector table")
        sector = fat[sector]
    return names
