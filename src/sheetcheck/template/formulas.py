"""Rule pack -> Excel formulas: the live checks of a generated template.

The compiler walks the same JSON Schema the engine validates and mirrors how the engine turns
validation errors into issues: which rule id an error belongs to (the innermost
``x-sheetcheck.rule`` annotation) and which cell it is reported on (the missing columns of a
``required``, the property of a ``properties`` error, otherwise the row rule's ``column``).
Each (rule, column) pair becomes one boolean formula, TRUE when the cell has the problem; the
workbook writer turns it into a conditional format over the column's data cells.

Named check functions are translated by builders registered with :func:`~.registry.formula_for`, keyed by
the function's name. Anything without a faithful translation (a regular expression outside the
simple shapes below, a function without a builder, an unknown keyword) is recorded as
:class:`Uncovered` and listed on the Instructions sheet as checked by the Validate button and
the headless check only; :meth:`CompiledPack.covered_pack` is the pack with those parts
removed, which is exactly what the formulas claim to check (the differential test compares
against it).

Patterns translated (anything else is uncovered):

* a literal without metacharacters, unanchored (``@``), anchored at the start (``^ABC``), the
  end (``xyz$``) or both;
* ``^\\S+$``, ``^\\S*$`` and ``\\s`` (whitespace means the space character here);
* sequences anchored at both ends of ``\\d``, character classes without negation or
  shorthand escapes (``[A-Z]``, ``[A-Fa-f0-9_]``, ``[A-Za-z0-9 ]``) and literal characters,
  each optionally repeated ``{n}``, the last one also ``{m,n}`` (``^[A-Z]{2}\\d{6}[A-D]$``,
  ``^[A-Za-z0-9 ]{1,12}$``). Unbounded repeats (``+``, ``*``), alternation and groups are not.

Known differences from the engine, by design of Excel: text is trimmed with ``TRIM``, which
also collapses runs of inner spaces and leaves tabs and non-breaking spaces alone; text that
looks like a number is read with the machine's decimal separator; a number pasted into a
date column (not typed: date columns are text cells) counts as a real date.

Two spreadsheet programs differ where the differential test (LibreOffice) cannot see it, so
the formulas avoid those spots by construction: ``SUMPRODUCT`` products are coerced with
``--`` (Excel counts TRUE as 0 there), ``IF``/``IFERROR`` never run over ranges (Excel before
dynamic arrays needs them array-entered), ``DATE`` never sees a year before 1900 (Excel adds
1900 to it) and Excel's phantom 29/2/1900 is refused explicitly.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..functions import CheckFunction, ValueResult
from ..model import SEVERITY_ORDER, Severity
from ..packs import EXT, Check, Column, RulePack, strip_annotations
from . import builders  # noqa: F401  (importing registers the built-in formula builders)
from .expr import (
    FALSE,
    TRUE,
    Expr,
    Frame,
    Leaf,
    Untranslatable,
    all_of,
    any_of,
    negate,
    number_literal,
    text_literal,
)
from .registry import Source, ValueFormula, builder_for

#: Keywords that never produce a validation error (jsonschema runs without a format checker).
IGNORED = frozenset(
    {
        EXT,
        "description",
        "title",
        "$comment",
        "$id",
        "$schema",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "$defs",
    }
)
VALUE_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    }
)
INLINE_ENUM_LIMIT = 12  # longer enumerations are compared against the lists sheet


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Uncovered:
    """A part of the pack the template cannot check live (Validate button / headless only).

    ``path`` locates it for :meth:`CompiledPack.covered_pack`: ``("column", name, *keys)``,
    ``("row", index, *keys)`` or ``("check", index)``/``("function", column name)``.
    """

    rule: str
    column: str | None
    path: tuple[Any, ...]
    reason: str

    @property
    def where(self) -> str:
        kind, *rest = self.path
        return f"{kind} " + "/".join(str(p) for p in rest)


@dataclass(frozen=True)
class CompiledRule:
    """The conditional format of one rule on one column: TRUE where the cell has the problem."""

    rule: str
    severity: Severity
    column: str
    condition: Expr
    origins: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """Where things are in the workbook, for rendering references."""

    sheet_columns: Mapping[str, str]  # pack column -> column letter on the data sheet
    first_row: int
    import_date: str  # absolute reference to the import date cell
    lists: Mapping[str, str]  # pack column -> absolute range of its members on the lists sheet
    related: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> range

    def frame(self, row: int) -> Frame:
        first = self.first_row

        def ref(column: str) -> str:
            return f"${self.sheet_columns[column]}{row}"

        def span(column: str) -> str:
            letter = self.sheet_columns[column]
            return f"${letter}${first}:${letter}{row}"

        def related(table: str, column: str) -> str:
            where = self.related.get((table, column))
            if where is None:
                raise Untranslatable(f"the related table '{table}' is not a sheet of this workbook")
            return where

        def previous(column: str) -> str:
            return f"${self.sheet_columns[column]}{row - 1}"

        return Frame(ref, span, self.import_date, self.lists.get, related, previous)


@dataclass(frozen=True)
class CompiledPack:
    pack: RulePack
    rules: tuple[CompiledRule, ...]
    uncovered: tuple[Uncovered, ...]
    row_in_use: Expr

    def formula(self, rule: CompiledRule, layout: Layout, row: int) -> str:
        """The formula text (without '=') of ``rule`` evaluated on sheet row ``row``.

        The conditional format uses the text for the first data row (relative rows, absolute
        columns), so Excel shifts it down exactly as the text for ``row`` reads.
        """
        return all_of((self.row_in_use, rule.condition)).render(layout.frame(row))

    def covered_pack(self) -> RulePack:
        """The pack without the parts the formulas cannot check: what the template verifies."""
        return _without(self.pack, self.uncovered)


# --------------------------------------------------------------------------- compiler


def compile_pack(pack: RulePack) -> CompiledPack:
    """Every (rule, column) conditional format the pack's rules allow, plus what is left out."""
    return Compiler(pack).run()


