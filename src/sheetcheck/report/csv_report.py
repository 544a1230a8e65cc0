"""The CSV report: one row per issue, safe to open in a spreadsheet.

The bytes are those of ``csv.writer(out, lineterminator="\\r\\n")`` writing each issue's
``to_dict()`` values (formula triggers neutralized), but the rows are joined here: the C
writer copies a field character by character (1.5 s for 171,709 issues), where ``str``
methods find the few characters that need quoting. The rule is the excel dialect's minimal
quoting; the module checks once that this Python's csv writer quotes its probes the same way,
and a batch holding a NUL (which Python 3.10's writer refuses) goes through the csv writer.
tests/test_report_writers.py proves the bytes equal over generated reports.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from typing import Any, TextIO

from ..model import FileReport, Issue, Report, json_value
from ..safety import FORMULA_TRIGGERS, neutralize

COLUMNS = (
    "file",
    "template",
    "sheet",
    "row",
    "column",
    "cell",
    "severity",
    "rule",
    "value",
    "message",
    "fix",
    "location",  # ILR XML files: learner, aim, element path and line (empty for spreadsheets)
)
_LINE_END = "\r\n"  # RFC 4180; a CR inside a field gets quoted
_BATCH = 4096
_TEXT_OR_NONE = frozenset((str, type(None)))


def _safe(value: Any) -> Any:
    if value is None:
        return ""
    return neutralize(value) if isinstance(value, str) else value


def write_csv(report: Report, out: TextIO) -> None:
    fast = _quoting_agrees()
    out.write(
        _lines(_columns(*([name] for name in COLUMNS))) if fast else _csv_lines([list(COLUMNS)])
    )
    for item in report.files:
        for start in range(0, len(item.issues), _BATCH):
            values = _values(item, item.issues[start : start + _BATCH])
            text = _lines(_columns(*values)) if fast else ""
            if not fast or "\x00" in text:
                rows = zip(*values, strict=True)
                text = _csv_lines([[_safe(value) for value in row] for row in rows])
            out.write(text)


def _values(item: FileReport, issues: Sequence[Issue]) -> list[list[Any]]:
    """The COLUMNS of the issues, column by column: the values of ``Issue.to_dict()`` (the
    value as JSON, the message, the fix) with the file, the template and the location."""
    return [
        [item.file] * len(issues),
        [item.template] * len(issues),
        [issue.sheet for issue in issues],
        [issue.row for issue in issues],
        [issue.column for issue in issues],
        [issue.cell for issue in issues],
        [issue.severity for issue in issues],
        [issue.rule for issue in issues],
        [json_value(issue.value) for issue in issues],
        [issue.message for issue in issues],
        [issue.fix for issue in issues],
        [None if issue.location is None else str(issue.location) for issue in issues],
    ]


def _columns(*values: list[Any]) -> list[list[str]]:
    """Each column's values as the csv writer writes what _safe makes of them (excel dialect,
    minimal quoting). A column of few distinct texts (the rule, the sheet...) is worked out
    once per text."""
    columns = []
    for column in values:
        if len(column) > 1 and set(map(type, column)) <= _TEXT_OR_NONE:
            distinct = set(column)
            if len(distinct) * 4 <= len(column):
                fields = dict(zip(distinct, _fields(list(distinct)), strict=True))
                columns.append([fields[v] for v in column])
                continue
        columns.append(_fields(column))
    return columns


def _fields(values: list[Any]) -> list[str]:
    """Text neutralized, None empty, anything else its str(); quoted where needed."""
    texts = [
        (neutralize(v) if v.startswith(FORMULA_TRIGGERS) else v)
        if isinstance(v, str)
        else ""
        if v is None
        else str(v)
        for v in values
    ]
    return [
        ('"' + t.replace('"', '""') + '"')
        if '"' in t
        else ('"' + t + '"')
        if ("," in t or "\n" in t or "\r" in t)
        else t
        for t in texts
    ]


def _lines(columns: list[list[str]]) -> str:
    rows = zip(*columns, strict=True)
    return "".join([",".join(row) + _LINE_END for row in rows])


def _csv_lines(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=_LINE_END).writerows(rows)
    return buffer.getvalue()


_PROBES = ("", " ", "a", " a ", "a,b", 'a"b', '"', "a\rb", "a\nb", "\r\n", "a\tb", "'=1", "\u2028")


@functools.cache
def _quoting_agrees() -> bool:
    """Whether this Python's csv writer quotes the probes as :func:`_columns` does."""
    rows = [[probe, probe, 1, 2.5, True, None, -3] for probe in _PROBES]
    columns = _columns(*map(list, zip(*rows, strict=True)))
    return _lines(columns) == _csv_lines([[_safe(v) for v in row] for row in rows])


__all__ = ["COLUMNS", "write_csv"]
