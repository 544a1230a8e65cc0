"""CSV files: UTF-8 with or without a byte-order mark; comma, semicolon or tab separated.

Every value is text exactly as written (quotes removed, spaces kept); an empty field is None.
The workbook has one sheet, named after the file's stem. The separator is sniffed from the
first 64 KB: the candidate that splits the first lines into the same number of fields (more
than one) wins; ties go to comma, then semicolon, then tab.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sheetcheck.errors import InputError
from sheetcheck.limits import Limits
from sheetcheck.model import CellValue
from sheetcheck.readers._base import SheetGrid, WorkbookReader
from sheetcheck.readers._preflight import SAVE_AS_CSV_UTF8, Inspection

DELIMITERS = (",", ";", "\t")
_SAMPLE_LINES = 50


class CsvReader(WorkbookReader):
    """A CSV file seen as a one-sheet workbook."""

    def __init__(self, inspection: Inspection, limits: Limits) -> None:
        self.path = inspection.path
        self.format = "csv"
        self._limits = limits
        self.sheet_names = [Path(self.path).stem or "Sheet1"]
        try:
            raw = Path(self.path).read_bytes()
        except OSError as exc:
            raise InputError(self.path, f"cannot read the file ({exc.strerror})") from None
        try:
            self._text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(
                self.path, f"not UTF-8 text (undecodable byte on line {line})", SAVE_AS_CSV_UTF8
            ) from None
        if "\x00" in self._text:
            raise InputError(self.path, "not a text file (it contains NUL bytes)", SAVE_AS_CSV_UTF8)
        if not self._text.strip():
            raise InputError(
                self.path, "the file holds no data (only blank lines)", "export the data again"
            )
        self.delimiter = sniff_delimiter(self._text[: 64 * 1024])

    def read_sheet(self, name: str, nrows: int | None = None) -> SheetGrid:
        self._check_sheet(name)
        limits = self._limits
        rows: list[list[CellValue]] = []
        cells = 0
        reader = csv.reader(io.StringIO(self._text, newline=""), delimiter=self.delimiter)
        try:
            for record in reader:
                if nrows is not None and len(rows) >= nrows:
                    break
                if len(record) > limits.max_columns:
                    raise InputError(
                        self.path,
                        f"line {reader.line_num} has {len(record):,} fields "
                        f"(limit {limits.max_columns:,})",
                        "check the separator, or raise the limit with --max-columns",
                    )
                rows.append([value if value != "" else None for value in record])
                cells += len(record)
                if len(rows) > limits.max_rows or cells > limits.max_cells:
                    raise InputError(
                        self.path,
                        f"more than {min(limits.max_rows, len(rows) - 1):,} rows or "
                        f"{limits.max_cells:,} cells",
                        "split the file, or raise the limit with --max-rows / --max-cells",
                    )
        except csv.Error as exc:
            raise InputError(
                self.path, f"malformed CSV on line {reader.line_num} ({exc})", SAVE_AS_CSV_UTF8
            ) from None
        return SheetGrid(name, 1, 1, rows)


def sniff_delimiter(sample: str) -> str:
    """The separator that splits the sample's first lines most consistently (default comma)."""
    lines = sample.splitlines()[:_SAMPLE_LINES]
    if len(sample) >= 64 * 1024 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be incomplete
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not widths or max(widths) < 2:
            continue
        common = max(set(widths), key=widths.count)
        score = widths.count(common) / len(widths) + (0.001 * common if common > 1 else 0)
        if common > 1 and score > best_score:
            best, best_score = delimiter, score
    return best