class Compiler:
    """Walks a pack's columns, row rules and checks into :class:`Source` conditions."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self.sources: list[Source] = []
        self.uncovered: list[Uncovered] = []
        self._value_formulas: dict[str, ValueFormula | None] = {}
        self._present: dict[str, Expr] = {}

    # ---- entry
    def run(self) -> CompiledPack:
        for col in self.pack.columns:
            self._column(col)
        for index, row_rule in enumerate(self.pack.row_rules):
            default = row_rule.column or self.pack.key_column
            self._row_sources(row_rule.rule, row_rule.schema, ("row", index), TRUE, default=default)
        for index, check in enumerate(self.pack.checks):
            self._check(index, check)
        return CompiledPack(self.pack, self._group(), tuple(self.uncovered), self._row_in_use())

    def _row_in_use(self) -> Expr:
        names = [c.name for c in self.pack.columns]
        return Leaf(lambda f: "LEN(TRIM(" + "&".join(f.ref(n) for n in names) + "))>0")

    def _group(self) -> tuple[CompiledRule, ...]:
        grouped: dict[tuple[str, str], list[Source]] = {}
        for source in self.sources:
            if source.condition != FALSE:
                grouped.setdefault((source.rule, source.column), []).append(source)
        rule_order = {rid: i for i, rid in enumerate(self.pack.rules)}
        col_order = {c.name: i for i, c in enumerate(self.pack.columns)}
        compiled = [
            CompiledRule(
                rule,
                self.pack.rules[rule].severity,
                column,
                self._unless_stronger(rule, any_of(s.condition for s in sources)),
                tuple(dict.fromkeys(s.origin for s in sources)),
            )
            for (rule, column), sources in grouped.items()
        ]
        compiled.sort(
            key=lambda r: (SEVERITY_ORDER[r.severity], rule_order[r.rule], col_order[r.column])
        )
        return tuple(compiled)

    def _unless_stronger(self, rule: str, condition: Expr) -> Expr:
        """As the engine does (``yields_to``): not where a stronger rule flags the same row."""
        stronger = {s for c in self.pack.checks if c.rule == rule for s in c.yields_to}
        others = [s.condition for s in self.sources if s.rule in stronger and s.condition != FALSE]
        return all_of((condition, negate(any_of(others)))) if others else condition

    def add(self, rule: str, column: str, condition: Expr, origin: str) -> None:
        self.sources.append(Source(rule, column, condition, origin))

    def miss(self, rule: str, column: str | None, path: tuple[Any, ...], reason: str) -> None:
        self.uncovered.append(Uncovered(rule, column, path, reason))

    # ---- cell helpers
    def present(self, column: str) -> Expr:
        """TRUE when the cell is not empty after trimming (one shared node per column)."""
        if column not in self._present:
            self._present[column] = Leaf(lambda f: f"LEN(TRIM({f.ref(column)}))>0")
        return self._present[column]

    def value_formula(self, col: Column) -> ValueFormula | None:
        """The value function's formula for ``col`` (None: no builder, or it cannot translate)."""
        if col.function is None:
            return None
        if col.name not in self._value_formulas:
            builder = builder_for(col.function.name)
            formula = None
            if builder is not None:
                try:
                    formula = builder(self, col)
                except Untranslatable:
                    formula = None
            self._value_formulas[col.name] = formula
        return self._value_formulas[col.name]

    # ---- columns
    def _column(self, col: Column) -> None:
        rule = col.rule or ""
        if col.function is not None:
            formula = self.value_formula(col)
            if formula is None:
                self.miss(rule, col.name, ("function", col.name), f"function {col.function.name}")
            else:
                self.add(
                    rule,
                    col.name,
                    all_of((self.present(col.name), negate(formula.valid))),
                    f"{col.name}: {col.function.name}",
                )
            return  # the engine validates a function column through its function only
        values = ValueTests(self, col)
        self._value_sources(values, col.schema, ("column", col.name), rule, self.present(col.name))

    def _value_sources(
        self, values: ValueTests, schema: Any, path: tuple[Any, ...], rule: str, guard: Expr
    ) -> None:
        column = values.col.name
        if isinstance(schema, bool):
            if not schema:
                self.add(rule, column, guard, _origin(path))
            return
        annotation = schema.get(EXT)
        if len(path) > 2 and isinstance(annotation, Mapping) and "rule" in annotation:
            rule = annotation["rule"]
        for key, value in schema.items():
            here = (*path, key)
            if key in IGNORED or key in ("then", "else"):
                continue
            try:
                if key in VALUE_KEYWORDS:
                    self.add(
                        rule,
                        column,
                        all_of((guard, negate(values.keyword(key, value)))),
                        _origin(here),
                    )
                elif key == "allOf":
                    for i, sub in enumerate(value):
                        self._value_sources(values, sub, (*here, i), rule, guard)
                elif key == "if":
                    self._value_if(values, schema, path, rule, guard)
                elif key in ("anyOf", "oneOf", "not"):
                    failing = negate(values.passes({key: value}))
                    self.add(rule, column, all_of((guard, failing)), _origin(here))
                else:
                    raise Untranslatable(f"keyword '{key}'")
            except Untranslatable as err:
                self.miss(rule, column, here, err.reason)

    def _value_if(
        self,
        values: ValueTests,
        schema: Mapping[str, Any],
        path: tuple[Any, ...],
        rule: str,
        guard: Expr,
    ) -> None:
        try:
            condition = values.passes(schema["if"])
        except Untranslatable as err:
            for branch in ("then", "else"):
                if branch in schema:
                    self.miss(rule, values.col.name, (*path, branch), f"its 'if' has {err.reason}")
            return
        if "then" in schema:
            self._value_sources(
                values, schema["then"], (*path, "then"), rule, all_of((guard, condition))
            )
        if "else" in schema:
            self._value_sources(
                values, schema["else"], (*path, "else"), rule, all_of((guard, negate(condition)))
            )

    # ---- row rules
    def _row_sources(
        self,
        rule: str,
        schema: Any,
        path: tuple[Any, ...],
        guard: Expr,
        *,
        default: str,
    ) -> None:
        if isinstance(schema, bool):
            if not schema:
                self.add(rule, default, guard, _origin(path))
            return
        for key, value in schema.items():
            here = (*path, key)
            if key in IGNORED or key in ("then", "else"):
                continue
            try:
                if key == "required":
                    for name in value:
                        self.add(
                            rule, name, all_of((guard, negate(self.present(name)))), _origin(here)
                        )
                elif key == "properties":
                    for name, sub in value.items():
                        try:
                            ok = ValueTests(self, self.pack.column(name)).passes(sub)
                        except Untranslatable as err:
                            self.miss(rule, name, (*here, name), err.reason)
                            continue
                        failing = all_of((guard, self.present(name), negate(ok)))
                        self.add(rule, name, failing, _origin((*here, name)))
                elif key == "allOf":
                    for i, sub in enumerate(value):
                        self._row_sources(rule, sub, (*here, i), guard, default=default)
                elif key == "if":
                    self._row_if(rule, schema, path, guard, default=default)
                elif key == "type" and value == "object":
                    continue
                else:
                    failing = negate(self.row_passes({key: value}))
                    self.add(rule, default, all_of((guard, failing)), _origin(here))
            except Untranslatable as err:
                self.miss(rule, default, here, err.reason)

    def _row_if(
        self,
        rule: str,
        schema: Mapping[str, Any],
        path: tuple[Any, ...],
        guard: Expr,
        *,
        default: str,
    ) -> None:
        try:
            condition = self.row_passes(schema["if"])
        except Untranslatable as err:
            for branch in ("then", "else"):
                if branch in schema:
                    self.miss(rule, default, (*path, branch), f"its 'if' has {err.reason}")
            return
        for branch, when in (("then", condition), ("else", negate(condition))):
            if branch in schema:
                self._row_sources(
                    rule, schema[branch], (*path, branch), all_of((guard, when)), default=default
                )

    def row_passes(self, schema: Any) -> Expr:
        """TRUE when a row satisfies the row-level schema fragment ``schema``."""
        if isinstance(schema, bool):
            return TRUE if schema else FALSE
        parts: list[Expr] = []
        for key, value in schema.items():
            if key in IGNORED or key in ("then", "else"):
                continue
            if key == "required":
                parts.extend(self.present(name) for name in value)
            elif key == "properties":
                for name, sub in value.items():
                    ok = ValueTests(self, self.pack.column(name)).passes(sub)
                    parts.append(any_of((negate(self.present(name)), ok)))
            elif key == "dependentRequired":
                for name, needs in value.items():
                    parts.append(
                        any_of((negate(self.present(name)), all_of(self.present(n) for n in needs)))
                    )
            elif key == "allOf":
                parts.extend(self.row_passes(sub) for sub in value)
            elif key == "anyOf":
                parts.append(any_of(self.row_passes(sub) for sub in value))
            elif key == "oneOf":
                parts.append(exactly_one([self.row_passes(sub) for sub in value]))
            elif key == "not":
                parts.append(negate(self.row_passes(value)))
            elif key == "if":
                parts.append(
                    _if_then_else(
                        self.row_passes(value),
                        self.row_passes(schema.get("then", True)),
                        self.row_passes(schema.get("else", True)),
                    )
                )
            elif key == "type" and value == "object":
                continue
            else:
                raise Untranslatable(f"row keyword '{key}'")
        return all_of(parts)

    # ---- checks
    def _check(self, index: int, check: Check) -> None:
        builder = builder_for(check.function.name)
        path = ("check", index)
        if builder is None:
            self.miss(check.rule, None, path, f"function {check.function.name}")
            return
        try:
            sources = builder(self, check)
        except Untranslatable as err:
            self.miss(check.rule, None, path, f"function {check.function.name}: {err.reason}")
            return
        self.sources.extend(sources)

    def when(self, check: Check) -> Expr:
        """The check's ``when`` condition for the current row (TRUE without one)."""
        if check.when is None:
            return TRUE
        return self.row_passes(strip_annotations(check.when.schema))


