"""A tiny boolean expression tree that renders to Excel formula text.

The template compiler builds every check as a tree of :class:`And`, :class:`Or`, :class:`Not`
and :class:`Leaf` nodes, then renders it twice over: as a scalar formula for one row (the
conditional format and the verdict cells of the differential test) and, where a check needs
it, as an array expression over an expanding range of rows inside ``SUMPRODUCT`` (duplicate
rows). ``AND``/``OR`` aggregate arrays in Excel, so the array rendering multiplies and adds
instead. Leaves that use ``IF``/``IFERROR`` (which do not evaluate element-wise inside
``SUMPRODUCT`` in Excel before dynamic arrays) refuse the array rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


class Untranslatable(Exception):
    """A rule pack construct that has no faithful Excel formula; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Frame:
    """Where a formula is evaluated: how to write a column's reference and the import date.

    ``ref`` maps a pack column name to its reference in the current row (``$E2``); ``span`` to
    the expanding range of rows from the first data row to the current one (``$E$2:$E2``).
    In array mode ``ref`` is the span. ``import_date`` is an absolute cell reference;
    ``lists`` gives a column's range on the hidden lists sheet, when it has one; ``related``
    a related table's column range on its own sheet (table name, column name); ``previous``
    a column's cell on the row above (``$E1`` for row 2: the header above the first row).
    """

    ref: Callable[[str], str]
    span: Callable[[str], str]
    import_date: str
    lists: Callable[[str], str | None]
    related: Callable[[str, str], str] = field(default=lambda table, column: "")
    previous: Callable[[str], str] = field(default=lambda column: "")
    array: bool = False

    def over_span(self) -> Frame:
        """The same frame with every reference widened to the expanding range (array mode)."""
        return Frame(
            self.span,
            self.span,
            self.import_date,
            self.lists,
            self.related,
            self.previous,
            array=True,
        )


class Expr:
    """A boolean formula fragment."""

    def render(self, frame: Frame) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Const(Expr):
    value: bool

    def render(self, frame: Frame) -> str:
        return "TRUE" if self.value else "FALSE"


TRUE = Const(True)
FALSE = Const(False)


@dataclass(frozen=True)
class Leaf(Expr):
    """Formula text built from the frame. ``array_safe`` when it evaluates element-wise."""

    build: Callable[[Frame], str]
    array_safe: bool = True

    def render(self, frame: Frame) -> str:
        if frame.array and not self.array_safe:
            raise Untranslatable("needs IF/IFERROR, which Excel cannot evaluate over a range")
        return self.build(frame)


@dataclass(frozen=True)
class And(Expr):
    items: tuple[Expr, ...]

    def render(self, frame: Frame) -> str:
        parts = [i.render(frame) for i in self.items]
        if frame.array:
            return "(" + "*".join(f"({p})" for p in parts) + "=1)"
        return f"AND({','.join(parts)})"


@dataclass(frozen=True)
class Or(Expr):
    items: tuple[Expr, ...]

    def render(self, frame: Frame) -> str:
        parts = [i.render(frame) for i in self.items]
        if frame.array:
            return "(" + "+".join(f"({p})" for p in parts) + ">0)"
        return f"OR({','.join(parts)})"


@dataclass(frozen=True)
class Not(Expr):
    item: Expr

    def render(self, frame: Frame) -> str:
        return f"NOT({self.item.render(frame)})"


def all_of(items: Iterable[Expr]) -> Expr:
    """AND with constant folding and flattening."""
    flat: list[Expr] = []
    for item in items:
        if item == TRUE:
            continue
        if item == FALSE:
            return FALSE
        flat.extend(item.items if isinstance(item, And) else (item,))
    # (x AND (NOT x OR y)) is (x AND y): drops the "absent passes" branch of a property
    # test when the same conjunction already requires the value to be present.
    held = [i for i in flat if not isinstance(i, Or)]
    simplified: list[Expr] = []
    for item in flat:
        reduced = item
        if isinstance(item, Or):
            kept = tuple(d for d in item.items if not (isinstance(d, Not) and d.item in held))
            reduced = any_of(kept) if kept != item.items else item
            if reduced == TRUE:
                continue
        if reduced not in simplified:
            simplified.append(reduced)
    if not simplified:
        return TRUE
    return simplified[0] if len(simplified) == 1 else And(tuple(simplified))


def any_of(items: Iterable[Expr]) -> Expr:
    """OR with constant folding and flattening."""
    flat: list[Expr] = []
    for item in items:
        if item == FALSE:
            continue
        if item == TRUE:
            return TRUE
        flat.extend(item.items if isinstance(item, Or) else (item,))
    if not flat:
        return FALSE
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def negate(item: Expr) -> Expr:
    if item == TRUE:
        return FALSE
    if item == FALSE:
        return TRUE
    if isinstance(item, Not):
        return item.item
    return Not(item)


def text_literal(value: str) -> str:
    """A string as an Excel formula literal, inner quotes doubled."""
    return '"' + value.replace('"', '""') + '"'


def number_literal(value: float) -> str:
    if isinstance(value, bool):
        raise Untranslatable("a boolean where a number was expected")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def probe(item: Expr, array: bool = True) -> None:
    """Render ``item`` against placeholder references: raises Untranslatable early."""
    frame = Frame(lambda c: "$A2", lambda c: "$A$2:$A2", "$B$1", lambda c: None)
    item.render(frame.over_span() if array else frame)
