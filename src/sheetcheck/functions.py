"""Named check functions: the Python that JSON Schema cannot express.

A rule pack refers to functions by name (``"function": "dmy-date"``); it never embeds code.
Two kinds exist:

``value``
    Reads one cell's value and returns a :class:`ValueResult`: the typed value later rules
    use (a ``datetime.date`` for dates) and the findings for that cell. The engine calls it
    once per *distinct* value of a column, so it must be pure.

``table``
    Sees the whole table (only the rows its ``when`` condition selects) through a
    :class:`~sheetcheck.engine.TableView` and yields :class:`Finding` objects: cross-column
    and cross-row checks such as date order or duplicates.

Functions yield bare findings; the engine adds the rule's id, severity, message and the
location. Third-party packages register more through the ``sheetcheck.functions`` entry point
group: each entry point names a module, importing it registers its functions with
:func:`check_function`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .engine import Context, TableView

ENTRY_POINT_GROUP = "sheetcheck.functions"

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
    """What a ``value`` function says about one cell: its typed value and any findings."""

    typed: Any
    findings: tuple[Mapping[str, Any], ...] = ()


ValueFunc = Callable[[Any, Mapping[str, Any]], ValueResult]
TableFunc = Callable[["TableView", Mapping[str, Any], "Context"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class CheckFunction:
    name: str
    kind: Kind
    func: Callable[..., Any]
    args_schema: Mapping[str, Any]
    columns_from: tuple[str, ...] = ()  # args that name pack columns (checked at load time)


_REGISTRY: dict[str, CheckFunction] = {}
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


def _load_builtins() -> None:
    from . import checks, checks_crossref, checks_ilr  # noqa: F401  (importing registers the built-in functions)


def _load_entry_points() -> None:
    global _loaded_entry_points  # noqa: PLW0603  (one-time lazy discovery)
    if _loaded_entry_points:
        return
    _loaded_entry_points = True
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        entry.load()


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