def _if_then_else(condition: Expr, then: Expr, otherwise: Expr) -> Expr:
    return any_of((all_of((condition, then)), all_of((negate(condition), otherwise))))


def exactly_one(items: Sequence[Expr]) -> Expr:
    """TRUE when exactly one of ``items`` holds (JSON Schema oneOf)."""
    return Leaf(
        lambda f: "(" + "+".join(f"--({i.render(f)})" for i in items) + ")=1",
        array_safe=all(_array_safe(i) for i in items),
    )


def _array_safe(item: Expr) -> bool:
    return not isinstance(item, Leaf) or item.array_safe


def _origin(path: tuple[Any, ...]) -> str:
    kind, *rest = path
    return f"{kind} " + "/".join(str(p) for p in rest)


# --------------------------------------------------------------------------- cell values


class ValueTests:
    """JSON Schema keywords on one column's value, as the engine normalizes it.

    The engine strips text, coerces number-looking text in number columns to numbers, maps
    enumeration members to their canonical spelling when the column ignores case, and gives
    every other column its text. Each test here is TRUE when the keyword passes and never
    evaluates to an error value (an error would silently switch a conditional format off).
    """

    def __init__(self, compiler: Compiler, col: Column) -> None:
        self.compiler = compiler
        self.col = col
        kind = col.json_type
        if kind in ("number", "integer"):
            self.kind = "number"
        elif kind == "string" or col.enum is not None:
            self.kind = "text"
        else:
            self.kind = "mixed"  # numbers stay numbers, text stays text

    # ---- building blocks
    def ref(self, f: Frame) -> str:
        return f.ref(self.col.name)

    def trimmed(self, f: Frame) -> str:
        return f"TRIM({self.ref(f)})"

    def is_number(self) -> Expr:
        """Number cell, or text the engine reads as a number ([+-]digits[.digits][e[+-]n])."""
        if self.kind == "text":
            return FALSE
        if self.kind == "mixed":
            return Leaf(lambda f: f"ISNUMBER({self.ref(f)})")

        def numeric_text(f: Frame) -> str:
            t = self.trimmed(f)
            stripped = t
            for char in "0123456789.+-eE":
                stripped = f'SUBSTITUTE({stripped},"{char}","")'
            rest = f'SUBSTITUTE(SUBSTITUTE(MID({t},2,255),"e-",""),"E-","")'
            return (
                f'(LEN({t})>0)*(LEN({stripped})=0)*ISERROR(FIND("-",{rest}))*ISNUMBER(VALUE({t}))=1'
            )

        return any_of((Leaf(lambda f: f"ISNUMBER({self.ref(f)})"), Leaf(numeric_text)))

    def number(self, f: Frame) -> str:
        """The numeric value (only meaningful where :meth:`is_number` holds)."""
        r = self.ref(f)
        return f"IF(ISNUMBER({r}),{r},VALUE(TRIM({r})))"

    def is_text(self) -> Expr:
        if self.kind == "text":
            return TRUE
        return negate(self.is_number())

    # ---- keywords
    def keyword(self, key: str, value: Any) -> Expr:
        if self.col.function is not None:
            raise Untranslatable(
                f"'{key}' on a column read by the {self.col.function.name} function"
            )
        if key == "type":
            kinds = value if isinstance(value, list) else [value]
            return any_of(self._type(k) for k in kinds)
        if key == "enum":
            return self._enum(value)
        if key == "const":
            return self.equals(value)
        if key == "pattern":
            return any_of((negate(self.is_text()), translate_pattern(value, self.trimmed)))
        if key in ("minLength", "maxLength"):
            op = ">=" if key == "minLength" else "<="
            length = Leaf(lambda f: f"LEN({self.trimmed(f)}){op}{int(value)}")
            return any_of((negate(self.is_text()), length))
        ops = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
        if key in ops:
            op, bound = ops[key], number_literal(value)
            if self.kind == "text":
                return TRUE
            compare = Leaf(
                lambda f: f"IFERROR({self.number(f)}{op}{bound},FALSE)", array_safe=False
            )
            return any_of((negate(self.is_number()), compare))
        raise Untranslatable(f"keyword '{key}'")

    def _type(self, kind: str) -> Expr:
        if kind == "string":
            return self.is_text()
        if kind == "number":
            return self.is_number()
        if kind == "integer":
            whole = Leaf(
                lambda f: f"IFERROR(INT({self.number(f)})={self.number(f)},FALSE)", array_safe=False
            )
            return all_of((self.is_number(), whole))
        raise Untranslatable(f"type '{kind}'")

    def _enum(self, members: Sequence[Any]) -> Expr:
        lists_range = None
        if len(members) > INLINE_ENUM_LIMIT and all(isinstance(m, str) for m in members):
            lists_range = members
        if lists_range is None:
            return any_of(self.equals(m) for m in members)
        fold = self._folds(members)
        name = self.col.name

        def against_list(f: Frame) -> str:
            where = f.lists(name)  # the lists sheet holds the members as text
            if where is None or f.array:
                return any_of(self.equals(m) for m in members).render(f)
            test = f"TRIM({f.ref(name)})={where}" if fold else f"EXACT(TRIM({f.ref(name)}),{where})"
            return f"SUMPRODUCT(--({test}))>0"

        return all_of((self.is_text(), Leaf(against_list)))

    def _folds(self, members: Iterable[Any]) -> bool:
        """Whether comparing with these members ignores case (the engine's canonical mapping)."""
        own = set(self.col.enum or ())
        return self.col.ignore_case and all(m in own for m in members)

    def equals(self, member: Any) -> Expr:
        """TRUE when the normalized value equals ``member`` (JSON equality)."""
        if isinstance(member, str):
            literal = text_literal(member)
            if self._folds([member]):
                test = Leaf(lambda f: f"{self.trimmed(f)}={literal}")
            else:
                test = Leaf(lambda f: f"EXACT({self.trimmed(f)},{literal})")
            return all_of((self.is_text(), test))
        if isinstance(member, (int, float)) and not isinstance(member, bool):
            if self.kind == "text":
                return FALSE
            literal = number_literal(member)
            same = Leaf(lambda f: f"IFERROR({self.number(f)}={literal},FALSE)", array_safe=False)
            return all_of((self.is_number(), same))
        raise Untranslatable(f"comparison with {member!r}")

    def passes(self, schema: Any) -> Expr:
        """TRUE when the value satisfies ``schema`` (exactly, or Untranslatable)."""
        if isinstance(schema, bool):
            return TRUE if schema else FALSE
        parts: list[Expr] = []
        for key, value in schema.items():
            if key in IGNORED or key in ("then", "else"):
                continue
            if key in VALUE_KEYWORDS:
                parts.append(self.keyword(key, value))
            elif key == "allOf":
                parts.extend(self.passes(sub) for sub in value)
            elif key == "anyOf":
                parts.append(any_of(self.passes(sub) for sub in value))
            elif key == "oneOf":
                parts.append(exactly_one([self.passes(sub) for sub in value]))
            elif key == "not":
                parts.append(negate(self.passes(value)))
            elif key == "if":
                parts.append(
                    _if_then_else(
                        self.passes(value),
                        self.passes(schema.get("then", True)),
                        self.passes(schema.get("else", True)),
                    )
                )
            else:
                raise Untranslatable(f"keyword '{key}'")
        return all_of(parts)


