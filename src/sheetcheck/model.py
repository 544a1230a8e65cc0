"""The values that flow between the stages: cells, tables, issues and reports.

Data flows one way: rule pack -> compiled pack -> (workbook -> guard -> reader -> Table)
-> engine -> Issues -> report / annotated copy / Excel painter / template compiler.
Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

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


@dataclass(frozen=True, slots=True)
class Location:
    """Where an issue sits in a file without cells (an ILR XML file): the learner's
    reference, the learning delivery's AimSeqNumber, the element's path and its line."""

    line: int
    path: str
    learner: str | None = None
    aim: str | None = None

    def __str__(self) -> str:
        who = [f"learner {self.learner}"] if self.learner else []
        if self.aim:
            who.append(f"aim {self.aim}")
        where = f"line {self.line}, {self.path}"
        return f"{', '.join(who)} ({where})" if who else where

    def to_dict(self) -> dict[str, Any]:
        return {"learner": self.learner, "aim": self.aim, "path": self.path, "line": self.line}


#: Where table row ``index``, column ``column`` (None: the row itself) sits in the file.
Locator = Callable[[int, "str | None"], Location]


@dataclass(slots=True)
class Table:
    """One sheet's data below its header, column by column.

    ``header[i]`` is the header text as written in column ``first_col + i`` (1-based sheet
    column numbers); ``columns[i][k]`` is that column's value on sheet row ``row_numbers[k]``.
    Blank rows are not included, so row numbers may have gaps. ``source`` names where the
    rows come from when that is not the file being checked: the file given with --baseline
    ("current.xlsx"), or the files of a --merge checked together; messages say it.
    """

    sheet: str
    header_row: int
    header: list[str]
    first_col: int
    row_numbers: list[int]
    columns: Sequence[Sequence[CellValue]]
    source: str = ""
    # Files without cells (ILR XML) locate issues by element instead of by cell reference.
    locate: Locator | None = None

    def __len__(self) -> int:
        return len(self.row_numbers)

    def col_number(self, position: int) -> int:
        """Sheet column number (1-based) of header position ``position`` (0-based)."""
        return self.first_col + position

    def rows(self) -> Iterator[tuple[int, list[CellValue]]]:
        """(sheet row number, values) pairs; slow path for small tables and tests."""
        for k, number in enumerate(self.row_numbers):
            yield number, [column[k] for column in self.columns]


class IssueText(Protocol):
    """How a deferred issue gets its words: a rule's message texts, filled in on demand."""

    def render(self, values: Sequence[Any]) -> tuple[str, str, str]:
        """(what, why, fix) with the placeholders filled from ``values`` (the text's own
        placeholders, in its own order)."""
        ...


class SharedFields:
    """The placeholder values of the issues one finding raises on many rows, shared by all of
    them: ``values`` with the rendering issue's own cell put in at the positions ``cell_at``
    and its row number at ``row_at``. The engine then makes no tuple per issue, and a report
    sent back from the checking process carries the values once, not once per issue."""

    __slots__ = ("cell_at", "row_at", "values")

    def __init__(
        self, values: tuple[Any, ...], cell_at: tuple[int, ...], row_at: tuple[int, ...]
    ) -> None:
        self.values = values
        self.cell_at = cell_at
        self.row_at = row_at

    def __reduce__(self) -> tuple[Any, ...]:
        return (SharedFields, (self.values, self.cell_at, self.row_at))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SharedFields):
            return NotImplemented
        return self.__reduce__() == other.__reduce__()

    def __hash__(self) -> int:
        return hash(self.__reduce__())

    def __repr__(self) -> str:
        return f"SharedFields{self.__reduce__()[1]!r}"

    def of(self, issue: Issue) -> tuple[Any, ...]:
        """The values for ``issue``."""
        fields = list(self.values)
        for at in self.cell_at:
            fields[at] = issue._cell
        for at in self.row_at:
            fields[at] = issue._row
        return tuple(fields)


_PUBLIC = (
    "rule",
    "severity",
    "sheet",
    "row",
    "column",
    "cell",
    "value",
    "what",
    "why",
    "fix",
    "fix_value",
    "likely",
    "location",
)


