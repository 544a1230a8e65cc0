"""The formula builders' registry: which check function becomes which Excel formula.

One name, two registries: :mod:`sheetcheck.functions` holds what a check function means,
this module how the template says it as a formula. Builders (:mod:`.builders`) register here
and the compiler (:mod:`.formulas`) looks them up; this module imports neither, so the two
do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..packs import Check, Column
from .expr import Expr, Frame

if TYPE_CHECKING:  # type names only: the compiler imports this module, never the reverse
    from .formulas import Compiler


@dataclass(frozen=True)
class Source:
    """One way a rule fires on a column, and the schema location or function it comes from."""

    rule: str
    column: str
    condition: Expr
    origin: str


ValueFormulaBuilder = Callable[["Compiler", Column], "ValueFormula"]
TableFormulaBuilder = Callable[["Compiler", Check], list[Source]]
_BUILDERS: dict[str, Callable[..., Any]] = {}


@dataclass(frozen=True)
class ValueFormula:
    """What a value function's formula builder provides for one column.

    ``valid`` is TRUE when the (non-empty) cell passes the function; ``typed`` renders the
    typed value as a formula (a date serial for dates) for table checks to compare; it is only
    evaluated where ``valid`` holds, and callers wrap comparisons in ``IFERROR``.
    """

    valid: Expr
    typed: Callable[[Frame], str] | None = None


def formula_for(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the formula builder of the check function ``name``.

    For a ``value`` function the builder is ``(compiler, column) -> ValueFormula``; for a
    ``table`` function ``(compiler, check) -> list[Source]`` (the cells the check flags,
    with their conditions). Functions without a builder are reported as uncovered.
    """

    def register(builder: Callable[..., Any]) -> Callable[..., Any]:
        _BUILDERS[name] = builder
        return builder

    return register


def builder_for(name: str) -> Callable[..., Any] | None:
    """The formula builder registered for ``name`` (the compiler imports the built-in ones)."""
    return _BUILDERS.get(name)