# --------------------------------------------------------------------------- patterns

_DIGITS = "0123456789"


def _class_chars(text: str) -> str | None:
    """The characters a simple class allows (``\\d``, ``[A-Fa-f0-9_]``); None otherwise."""
    if text == r"\d":
        return _DIGITS
    body = text[1:-1]
    if not body or body.startswith("^"):
        return None
    chars: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith(r"\d", i):
            chars.extend(_DIGITS)
            i += 2
            continue
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1].isalnum():
                return None  # \s, \w... are not translated
            char = body[i + 1]
            i += 1
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = char, body[i + 2]
            if high == "\\" or ord(high) < ord(low):
                return None
            chars.extend(chr(c) for c in range(ord(low), ord(high) + 1))
            i += 3
            continue
        chars.append(char)
        i += 1
    unique = "".join(dict.fromkeys(chars))
    return unique if len(unique) <= 100 else None


_META = set(r".^$*+?()[]{}|\\")
_ELEMENT = re.compile(
    r"(?P<cls>\\d|\[[^\]]+\])|\\(?P<esc>[^A-Za-z0-9])|(?P<lit>[^.^$*+?()\[\]{}|\\])"
)
_COUNT = re.compile(r"\{(\d+)(?:,(\d+))?\}")


def translate_pattern(pattern: str, text: Callable[[Frame], str]) -> Expr:
    """A JSON Schema ``pattern`` (re.search semantics) on ``text``, for the simple shapes."""
    if pattern in (r"^\S+$", r"^\S*$"):
        no_space = Leaf(lambda f: f'ISERROR(FIND(" ",{text(f)}))')
        if pattern.endswith("+$"):
            return all_of((Leaf(lambda f: f"LEN({text(f)})>0"), no_space))
        return no_space
    if pattern == r"\s":
        return Leaf(lambda f: f'ISNUMBER(FIND(" ",{text(f)}))')
    start, end = pattern.startswith("^"), pattern.endswith("$") and not pattern.endswith("\\$")
    body = pattern[1 if start else 0 : len(pattern) - (1 if end else 0)]
    literal = _literal(body)
    if literal is not None:
        lit = text_literal(literal)
        n = len(literal)
        if start and end:
            return Leaf(lambda f: f"EXACT({text(f)},{lit})")
        if start:
            return Leaf(lambda f: f"EXACT(LEFT({text(f)},{n}),{lit})")
        if end:
            return Leaf(lambda f: f"EXACT(RIGHT({text(f)},{n}),{lit})")
        return Leaf(lambda f: f"ISNUMBER(FIND({lit},{text(f)}))")
    if start and end:
        sequence = _fixed_sequence(body)
        if sequence is not None:
            return _positions_test(sequence, text)
    raise Untranslatable(f"the pattern {pattern}")


