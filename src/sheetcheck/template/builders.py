"""Formula builders for the built-in check functions (:mod:`sheetcheck.functions.basic`).

Each mirrors its Python function: the same rows, the same cell, the same comparisons. Plug-in
functions get live checks by registering a builder under their name with
:func:`~sheetcheck.template.registry.formula_for`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..dates import EARLIEST
from ..packs import Check, Column
from .expr import Expr, Frame, Leaf, Untranslatable, all_of, any_of, probe, text_literal
from .registry import Source, ValueFormula, formula_for

if TYPE_CHECKING:  # type names only: the compiler imports the builders, never the reverse
    from .formulas import Compiler

# d/m/yyyy with the digits turned into #; looked up with FIND in one delimited string (no
# array constant, no MATCH wildcards). Text longer than 10 characters is never a date, which
# also keeps two shapes joined by "|" from matching.
_SHAPES = '"|#/#/####|##/#/####|#/##/####|##/##/####|"'
EXCEL_FIRST_YEAR = 1900  # DATE() adds 1900 to smaller years, so earlier text cannot be a date


def count_true(terms: Sequence[str]) -> str:
    """How many positions of the ranges satisfy every term (array booleans).

    Excel's SUMPRODUCT counts TRUE as 0 (LibreOffice as 1), so the product is always coerced
    with ``--`` even for a single term.
    """
    return f"SUMPRODUCT(--({'*'.join(terms)}))"


def _dmy_parts(t: str) -> tuple[str, str, str]:
    """Day, month and year of text already known to be digits/digits/4 digits."""
    slash = f'FIND("/",{t})'
    day = f"VALUE(LEFT({t},{slash}-1))"
    month = f"VALUE(MID({t},{slash}+1,LEN({t})-{slash}-5))"
    year = f"VALUE(RIGHT({t},4))"
    return day, month, year


def _date_literal(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _dmy_valid(r: str, earliest: dt.date) -> str:
    """A date cell without a time, or d/m/yyyy text naming a real day, from ``earliest`` on.

    Text: 1 or 2 digit day and month, 4 digit year (the digits are turned into # and the
    shape looked up), then the day must survive DATE() unchanged. Excel's phantom 29/2/1900
    is refused explicitly.
    """
    if earliest.year < EXCEL_FIRST_YEAR:
        raise Untranslatable(f"dates before {EXCEL_FIRST_YEAR} do not exist in Excel")
    t = f"TRIM({r})"
    digits = t
    for digit in "0123456789":
        digits = f'SUBSTITUTE({digits},"{digit}","#")'
    day, month, year = _dmy_parts(t)
    date = f"DATE({year},{month},{day})"
    tests = [
        f"LEN({t})<=10",
        f'ISNUMBER(FIND("|"&{digits}&"|",{_SHAPES}))',
        f"{year}>={earliest.year}",
    ]
    if earliest.year == EXCEL_FIRST_YEAR:
        tests.append(f"OR({year}>{EXCEL_FIRST_YEAR},{month}<>2,{day}<>29)")
    tests += [f"DAY({date})={day}", f"MONTH({date})={month}"]
    if (earliest.month, earliest.day) != (1, 1):
        tests.append(f"{date}>={_date_literal(earliest)}")
    text_ok = f"IFERROR(AND({','.join(tests)}),FALSE)"
    return f"IF(ISNUMBER({r}),AND(INT({r})={r},{r}>={_date_literal(earliest)}),{text_ok})"


def _date_formula(col: Column, earliest: dt.date) -> ValueFormula:
    name = col.name
    _dmy_valid("$A1", earliest)  # raises Untranslatable now for an impossible floor

    def valid(f: Frame) -> str:
        return _dmy_valid(f.ref(name), earliest)

    def serial(f: Frame) -> str:
        r = f.ref(name)
        day, month, year = _dmy_parts(f"TRIM({r})")
        return f"IF(ISNUMBER({r}),{r},DATE({year},{month},{day}))"

    return ValueFormula(Leaf(valid, array_safe=False), serial)


@formula_for("dmy-date")
def dmy_date(compiler: Compiler, col: Column) -> ValueFormula:
    """A real date cell without a time, or text d/m/yyyy, from 1/1/1970 or the column's
    ``earliest`` argument on (dates.parse_dmy)."""
    earliest = col.args.get("earliest")
    return _date_formula(col, dt.date.fromisoformat(earliest) if earliest else EARLIEST)


@formula_for("checksum-mod11")
def checksum_mod11(compiler: Compiler, col: Column) -> ValueFormula:
    """Digits with a modulus-11 check digit (the ULN), or one of the placeholders."""
    args = col.args
    weights: list[int] = list(args["weights"])
    length = len(weights) + 1
    offset = int(args["offset"])
    name = col.name

    def valid(f: Frame) -> str:
        r = f.ref(name)
        text = f'IF(ISNUMBER({r}),IF(INT({r})={r},TEXT({r},"0"),"x"),TRIM({r}))'
        digit = [f"MID({text},{i},1)" for i in range(1, length + 1)]
        tests = [f"LEN({text})={length}"]
        tests += [f'ISNUMBER(FIND({d},"0123456789"))' for d in digit]
        if not args.get("leading_zero", True):
            tests.append(f'{digit[0]}<>"0"')
        total = "+".join(f"VALUE({d})*{w}" for d, w in zip(digit, weights, strict=False))
        tests.append(f"MOD({offset}-({total}),11)=VALUE({digit[-1]})")
        checked = f"IFERROR(AND({','.join(tests)}),FALSE)"
        placeholders = [f"EXACT({text},{text_literal(p)})" for p in args.get("placeholders", ())]
        return f"OR({','.join([*placeholders, checked])})" if placeholders else checked

    return ValueFormula(Leaf(valid, array_safe=False))


def _dates(compiler: Compiler, names: Sequence[str]) -> list[tuple[str, Expr, ValueFormula]]:
    out = []
    for name in names:
        col = compiler.pack.column(name)
        formula = compiler.value_formula(col)
        if formula is None or formula.typed is None:
            raise Untranslatable(f"'{name}' has no date formula")
        out.append((name, formula.valid, formula))
    return out


def _compare(left: ValueFormula, op: str, right: Callable[[Frame], str] | None) -> Expr:
    """``left op right`` on typed values, FALSE where either side is not a value."""
    if left.typed is None or right is None:
        raise Untranslatable("a value without a formula")
    lt, rt = left.typed, right

    def build(f: Frame) -> str:
        return f"IFERROR({lt(f)}{op}{rt(f)},FALSE)"

    return Leaf(build, array_safe=False)


@formula_for("date-order")
def date_order(compiler: Compiler, check: Check) -> list[Source]:
    """A later column's date before any earlier column's date, flagged on the later cell."""
    dates = _dates(compiler, check.args["columns"])
    when = compiler.when(check)
    sources = []
    for position in range(1, len(dates)):
        name, valid, later = dates[position]
        earlier = [all_of((v, _compare(e, ">", later.typed))) for _, v, e in dates[:position]]
        condition = all_of((when, valid, any_of(earlier)))
        sources.append(Source(check.rule, name, condition, check.function.name))
    return sources


_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


def _shifted(formula: ValueFormula, years: int) -> Callable[[Frame], str] | None:
    """The typed date plus whole years (EDATE keeps 29 February at the month's end)."""
    typed = formula.typed
    if typed is None or not years:
        return typed

    def build(f: Frame) -> str:
        return f"EDATE({typed(f)},{12 * years})"

    return build


@formula_for("date-compare")
def date_compare(compiler: Compiler, check: Check) -> list[Source]:
    """``column op other (+ years)`` fails for any listed other date: flagged on ``column``."""
    args = check.args
    others = [args["other"]] if isinstance(args["other"], str) else list(args["other"])
    ((name, valid, formula),) = _dates(compiler, [args["column"]])
    op = _NEGATED[args["op"]]
    years = int(args.get("years", 0))
    failing = [
        all_of((other_valid, _compare(formula, op, _shifted(other, years))))
        for _, other_valid, other in _dates(compiler, others)
    ]
    condition = all_of((compiler.when(check), valid, any_of(failing)))
    return [Source(check.rule, name, condition, check.function.name)]


@formula_for("date-after-import")
def date_after_import(compiler: Compiler, check: Check) -> list[Source]:
    """A valid date later than the import date."""
    when = compiler.when(check)
    return [
        Source(
            check.rule,
            name,
            all_of((when, valid, _compare(formula, ">", lambda f: f"INT({f.import_date})"))),
            check.function.name,
        )
        for name, valid, formula in _dates(compiler, check.args["columns"])
    ]


@formula_for("date-older-than")
def date_older_than(compiler: Compiler, check: Check) -> list[Source]:
    """A valid date more than ``years`` whole years before the import date."""
    months = -12 * int(check.args["years"])
    when = compiler.when(check)
    return [
        Source(
            check.rule,
            name,
            all_of(
                (
                    when,
                    valid,
                    _compare(formula, "<", lambda f: f"EDATE(INT({f.import_date}),{months})"),
                )
            ),
            check.function.name,
        )
        for name, valid, formula in _dates(compiler, check.args["columns"])
    ]


@formula_for("duplicate-rows")
def duplicate_rows(compiler: Compiler, check: Check) -> list[Source]:
    """Every row after the first with the same key (among rows ``when`` selects), on the key cell.

    Counts the rows from the first data row down to this one with ``SUMPRODUCT``: text
    compared trimmed, case-insensitively when the check ignores case (or the column is an
    enumeration matched without case, which the engine maps to one spelling).
    """
    key: list[str] = list(check.args["key"])
    fold = bool(check.args.get("ignore_case"))
    when = compiler.when(check)

    def equal(f: Frame, name: str) -> str:
        col = compiler.pack.column(name)
        span, here = f"TRIM({f.span(name)})", f"TRIM({f.ref(name)})"
        if fold or (col.ignore_case and col.enum is not None):
            return f"({span}={here})"
        return f"EXACT({span},{here})"

    def count(f: Frame) -> str:
        terms = [equal(f, name) for name in key]
        if check.when is not None:
            terms.append(f"({when.render(f.over_span())})")
        return f"{count_true(terms)}>1"

    if check.when is not None:
        probe(when)  # raises Untranslatable now if the condition cannot run over a range
    condition = all_of((when, any_of(compiler.present(n) for n in key), Leaf(count)))
    return [Source(check.rule, compiler.pack.key_column, condition, check.function.name)]


@formula_for("reference")
def reference(compiler: Compiler, check: Check) -> list[Source]:
    """A row whose key is not on the related sheet (``expect: present`` only).

    Keys compare trimmed (repeated spaces collapsed), ignoring case when the check does; a
    row with an empty key cell is left to the required rule. With ``within``, only rows whose
    narrower key *is* listed are flagged (the wider rule reports the others).
    """
    args = check.args
    if args.get("expect", "present") != "present":
        raise Untranslatable(f"expect '{args['expect']}'")
    related = args["related"]
    other = compiler.pack.related.get(related)
    if other is None or other.origin != "sheet":
        raise Untranslatable(f"the related table '{related}' is not a sheet of this workbook")
    mains, theirs = list(args["match"]), list(args["match"].values())
    if any(
        compiler.pack.column(m).function or other.column(t).function
        for m, t in zip(mains, theirs, strict=True)
    ):
        raise Untranslatable("keys read by a function (dates) compare by value")
    fold = bool(args.get("ignore_case"))
    within = [mains.index(c) for c in args.get("within", ())]
    column = args.get("column", mains[-1])

    def count(positions: Sequence[int]) -> Callable[[Frame], str]:
        def build(f: Frame) -> str:
            terms = []
            for i in positions:
                there, here = f"TRIM({f.related(related, theirs[i])})", f"TRIM({f.ref(mains[i])})"
                terms.append(f"({there}={here})" if fold else f"EXACT({there},{here})")
            return count_true(terms)

        return build

    everything, narrow = count(range(len(mains))), count(within)
    parts: list[Expr] = [compiler.when(check), *(compiler.present(m) for m in mains)]
    parts.append(Leaf(lambda f: f"{everything(f)}=0"))
    if within:
        parts.append(Leaf(lambda f: f"{narrow(f)}>0"))
    return [Source(check.rule, column, all_of(parts), check.function.name)]


@formula_for("blank-rows")
def blank_rows(compiler: Compiler, check: Check) -> list[Source]:
    """A row in use right below a blank row (inside the data), flagged on the key cell.

    The row above the first data row is the header, never blank, so only gaps count.
    """
    names = [col.name for col in compiler.pack.columns]
    above_blank = Leaf(lambda f: "LEN(TRIM(" + "&".join(f.previous(n) for n in names) + "))=0")
    condition = all_of((compiler.when(check), above_blank))
    return [Source(check.rule, compiler.pack.key_column, condition, check.function.name)]


@formula_for("extra-spaces")
def extra_spaces(compiler: Compiler, check: Check) -> list[Source]:
    """Text with spaces around it, doubled inside, or non-breaking spaces (CHAR(160)).

    TRIM removes spaces around text and collapses runs inside; non-breaking spaces are turned
    into spaces first. Text that is nothing but spaces is an empty cell, as in the engine.
    """
    when = compiler.when(check)

    def differs(name: str) -> Expr:
        def build(f: Frame) -> str:
            r = f.ref(name)
            cleaned = f'TRIM(SUBSTITUTE({r},CHAR(160)," "))'
            return f'AND(ISTEXT({r}),{cleaned}<>"",NOT(EXACT({cleaned},{r})))'

        return Leaf(build, array_safe=False)

    return [
        Source(check.rule, name, all_of((when, differs(name))), check.function.name)
        for name in check.args["columns"]
    ]
