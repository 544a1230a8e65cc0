"""Named check functions: the Python that JSON Schema cannot express.

A rule pack refers to functions by name (``"function": "dmy-date"``); it never embeds code.
Two kinds exist:

``value``
    Reads one cell's value and returns a :class:`ValueResult`: the typed value later rules
    use (a ``datetime.date`` for dates) and the findings for that cell. The engine calls it
    once per *distinct* value of a column, so it must be pure.

``table``
    Sees the whole table (only the rows its ``when`` condition selects) through a
    :class:`TableView` and yields :class:`Finding` objects: cross-column and cross-row checks
    such as date order or duplicates.

Functions yield bare findings; the engine adds the rule's id, severity, message and the
location.

The dependencies point one way: this package (the registry, :class:`Finding`,
:class:`ValueResult`, :class:`Context` and the :class:`TableView` protocol) imports nothing of
the engine, the packs or the outputs. The engine implements the protocol and calls the
functions; a pack names them. The built-in modules (:data:`BUILTIN_MODULES`) are loaded by the
same loader as plug-ins: third-party packages name their modules in the
``sheetcheck.functions`` entry point group, and importing a module registers its functions
with :func:`check_function`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..dates import DMY, DateFormat

if TYPE_CHECKING:  # type names only: model is plain data, and functions never build a Table
    from ..model import CellValue, Table

ENTRY_POINT_GROUP = "sheetcheck.functions"

#: The built-in function modules, imported by the same loader as the entry point group's.
BUILTIN_MODULES = (
    "sheetcheck.functions.basic",
    "sheetcheck.functions.crossref",
    "sheetcheck.functions.learners",
    "sheetcheck.functions.reconcile",
    "sheetcheck.functions.text",
    "sheetcheck.functions.fixers",
)

Kind = Literal["value", "table"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by a function.

    ``row`` is the table row index (0-based position in the table, not the sheet row number),
    None for a finding about the whole file. ``column`` is the pack's column name the problem
    sits in (None: the row's key cell). ``params`` fill the rule's message placeholders.
    ``rule`` overrides the calling rule's id, for functions that serve several rules.
    """

    row: int | None = None
    column: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class ValueResult:
    """What a ``value`` function says about one cell: its typed value and any findings.

    A finding of a value function has no ``row`` or ``column`` (it is about the one cell);
    its ``params`` fill the message, its ``rule`` overrides the column's. A plain mapping is
    accepted too, as the params of a finding (the shape plug-ins used before), and is turned
    into a :class:`Finding` here, so every consumer sees one shape.
    """

    typed: Any
    findings: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        if any(not isinstance(f, Finding) for f in self.findings):
            shaped = tuple(f if isinstance(f, Finding) else _from_mapping(f) for f in self.findings)
            object.__setattr__(self, "findings", shaped)


def _from_mapping(params: Mapping[str, Any]) -> Finding:
    """A finding written as a plain mapping of message params (a ``rule`` key overrides)."""
    rule = params.get("rule")
    return Finding(params=dict(params), rule=str(rule) if rule is not None else None)


@dataclass(frozen=True)
class Context:
    """What checks may know beyond the table: the import date and other inputs.

    ``related`` carries the tables of the pack's related entries (another sheet of the same
    workbook, a baseline export), keyed by the name the pack uses. ``options`` holds
    pack-specific settings from the command line (cutoff date, allow_deletions...).
    ``extra`` is where checks leave report sections beyond issues (a reconciliation); the
    checker copies it into the FileReport. ``date_format`` is the pack's (the engine sets it):
    a check that writes a date into a message or a reason writes it with
    ``context.date_format.format(day)``.
    """

    import_date: dt.date = field(default_factory=dt.date.today)
    related: Mapping[str, Table] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    date_format: DateFormat = DMY


class ColumnInfo(Protocol):
    """What a check function reads of one pack column."""

    @property
    def name(self) -> str: ...


class PackInfo(Protocol):
    """What a check function reads of the rule pack behind a table."""

    @property
    def source(self) -> str: ...

    @property
    def columns(self) -> Sequence[ColumnInfo]: ...

    @property
    def key_column(self) -> str: ...

    @property
    def row_fields(self) -> Mapping[str, str]: ...


class TableView(Protocol):
    """What a table check sees: the normalized columns and the rows its ``when`` selected.

    The engine implements it (:class:`sheetcheck.engine.TableView`); a check function only
    ever reads through it. Columns are the pack's column names; per-row lists are indexed by
    table row (0-based), ``rows`` are the indexes the check should look at.
    """

    rows: Sequence[int]

    @property
    def pack(self) -> PackInfo: ...

    @property
    def sheet(self) -> str: ...

    @property
    def source(self) -> str:
        """The file the rows come from when it is not the one checked (a --baseline export:
        its name as given), else ''."""
        ...

    @property
    def header_row(self) -> int:
        """Sheet row number of the header."""
        ...

    def has(self, column: str) -> bool:
        """Whether the table has ``column`` (a column missing from the file is not there)."""
        ...

    def typed(self, column: str) -> list[Any]:
        """Per table row: the typed value (None when empty or unusable)."""
        ...

    def json(self, column: str) -> list[Any]:
        """Per table row: the normalized value (None when empty)."""
        ...

    def folded(self, column: str) -> list[Any]:
        """Per table row: the normalized value with text folded as
        :func:`sheetcheck.folding.fold_text` folds it (None when empty); the engine computes
        it once per column and shares it between checks."""
        ...

    def raw(self, column: str) -> Sequence[CellValue]:
        """Per table row: the cell value as read."""
        ...

    def row_number(self, index: int) -> int:
        """The sheet row number of table row ``index``."""
        ...

    def display(self, column: str, index: int) -> str:
        """The cell's value as a person would recognise it."""
        ...

    def cell(self, column: str, index: int) -> str:
        """The cell's reference (``C7``)."""
        ...

    def related(self, name: str) -> TableView | None:
        """The related table ``name`` as a view of all its rows, or None when absent."""
        ...

    def label(self, column: str) -> str:
        """The column's header text as written in the file."""
        ...