def _literal(body: str) -> str | None:
    out = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body) and not body[i + 1].isalnum():
            out.append(body[i + 1])
            i += 2
            continue
        if char in _META:
            return None
        out.append(char)
        i += 1
    return "".join(out) if out else None


def _fixed_sequence(body: str) -> tuple[list[str], int] | None:
    """Per position, the characters allowed, and how many trailing positions are optional.

    None when the body is not a sequence of single characters/classes with ``{n}`` counts,
    of which only the last may have a range ``{m,n}``.
    """
    positions: list[str] = []
    optional = 0
    i = 0
    while i < len(body):
        if optional:
            return None  # a range count must be the last element
        match = _ELEMENT.match(body, i)
        if match is None:
            return None
        if match.group("cls"):
            chars = _class_chars(match.group("cls"))
            if chars is None:
                return None
        else:
            chars = match.group("esc") or match.group("lit")
        i = match.end()
        count = _COUNT.match(body, i)
        low = high = 1
        if count:
            low = int(count.group(1))
            high = int(count.group(2)) if count.group(2) else low
            i = count.end()
        if high < low or high > 255:
            return None
        positions.extend([chars] * high)
        optional = high - low
    return (positions, optional) if positions else None


def _positions_test(sequence: tuple[list[str], int], text: Callable[[Frame], str]) -> Expr:
    positions, optional = sequence
    longest = len(positions)
    shortest = longest - optional
    if optional:
        length: Expr = all_of(
            (
                Leaf(lambda f: f"LEN({text(f)})>={shortest}"),
                Leaf(lambda f: f"LEN({text(f)})<={longest}"),
            )
        )
    else:
        length = Leaf(lambda f: f"LEN({text(f)})={longest}")
    tests: list[Expr] = [length]
    tests.extend(
        _position_test(index, text_literal(chars), text, index > shortest)
        for index, chars in enumerate(positions, start=1)
    )
    return all_of(tests)