class Issue:
    """One problem found, with its location.

    ``what`` says what is wrong (with the value and the cell), ``why`` why the target system
    cares, ``fix`` how to fix it; ``message`` is the three together, the plain-English text
    every report shows. The attributes are read-only; issues compare and hash by them.

    The engine makes its issues *deferred* (:meth:`deferred`): each keeps its rule's message
    texts (one object shared by every issue of the rule) and the few values their placeholders
    need, and the sentences are filled in the first time ``what``, ``why``, ``fix`` or
    ``message`` is read, which is when a report is written. A check that finds 50,000
    problems and prints only a summary (``--quiet``) never formats 150,000 sentences, and a
    deferred issue is small to send back from the checking process.
    """

    __slots__ = (
        "_cell",
        "_column",
        "_fields",
        "_fix",
        "_fix_value",
        "_likely",
        "_location",
        "_row",
        "_rule",
        "_severity",
        "_sheet",
        "_text",
        "_value",
        "_what",
        "_why",
    )
    # Private slots behind read-only properties: plain slot stores keep making an issue about
    # a microsecond (a frozen dataclass's object.__setattr__ calls cost five).
    _text: IssueText | None
    _fields: Sequence[Any] | SharedFields | None

    def __init__(  # noqa: PLR0917  (the positional order of the former dataclass; callers use it)
        self,
        rule: str,
        severity: Severity,
        sheet: str,
        row: int,
        column: str | None,
        cell: str | None,
        value: Any,
        what: str,
        why: str = "",
        fix: str = "",
        fix_value: Any = None,
        likely: tuple[str, str] | None = None,
        location: Location | None = None,
    ) -> None:
        self._rule = rule
        self._severity = severity
        self._sheet = sheet
        self._row = row
        self._column = column
        self._cell = cell
        self._value = value
        self._what = what
        self._why = why
        self._fix = fix
        self._fix_value = fix_value
        self._likely = likely
        self._location = location  # set for files without cells (ILR XML)
        self._text = None
        self._fields = None

    @classmethod
    def deferred(  # noqa: PLR0917  (the constructor's order, plus the text and its fields)
        cls,
        rule: str,
        severity: Severity,
        sheet: str,
        row: int,
        column: str | None,
        cell: str | None,
        value: Any,
        text: IssueText,
        fields: Sequence[Any] | SharedFields,
        fix_value: Any = None,
        location: Location | None = None,
    ) -> Issue:
        """An issue whose what, why and fix are ``text.render(fields)``, rendered when first read
        (shared fields get the issue's own cell and row then)."""
        issue = cls.__new__(cls)
        issue._rule = rule
        issue._severity = severity
        issue._sheet = sheet
        issue._row = row
        issue._column = column
        issue._cell = cell
        issue._value = value
        issue._what = issue._why = issue._fix = ""
        issue._fix_value = fix_value
        issue._likely = None
        issue._location = location
        issue._text = text
        issue._fields = fields
        return issue

    def _render(self) -> None:
        if self._text is not None:
            fields = self._fields
            assert fields is not None
            if isinstance(fields, SharedFields):
                fields = fields.of(self)
            self._what, self._why, self._fix = self._text.render(fields)
            self._text = self._fields = None

    @property
    def rule(self) -> str:
        return self._rule

    @property
    def severity(self) -> Severity:
        return self._severity

    @property
    def sheet(self) -> str:
        return self._sheet

    @property
    def row(self) -> int:
        return self._row

    @property
    def column(self) -> str | None:
        return self._column

    @property
    def cell(self) -> str | None:
        return self._cell

    @property
    def value(self) -> Any:
        return self._value

    @property
    def fix_value(self) -> Any:
        """The value a safe fix writes into the cell (None: not fixable)."""
        return self._fix_value

    @property
    def likely(self) -> tuple[str, str] | None:
        """missing-column: (cell, text) of the header that most likely meant the column."""
        return self._likely

    @property
    def location(self) -> Location | None:
        """Where the issue sits in a file without cells (an ILR XML file); None otherwise."""
        return self._location

    @property
    def what(self) -> str:
        self._render()
        return self._what

    @property
    def why(self) -> str:
        self._render()
        return self._why

    @property
    def fix(self) -> str:
        self._render()
        return self._fix

    @property
    def message(self) -> str:
        self._render()
        return " ".join([part for part in (self._what, self._why, self._fix) if part])

    def _astuple(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _PUBLIC)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Issue)
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}={getattr(self, name)!r}" for name in _PUBLIC)
        return f"Issue({parts})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as it is: a deferred issue travels deferred (the shared text once per pickle)."""
        where = (
            self._rule,
            self._severity,
            self._sheet,
            self._row,
            self._column,
            self._cell,
            self._value,
        )
        if self._text is not None:
            return (
                _deferred_issue,
                (*where, self._text, self._fields, self._fix_value, self._location),
            )
        return (
            Issue,
            (
                *where,
                self._what,
                self._why,
                self._fix,
                self._fix_value,
                self._likely,
                self._location,
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        # Read from the slots after one render: a report calls this for every issue.
        self._render()
        what, why, fix = self._what, self._why, self._fix
        data: dict[str, Any] = {
            "rule": self._rule,
            "severity": self._severity,
            "sheet": self._sheet,
            "row": self._row,
            "column": self._column,
            "cell": self._cell,
            "value": json_value(self._value),
            "message": " ".join([part for part in (what, why, fix) if part]),
            "fix": fix,
            "what": what,
            "why": why,
        }
        if self._location is not None:
            data["location"] = self._location.to_dict()
        if self._fix_value is not None:
            data["fix_value"] = json_value(self._fix_value)
        if self._likely is not None:
            data["likely_header"] = {"cell": self._likely[0], "text": self._likely[1]}
        return data


def _deferred_issue(*args: Any) -> Issue:
    return Issue.deferred(*args)


# The slots an issue is sent with, and those that usually hold one value for every issue of a
# report (the sheet; the words and the likely header of deferred issues; the location).
_SENT = Issue.__slots__
_SENT_GETTER = operator.attrgetter(*_SENT)
_OFTEN_SAME = frozenset({"_sheet", "_what", "_why", "_fix", "_likely", "_location"})


def issue_columns(issues: Sequence[Issue]) -> tuple[Any, ...]:
    """``issues`` as one list per slot, in :data:`_SENT` order: a list pickles at C speed where
    an issue each costs a ``__reduce__`` call and a rebuilding call. A slot holding the same
    object in every issue is sent once, as a one-item tuple; shared objects (a rule's texts,
    the rule ids) stay shared, as pickle keeps them."""
    columns: list[Any] = []
    # every slot of an issue in one C call, then turned into columns at C speed
    slots = list(zip(*map(_SENT_GETTER, issues), strict=True)) or [() for _ in _SENT]
    for name, values in zip(_SENT, slots, strict=True):
        column = list(values)
        if (
            column
            and name in _OFTEN_SAME
            and all(map(operator.is_, column, itertools.repeat(column[0])))
        ):
            columns.append((column[0],))
        else:
            columns.append(column)
    return (len(issues), *columns)


def issues_from_columns(columns: tuple[Any, ...]) -> list[Issue]:
    """The issues :func:`issue_columns` took apart, each slot as it was."""
    count, *slots = columns
    spread = [
        itertools.repeat(column[0], count) if isinstance(column, tuple) else column
        for column in slots
    ]
    new = Issue.__new__
    issues = []
    for (
        cell,
        column_,
        fields,
        fix,
        fix_value,
        likely,
        location,
        row,
        rule,
        severity,
        sheet,
        text,
        value,
        what,
        why,
    ) in zip(*spread, strict=True):
        issue = new(Issue)
        issue._cell = cell
        issue._column = column_
        issue._fields = fields
        issue._fix = fix
        issue._fix_value = fix_value
        issue._likely = likely
        issue._location = location
        issue._row = row
        issue._rule = rule
        issue._severity = severity
        issue._sheet = sheet
        issue._text = text
        issue._value = value
        issue._what = what
        issue._why = why
        issues.append(issue)
    return issues


def _file_report(  # noqa: PLR0917  (FileReport's field order, as __reduce__ sends it)
    file: str,
    template: str | None,
    sheet: str | None,
    header_row: int | None,
    rows: int,
    columns: tuple[Any, ...],
    error: str | None,
    template_reason: str,
    extra: dict[str, Any],
) -> FileReport:
    return FileReport(
        file,
        template,
        sheet,
        header_row,
        rows,
        issues_from_columns(columns),
        error,
        template_reason,
        extra,
    )


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
    # The slots, not the properties: sorting 58,802 issues called 235,208 of them.
    return (SEVERITY_ORDER[issue._severity], issue._row, issue._cell or "", issue._rule)


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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its issues as columns (:func:`issue_columns`): a report comes back
        from the checking process at a third of the cost of one pickled object per issue."""
        return (
            _file_report,
            (
                self.file,
                self.template,
                self.sheet,
                self.header_row,
                self.rows,
                issue_columns(self.issues),
                self.error,
                self.template_reason,
                self.extra,
            ),
        )

    def count(self, severity: Severity) -> int:
        # A list of the severities counts in C: a report asks five times for 171,709 issues.
        return [issue._severity for issue in self.issues].count(severity)

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
