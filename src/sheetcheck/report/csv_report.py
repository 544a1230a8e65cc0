"""The CSV report: one row per issue, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from typing import Any, TextIO

from ..model import Report
from ..safety import neutralize

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


def _safe(value: Any) -> Any:
    if value is None:
        return ""
    return neutralize(value) if isinstance(value, str) else value


def write_csv(report: Report, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a CR inside a field gets quoted
    writer.writerow(COLUMNS)
    for item in report.files:
        for issue in item.issues:
            data = issue.to_dict()
            data.update(
                file=item.file,
                template=item.template,
                location=str(issue.location) if issue.location is not None else None,
            )
            writer.writerow([_safe(data[name]) for name in COLUMNS])