def _position_test(index: int, allowed: str, text: Callable[[Frame], str], optional: bool) -> Expr:
    """The character at ``index`` is one of ``allowed`` (or absent, for optional positions)."""
    if optional:
        return Leaf(
            lambda f: (
                f"OR(LEN({text(f)})<{index},ISNUMBER(FIND(MID({text(f)},{index},1),{allowed})))"
            ),
            array_safe=False,
        )
    return Leaf(lambda f: f"ISNUMBER(FIND(MID({text(f)},{index},1),{allowed}))")


# --------------------------------------------------------------------------- covered pack


def _without(pack: RulePack, uncovered: Sequence[Uncovered]) -> RulePack:
    columns = {c.name: c for c in pack.columns}
    row_rules = list(pack.row_rules)
    dropped_checks: set[int] = set()
    for item in uncovered:
        kind, *rest = item.path
        if kind == "column":
            name, *keys = rest
            col = columns[name]
            schema = copy.deepcopy(dict(col.schema))
            _delete(schema, keys)
            columns[name] = dataclasses.replace(col, schema=schema)
        elif kind == "row":
            index, *keys = rest
            row_rule = row_rules[index]
            schema = copy.deepcopy(dict(row_rule.schema))
            _delete(schema, keys)
            row_rules[index] = dataclasses.replace(row_rule, schema=schema)
        elif kind == "function":
            col = columns[rest[0]]
            assert col.function is not None
            columns[rest[0]] = dataclasses.replace(col, function=_silenced(col.function))
        elif kind == "check":
            dropped_checks.add(rest[0])
    return dataclasses.replace(
        pack,
        columns=tuple(columns[c.name] for c in pack.columns),
        row_rules=tuple(row_rules),
        checks=tuple(c for i, c in enumerate(pack.checks) if i not in dropped_checks),
    )


def _delete(schema: Any, keys: Sequence[Any]) -> None:
    node = schema
    for key in keys[:-1]:
        node = node[key]
    del node[keys[-1]]


def _silenced(function: CheckFunction) -> CheckFunction:
    """The value function with its typed value kept and its findings dropped."""
    original = function.func

    def typed_only(value: Any, args: Mapping[str, Any]) -> ValueResult:
        return ValueResult(original(value, args).typed)

    return dataclasses.replace(function, func=typed_only)
