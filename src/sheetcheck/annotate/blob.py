"""The annotation state's text form: compressed bytes as ASCII, to sit in worksheet cells.

Its own module so that :mod:`.restore` (which writes and rewinds the state) and
:mod:`.foreign` (which finds the state in a workbook another program saved) share it without
importing each other.
"""

from __future__ import annotations

import base64
import zlib


def pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def unpack(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text))
