"""Writing the fixes into a copy of a CSV file: only the changed records are rewritten.

The file is read the way the CSV reader reads it (UTF-8 with or without a byte-order mark,
the sniffed separator); every record without a change is copied exactly as it was written
(quotes, spacing and line ending included), a changed record is written again with the same
separator and line ending, quoting only where the format needs it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..atomic import replacing
from ..errors import InputError
from ..model import json_value
from ..readers._csv import sniff_delimiter
from . import Change

_BOM = "\ufeff"


def write(source: Path, target: Path, changes: Sequence[Change]) -> list[Change]:
    """Write ``target``: ``source`` with ``changes`` made; returns the changes made."""
    raw = source.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(str(source), "is not UTF-8 text") from err
    bom = text.startswith(_BOM)
    body = text[1:] if bom else text
    delimiter = sniff_delimiter(body[: 64 * 1024])
    wanted: dict[int, dict[int, Change]] = {}
    for change in changes:
        wanted.setdefault(change.row, {})[change.col] = change
    applied: list[Change] = []
    pieces: list[str] = [_BOM] if bom else []
    for number, (record, original) in enumerate(_records(body, delimiter), start=1):
        edits = wanted.get(number)
        if not edits:
            pieces.append(original)
            continue
        fields = list(record)
        for col, change in edits.items():
            if col - 1 < len(fields):
                fields[col - 1] = _text(change.after)
                applied.append(change)
        ending = original[len(original.rstrip("\r\n")) :]
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator=ending or "").writerow(fields)
        pieces.append(out.getvalue())
    with replacing(target) as temp:
        temp.write_bytes("".join(pieces).encode("utf-8"))
    return applied


def _text(value: object) -> str:
    shown = json_value(value)
    return "" if shown is None else str(shown)


def _records(body: str, delimiter: str) -> Iterator[tuple[list[str], str]]:
    """Each record with the exact text it was read from (a record may span lines)."""
    lines = io.StringIO(body, newline="")  # lines end in \r, \n or \r\n only, as the reader's
    consumed: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    for record in reader:
        yield record, "".join(consumed)
        consumed.clear()
