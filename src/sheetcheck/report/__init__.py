"""Report formats: the same Report rendered as text (people), JSON or CSV (scripts)."""

from __future__ import annotations

from typing import TextIO

from ..model import Report
from .csv_report import write_csv
from .json_report import write_json
from .text import write_text

FORMATS = ("text", "json", "csv")


def write_report(report: Report, out: TextIO, fmt: str = "text", *, quiet: bool = False) -> None:
    """Write ``report`` to ``out`` in format ``fmt`` ('text', 'json' or 'csv')."""
    if fmt == "json":
        write_json(report, out)
    elif fmt == "csv":
        write_csv(report, out)
    else:
        write_text(report, out, quiet=quiet)


__all__ = ["FORMATS", "write_csv", "write_json", "write_report", "write_text"]
