"""The values that flow between the stages: cells, tables, issues and reports.

Data flows one way: rule pack -> compiled pack -> (workbook -> guard -> reader -> Table)
-> engine -> Issues -> report / annotated copy / Excel painter / template compiler.
Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_ORDER = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class CellError:
    """An Excel error value in a cell (``#N/A``, ``#DIV/0!``...)."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True)
class UncachedFormula:
    """A formula cell saved without a computed value: we report it, never guess."""

    formula: str

    def __str__(self) -> str:
        return self.formula


# What a reader may put in a cell. Empty cells are None; text is kept as written
# (surrounding spaces included: the engine strips for validation, reports show the original).
CellValue = (
    str | int | float | bool | dt.datetime | dt.date | dt.time | CellError | UncachedFormula | None
)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    if index < 1:
        raise ValueError(f"column index must be >= 1, got {index}")
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 1, AA -> 27, XFD -> 16384."""
    value = 0
    for char in letters.upper():
        if not "A" <= char <= "Z":
            raise ValueError(f"not a column name: {letters!r}")
        value = value * 26 + ord(char) - 64
    return value


def cell_ref(row: int, col: int) -> str:
    """(12, 3) -> 'C12'."""
    return f"{column_letter(col)}{row}"


@dataclass(slots=True)
class Table:
    """One sheet's data below its header, column by column.

    ``header[i]`` is the header text as written in column ``first_col + i`` (1-based sheet
    column numbers); ``columns[i][k]`` is that column's value on sheet row ``row_numbers[k]``.
    Blank rows are not included, so row numbers may have gaps.
    """

    sheet: str
    header_row: int
    header: list[str]
    first_col: int
    row_numbers: list[int]
    columns: Sequence[Sequence[CellValue]]

    def __len__(self) -> int:
        return len(self.row_numbers)

    def col_number(self, position: int) -> int:
        """Sheet column number (1-based) of header position ``position`` (0-based)."""
        return self.first_col + position

    def rows(self) -> Iterator[tuple[int, list[CellValue]]]:
        """(sheet row number, values) pairs; slow path for small tables and tests."""
        for k, number in enumerate(self.row_numbers):
            yield number, [column[k] for column in self.columns]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found, with its location.

    ``what`` says what is wrong (with the value and the cell), ``why`` why the target system
    cares, ``fix`` how to fix it; ``message`` is the three together, the plain-English text
    every report shows. Only the parts are stored: ``why`` and most ``fix`` texts are the
    rule's own, shared by every issue of that rule, which keeps a million issues affordable.
    """

    rule: str
    severity: Severity
    sheet: str
    row: int
    column: str | None
    cell: str | None
    value: Any
    what: str
    why: str = ""
    fix: str = ""
    fix_value: Any = None  # the value a safe fix writes into the cell (None: not fixable)

    @property
    def message(self) -> str:
        return " ".join(part for part in (self.what, self.why, self.fix) if part)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "value": json_value(self.value),
            "message": self.message,
            "fix": self.fix,
            "what": self.what,
            "why": self.why,
        }
        if self.fix_value is not None:
            data["fix_value"] = json_value(self.fix_value)
        return data


def json_value(value: Any) -> Any:
    """A cell value as JSON: dates as ISO text, Excel errors and formulas as their text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def sort_key(issue: Issue) -> tuple[int, int, str, str]:
    """Severity first, then row, then cell, then rule: the order every report uses."""
    return (SEVERITY_ORDER[issue.severity], issue.row, issue.cell or "", issue.rule)


@dataclass(slots=True)
class FileReport:
    """The result of checking one file. ``error`` is set when the file could not be checked."""

    file: str
    template: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    error: str | None = None
    template_reason: str = ""  # why this template was chosen, when it was auto-detected
    extra: dict[str, Any] = field(default_factory=dict)  # pack-specific sections (reconciliation)

    def count(self, severity: Severity) -> int:
        return sum(1 for issue in self.issues if issue.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    @property
    def infos(self) -> int:
        return self.count("info")

    def is_valid(self, strict: bool = False) -> bool:
        if self.error is not None:
            return False
        return self.errors == 0 and (not strict or self.warnings == 0)

    @property
    def valid(self) -> bool:
        return self.is_valid()


@dataclass(slots=True)
class Report:
    """One or several files' results."""

    files: list[FileReport]
    strict: bool = False

    @property
    def valid(self) -> bool:
        return all(f.is_valid(self.strict) for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 submit-ready, 1 problems found, 2 some file could not be checked."""
        if any(f.error is not None for f in self.files):
            return 2
        return 0 if self.valid else 1

    @property
    def issues(self) -> Sequence[Issue]:
        return [issue for f in self.files for issue in f.issues]
