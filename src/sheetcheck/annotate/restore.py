"""What ``clean`` needs, kept inside the annotated workbook on a very hidden sheet.

The state records, for every part the annotation changed, its original bytes (small parts)
or the exact splices made (worksheets, which can be large), plus a fingerprint of what was
written, and the part's original zip entry as the producer compressed it (up to
``RAW_ENTRY_LIMIT``), so that ``clean`` gives back the original file byte for byte. Restoring checks the fingerprints first: if another program has saved the file
since, the parts are no longer ours to rewind and we say so instead of guessing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import zlib
from typing import Any, Literal

from ..errors import InputError
from . import cells, foreign
from .blob import pack, unpack
from .package import Package
from .workbook import read_book

STATE_SHEET = "sheetcheck-state"
STATE_PART = "xl/worksheets/sheetcheck-state.xml"
MARKER = "sheetcheck annotation state: used by `sheetcheck clean`; do not edit"
VERSION = 1
_CHUNK = 32_000
# Original zip entries bigger than this are not kept in the state: such a part comes back
# with the same content, deflated by sheetcheck (the file is then equal part by part only).
RAW_ENTRY_LIMIT = 8 * 1024 * 1024
_T = re.compile(r"<(?:[\w.-]+:)?t\b[^>]*>(.*?)</(?:[\w.-]+:)?t\s*>", re.DOTALL)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state_sheet_xml(state: dict[str, Any]) -> str:
    """The hidden sheet: the marker in A1, then the compressed state in column A."""
    blob = pack(json.dumps(state, separators=(",", ":")).encode("utf-8"))
    chunks = [blob[k : k + _CHUNK] for k in range(0, len(blob), _CHUNK)] or [""]
    rows = [f'<row r="1"><c r="A1" t="inlineStr"><is><t>{MARKER}</t></is></c></row>']
    for k, chunk in enumerate(chunks, start=2):
        rows.append(f'<row r="{k}"><c r="A{k}" t="inlineStr"><is><t>{chunk}</t></is></c></row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def read_state(pkg: Package, part: str) -> dict[str, Any]:
    texts = _T.findall(pkg.text(part))
    if not texts or texts[0] != MARKER:
        raise _changed(pkg.path)
    try:
        state = json.loads(unpack("".join(texts[1:])))
    except (ValueError, zlib.error) as err:
        raise _changed(pkg.path) from err
    if not isinstance(state, dict) or state.get("version") != VERSION:
        raise InputError(
            pkg.path,
            "was annotated by another version of sheetcheck",
            "clean it with that version, or annotate the original file again",
        )
    return state


def restore(pkg: Package) -> Literal["exact", "approximate"] | None:
    """Rewind an annotated package in memory to the original.

    Returns "exact" when every part is back byte for byte, "approximate" when another
    program saved the copy since (annotations removed cell by cell: see :mod:`.foreign`),
    None when the workbook was never annotated.
    """
    book = read_book(pkg)
    entry = book.sheet(STATE_SHEET)
    if entry is None:
        return None
    if entry.part and entry.part.lower() == STATE_PART.lower():
        with contextlib.suppress(InputError):
            _restore_exact(pkg, read_state(pkg, entry.part))
            return "exact"
    state = foreign.read_state(pkg, book, entry.part or "", MARKER) if entry.part else None
    if not isinstance(state, dict) or not isinstance(state.get("semantic"), dict):
        raise _changed(pkg.path)
    foreign.strip(pkg, book, state, STATE_SHEET)
    return "approximate"


def _restore_exact(pkg: Package, state: dict[str, Any]) -> None:
    parts: dict[str, dict[str, Any]] = state["parts"]
    sheets: dict[str, dict[str, Any]] = state["sheets"]
    for name, entry in {**parts, **sheets}.items():
        expected = entry.get("sha256")
        if expected is None:
            continue
        stored = pkg.find(name)
        if stored is None or digest(pkg.parts[stored]) != expected:
            raise _changed(pkg.path)
    for name, entry in parts.items():
        if entry["original"] is None:
            pkg.delete(name)
        else:
            pkg.set_bytes(name, unpack(entry["original"]))
    for name, entry in sheets.items():
        pkg.set_text(name, cells.undo(pkg.text(name), entry["undo"]))
    for name, entry in {**parts, **sheets}.items():
        if isinstance(entry.get("zip"), list) and len(entry["zip"]) == 2:
            pkg.adopt_raw(name, unpack(entry["zip"][0]), unpack(entry["zip"][1]))


def record(
    before: dict[str, bytes],
    pkg: Package,
    sheet_undo: dict[str, list[list[object]]],
    semantic: dict[str, Any],
) -> dict[str, Any]:
    """The state describing how to get from ``pkg`` back to ``before``."""
    parts: dict[str, Any] = {}
    sheets: dict[str, Any] = {}
    for name, data in pkg.parts.items():
        old = before.get(name)
        if old is data:
            continue
        if name in sheet_undo:
            sheets[name] = {"sha256": digest(data), "undo": sheet_undo[name]}
        else:
            parts[name] = {
                "sha256": None if name == STATE_PART else digest(data),
                "original": None if old is None else pack(old),
            }
        raw = pkg.raw.get(name)
        if raw is not None and old is not None and _holds(raw.content, old, len(raw.local)):
            (sheets if name in sheet_undo else parts)[name]["zip"] = [
                pack(raw.local),
                pack(raw.central),
            ]
    parts.setdefault(STATE_PART, {"sha256": None, "original": None})
    return {"version": VERSION, "parts": parts, "sheets": sheets, "semantic": semantic}


def _holds(content: bytes, old: bytes, entry_size: int) -> bool:
    """The original zip entry holds ``old`` and is small enough to keep in the state."""
    return entry_size <= RAW_ENTRY_LIMIT and (content is old or content == old)


def _changed(path: str) -> InputError:
    return InputError(
        path,
        "its sheetcheck annotations were changed by another program since they were written",
        "annotate the original file again, or delete the Issues sheet and highlights by hand",
    )
