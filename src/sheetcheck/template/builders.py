"""Formula builders for the built-in check functions (:mod:`sheetcheck.checks`).

Each mirrors its Python function: the same rows, the same cell, the same comparisons. Plug-in
functions get live checks by registering a builder under their name with
:func:`~sheetcheck.template.formulas.formula_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..packs import Check, Column
from .expr import Expr, Frame, Leaf, Untranslatable, all_of, any_of, probe
from .formulas import Compiler, Source, ValueFormula, formula_for

EARLIEST_SERIAL = 25569  # 1/1/1970 in the 1900 date system
_SHAPES = '{"#/#/####","##/#/####","#/##/####","##/##/####"}'


def _dmy_parts(t: str) -> tuple[str, str, str]:
    """Day, month and year of text already known to be digits/digits/4 digits."""
    slash = f'FIND("/",{t})'
    day = f"VALUE(LEFT({t},{slash}-1))"
    month = f"VALUE(MID({t},{slash}+1,LEN({t})-{slash}-5))"
    year = f"VALUE(RIGHT({t},4))"
    return day, month, year


def _dmy_text_valid(t: str) -> str:
    """d/m/yyyy text (1 or 2 digit day and month, 4 digit year), a real date from 1/1/1970."""
    digits = t
    for digit in "0123456789":
        digits = f'SUBSTITUTE({digits},"{digit}","#")'
    day, month, year = _dmy_parts(t)
    date = f"DATE({year},{month},{day})"
    return (
        f"IFERROR(AND(ISNUMBER(MATCH({digits},{_SHAPES},0)),{year}>=1970,"
        f"DAY({date})={day},MONTH({date})={month}),FALSE)"
    )


@formula_for("dmy-date")
def dmy_date(compiler: Compiler, col: Column) -> ValueFormula:
    """A real date cell without a time, or text d/m/yyyy, from 1/1/1970 (dates.parse_dmy)."""
    name = col.name

    def valid(f: Frame) -> str:
        r = f.ref(name)
        return (
            f"IF(ISNUMBER({r}),AND(INT({r})={r},{r}>={EARLIEST_SERIAL}),"
            f"{_dmy_text_valid(f'TRIM({r})')})"
        )

    def serial(f: Frame) -> str:
        r = f.ref(name)
        day, month, year = _dmy_parts(f"TRIM({r})")
        return f"IF(ISNUMBER({r}),{r},DATE({year},{month},{day}))"

    return ValueFormula(Leaf(valid, array_safe=False), serial)


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
        return f"SUMPRODUCT({'*'.join(terms)})>1"

    if check.when is not None:
        probe(when)  # raises Untranslatable now if the condition cannot run over a range
    condition = all_of((when, any_of(compiler.present(n) for n in key), Leaf(count)))
    return [Source(check.rule, compiler.pack.key_column, condition, check.function.name)]
