"""The JSON report; its shape is published as schemas/report.schema.json.

The bytes are those of ``json.dump(report_dict(report), out, indent=2, ensure_ascii=False)``,
but written without the standard library's indenting encoder, which is pure Python and
costs about 25 us an issue. The issues' scalar values (nearly everything in a report) go
through the C encoder in one call per batch, and the indentation is put around them here;
anything else (a nested value, a subclass) goes through ``json.dumps(indent=2)`` itself.
tests/test_report_writers.py proves the bytes equal over generated reports.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from json.encoder import encode_basestring
from typing import Any, TextIO

from ..model import FileReport, Issue, Report

_INDENT = "  "
_BATCH = 2048  # issues encoded per C-encoder call: bounded memory, few calls
_SCALARS = frozenset((str, int, float, bool, type(None)))
# Separated by NUL, which the encoder never writes raw (a NUL in a string becomes \u0000).
_encode_flat = json.JSONEncoder(ensure_ascii=False, separators=("\x00", ": ")).encode


def file_dict(item: FileReport) -> dict[str, Any]:
    return _file_fields(item, [issue.to_dict() for issue in item.issues])


def _file_fields(item: FileReport, issues: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "file": item.file,
        "template": item.template,
        "sheet": item.sheet,
        "header_row": item.header_row,
        "valid": item.is_valid(),
        "summary": {
            "rows": item.rows,
            "errors": item.errors,
            "warnings": item.warnings,
            "infos": item.infos,
        },
        "issues": issues,
    }
    if item.template_reason:
        data["template_reason"] = item.template_reason
    if item.error is not None:
        data["error"] = item.error
    for key, value in item.extra.items():
        if key not in data and not key.startswith("_") and key not in ("first_col", "sections"):
            data[key] = value
    return data


def report_dict(report: Report) -> dict[str, Any]:
    return {"valid": report.valid, "files": [file_dict(f) for f in report.files]}


class _Issues:
    """Stands for a file's issue list in the dict skeleton; written by :func:`_write_issues`."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = issues


def write_json(report: Report, out: TextIO) -> None:
    files = [_file_fields(item, _Issues(item.issues)) for item in report.files]
    _write_value({"valid": report.valid, "files": files}, out, 0)
    out.write("\n")


def _write_value(value: Any, out: TextIO, level: int) -> None:
    """``value`` as json.dump(indent=2) writes it at nesting ``level``."""
    if isinstance(value, _Issues):
        _write_issues(value.issues, out, level)
    elif type(value) is dict and all(type(key) is str for key in value):
        _write_items(
            [encode_basestring(key) + ": " for key in value], value.values(), "{}", out, level
        )
    elif type(value) is list:
        _write_items([""] * len(value), value, "[]", out, level)
    else:
        out.write(_encode(value, level))


def _write_items(
    keys: Sequence[str], values: Iterable[Any], brackets: str, out: TextIO, level: int
) -> None:
    if not keys:
        out.write(brackets)
        return
    pad = "\n" + _INDENT * (level + 1)
    out.write(brackets[0])
    for n, value in enumerate(values):
        out.write(("," if n else "") + pad + keys[n])
        _write_value(value, out, level + 1)
    out.write("\n" + _INDENT * level + brackets[1])


def _encode(value: Any, level: int) -> str:
    """One value as json.dump(indent=2) writes it at nesting ``level`` (a JSON string never
    holds a raw newline, so every newline of the text is one the indentation put there)."""
    if type(value) in _SCALARS:
        return _encode_flat(value)
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + _INDENT * level) if level else text


def _write_issues(issues: Sequence[Issue], out: TextIO, level: int) -> None:
    if not issues:
        out.write("[]")
        return
    between = ",\n" + _INDENT * (level + 1)
    out.write("[" + between[1:])
    prefixes: dict[tuple[str, ...], tuple[str, ...]] = {}
    for start in range(0, len(issues), _BATCH):
        if start:
            out.write(between)
        out.write(_issues_text(issues[start : start + _BATCH], level + 1, prefixes))
    out.write("\n" + _INDENT * level + "]")


def _issues_text(
    issues: Sequence[Issue], level: int, prefixes: dict[tuple[str, ...], tuple[str, ...]]
) -> str:
    """The issues' dicts as json.dump(indent=2) writes them at nesting ``level``, one after
    the other with the list's separator between them.

    The text is the encoded values, each after its prefix (the dict's opening or the comma
    before it, the indentation, the key), and the last dict's closing brace; a dict's first
    prefix carries the closing of the one before it.
    """
    dicts = [issue.to_dict() for issue in issues]
    if not all(dicts):  # an empty dict has no value to carry its "{}"
        return (",\n" + _INDENT * level).join(_encode(data, level) for data in dicts)
    flat: list[Any] = []
    order: list[str] = []
    for data in dicts:
        flat.extend(data.values())
        keys = tuple(data)
        known = prefixes.get(keys)
        if known is None:
            known = prefixes[keys] = _prefixes(keys, level)
        order.extend(known)
    patches: list[tuple[int, str]] = []
    if not set(map(type, flat)) <= _SCALARS:
        for index, value in enumerate(flat):
            if type(value) not in _SCALARS:
                patches.append((index, _encode(value, level + 1)))
                flat[index] = None
    encoded = _encode_flat(flat)[1:-1].split("\x00")
    for index, text in patches:
        encoded[index] = text
    end, after = _ends(level)
    order[0] = order[0][len(end + after) :]  # the first dict closes none before it
    return "".join(itertools.chain.from_iterable(zip(order, encoded, strict=True))) + end


def _ends(level: int) -> tuple[str, str]:
    """What closes a dict at nesting ``level``, and what separates it from the next."""
    return "\n" + _INDENT * level + "}", ",\n" + _INDENT * level


def _prefixes(keys: Sequence[str], level: int) -> tuple[str, ...]:
    """What comes before each value of a dict with ``keys`` at nesting ``level`` (not the first
    in its list): the first carries the previous dict's closing and the separator."""
    pad = "\n" + _INDENT * (level + 1)
    each = [pad + encode_basestring(key) + ": " for key in keys]
    return ("".join(_ends(level)) + "{" + each[0], *("," + prefix for prefix in each[1:]))