ValueFunc = Callable[[Any, Mapping[str, Any]], ValueResult]
TableFunc = Callable[[TableView, Mapping[str, Any], Context], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class CheckFunction:
    name: str
    kind: Kind
    func: Callable[..., Any]
    args_schema: Mapping[str, Any]
    columns_from: tuple[str, ...] = ()  # args that name pack columns (checked at load time)


_REGISTRY: dict[str, CheckFunction] = {}
_loaded_builtins = False
_loaded_entry_points = False


def check_function(
    name: str,
    kind: Kind,
    args_schema: Mapping[str, Any] | None = None,
    columns_from: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func`` under ``name``. ``args_schema`` (JSON Schema) validates the pack's args.

    ``columns_from`` lists the argument names whose values are column names (a string or a
    list of strings), so a pack naming a column it does not define is a load error.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"check function {name!r} is already registered")
        _REGISTRY[name] = CheckFunction(
            name, kind, func, args_schema or {"type": "object"}, tuple(columns_from)
        )
        return func

    return register


@dataclass(frozen=True, slots=True)
class FixRequest:
    """What a fixer sees of one finding: the cell as read, the finding's message params, and
    the column's allowed values when it has an ``enum``."""

    value: Any
    params: Mapping[str, Any] = field(default_factory=dict)
    allowed: Sequence[Any] | None = None


FixFunc = Callable[[FixRequest], Any]
VetoFunc = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True, slots=True)
class Fixer:
    """A registered fixer: the value a finding's cell should hold, or None when not certain.

    ``veto`` looks at each finding of a column the fixer serves; a reason it returns means no
    cell of that column may be fixed (a column of swapped dates), and is shown for the column.
    """

    name: str
    func: FixFunc
    veto: VetoFunc | None = None


_FIXERS: dict[str, Fixer] = {}


def fixer(name: str, veto: VetoFunc | None = None) -> Callable[[FixFunc], FixFunc]:
    """Register ``func`` as the fixer ``name``: packs mark fixable findings by naming it
    (``"fix": name`` on a column or a check). Registered and loaded like check functions."""

    def register(func: FixFunc) -> FixFunc:
        if name in _FIXERS and _FIXERS[name].func is not func:
            raise ValueError(f"fixer {name!r} is already registered")
        _FIXERS[name] = Fixer(name, func, veto)
        return func

    return register


def get_fixer(name: str) -> Fixer | None:
    """The fixer registered as ``name``, discovering built-ins and plug-ins on first use."""
    _load_builtins()
    if name not in _FIXERS:
        _load_entry_points()
    return _FIXERS.get(name)


def load_modules(names: Iterable[str]) -> None:
    """Import each named module: importing a function module registers its functions.

    The one way functions arrive, built-in or plug-in alike.
    """
    for name in names:
        importlib.import_module(name)


def _load_builtins() -> None:
    global _loaded_builtins  # noqa: PLW0603  (one-time lazy import of the built-in modules)
    if _loaded_builtins:
        return
    _loaded_builtins = True
    load_modules(BUILTIN_MODULES)


def _load_entry_points() -> None:
    global _loaded_entry_points  # noqa: PLW0603  (one-time lazy discovery)
    if _loaded_entry_points:
        return
    _loaded_entry_points = True
    from importlib.metadata import entry_points

    load_modules(entry.module for entry in entry_points(group=ENTRY_POINT_GROUP))


def get_function(name: str) -> CheckFunction | None:
    """The function registered as ``name``, discovering built-ins and plug-ins on first use."""
    _load_builtins()
    if name not in _REGISTRY:
        _load_entry_points()
    return _REGISTRY.get(name)


def registered() -> dict[str, CheckFunction]:
    """Every known function (built-in and plug-in), by name."""
    _load_builtins()
    _load_entry_points()
    return dict(_REGISTRY)


__all__ = [
    "BUILTIN_MODULES",
    "ENTRY_POINT_GROUP",
    "CheckFunction",
    "ColumnInfo",
    "Context",
    "Finding",
    "FixRequest",
    "Fixer",
    "PackInfo",
    "TableView",
    "ValueResult",
    "check_function",
    "fixer",
    "get_fixer",
    "get_function",
    "load_modules",
    "registered",
]
