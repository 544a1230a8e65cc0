"""The engine's fast paths (issue 15) report exactly what the former, plainer code reported.

Each fast path keeps its former implementation here as the reference. The engine is run both
ways (the reference swapped in with monkeypatch) over generated tables (hypothesis), the bundled
samples and the shared corpus, and every report format must come out byte for byte the same;
the pieces are also compared one by one on generated values.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assert_same, require_corpus
from enrollment import IMPORT_DATE, table
from sheetcheck import checker, compiled, engine, tables
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.engine import Context, check_table
from sheetcheck.errors import SheetcheckError
from sheetcheck.folding import fold_text
from sheetcheck.functions import Finding, TableView, basic, text
from sheetcheck.limits import Limits
from sheetcheck.model import (
    CellError,
    Issue,
    Table,
    UncachedFormula,
)
from sheetcheck.packs import load_pack
from sheetcheck.pool import Failed, map_isolated
from sheetcheck.readers import SheetGrid

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbook_templates" / "samples").glob("*.xlsx"))


# --------------------------------------------------------------------------- the references


class _FoldMemo(dict[Any, Any]):
    def __missing__(self, value: Any) -> Any:
        folded = self[value] = fold_text(value) if value.__class__ is str else value
        return folded


def reference_duplicate_rows(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """duplicate-rows as it was: each check folds its own key columns, all rows zipped."""
    fold = bool(args.get("ignore_case"))
    columns = [
        list(map(_FoldMemo().__getitem__, view.json(c))) if fold else view.json(c)
        for c in args["key"]
    ]
    keys = list(zip(*columns, strict=True))
    rows = view.rows
    if not (isinstance(rows, range) and rows == range(len(keys))):
        keys = [keys[i] for i in rows]
    empty = (None,) * len(columns)
    positions = range(len(keys))
    seen: dict[tuple[Any, ...], int] = {}
    firsts: list[int] = list(map(seen.setdefault, keys, positions))
    for position in itertools.compress(positions, map(operator.ne, firsts, positions)):
        if keys[position] != empty:
            first_row = view.row_number(rows[firsts[position]])
            yield Finding(rows[position], None, {"first_row": first_row})


def reference_folded(self: Any, column: str) -> list[Any]:
    """Folded anew on every call."""
    return list(map(_FoldMemo().__getitem__, self.json(column)))


def reference_extra_spaces(
    view: TableView, args: Mapping[str, Any], context: Context
) -> Iterator[Finding]:
    """extra-spaces as it was: every row in view visited in turn."""
    for column in args["columns"]:
        if not view.has(column):
            continue
        raw = view.raw(column)
        verdicts: dict[str, str | None] = {}
        for index in view.rows:
            value = raw[index]
            if value.__class__ is not str:
                continue
            if value not in verdicts:
                cleaned = text.without_extra_spaces(value)
                verdicts[value] = text._what(value) if cleaned and cleaned != value else None
            spaces = verdicts[value]
            if spaces is not None:
                yield Finding(index, column, {"spaces": spaces})


REFERENCE_FUNCTIONS = {
    "duplicate-rows": reference_duplicate_rows,
    "extra-spaces": reference_extra_spaces,
}


def reference_compile(schema: Any) -> Any:
    """The compiled column schema as it was: the failing paths collected for every value."""
    try:
        return compiled._compile(schema)
    except compiled.Unsupported:
        return None


def reference_findings(self: Any, json: Any) -> tuple[Finding, ...]:
    """_ValueNormalizer._findings as it was (no early return for a passing value)."""
    found: dict[str, dict[str, Any]] = {}
    for path in self.validate(json):
        annotation = self._annotations.get(path)
        if annotation is None:
            annotation = self._annotations[path] = engine._annotation_for(self.col.schema, path)
        rule, params = annotation[0], dict(annotation[1])
        rule = rule or self.col.rule or ""
        if rule in found:
            continue
        if self.col.enum is not None and self.col.fix is None and path and path[-1] == "enum":
            params = {**params, **engine._enum_suggestion(json, self.col.enum)}
        found[rule] = params
    return tuple(Finding(rule=rule, params=params) for rule, params in found.items())


def reference_present(self: Any, column: str) -> list[bool]:
    """Presence as the row rules computed it, anew for each use."""
    return [v is not None for v in self.json(column)]


def reference_row_rules(self: Any) -> None:
    """The row rules' issues, every row's verdict looked at in turn."""
    rules = [r for r in self.pack.row_rules if self._available(r)]
    if not rules:
        return
    params = [dict(r.params) for r in rules]
    for index, errors in enumerate(engine._row_verdicts(self, rules)):
        for rule_id, column, entry in errors:
            self._emit(rule_id, column, index, params[entry])


def reference_accepted_rows(checker: Any, when: Any) -> list[int]:
    return [i for i, errors in enumerate(engine._row_verdicts(checker, [when])) if not errors]


def reference_table_check(self: Any, check: Any) -> None:
    """The engine's table check, calling the reference of each function that has one."""
    if check.when is not None:
        if not self._available(check.when):
            return
        rows: Sequence[int] = reference_accepted_rows(self, check.when)
    else:
        rows = range(len(self.table))
    columns = engine._columns_named(check.function.columns_from, check.args)
    if any(c not in self.norms for c in columns):
        return
    view = engine.TableView(self, rows)
    func = REFERENCE_FUNCTIONS.get(check.function.name, check.function.func)
    for finding in func(view, check.args, self.context):
        fix_value = self._check_fix(check, finding) if check.fix is not None else None
        self._emit(
            finding.rule or check.rule, finding.column, finding.row, finding.params, fix_value
        )


def use_reference(patch: pytest.MonkeyPatch) -> None:
    """The engine as it was before its fast paths."""
    patch.setattr(engine._TableChecker, "_table_check", reference_table_check)
    patch.setattr(engine._TableChecker, "folded", reference_folded)
    patch.setattr(engine._ValueNormalizer, "column", reference_column)
    patch.setattr(engine._TableChecker, "present", reference_present)
    patch.setattr(engine._TableChecker, "_row_rules", reference_row_rules)
    patch.setattr(checker, "build_table", reference_build_table)
    patch.setattr(engine, "compile_value_schema", reference_compile)
    patch.setattr(engine._ValueNormalizer, "_findings", reference_findings)


# --------------------------------------------------------------------------- whole reports


LOGINS = [
    "ann@school.org",
    "ANN@school.org ",
    " bob@school.org ",
    "bob  @school.org",
    "bad login",
    "a\u00a0b",
    "",
    None,
    12.0,
    12,
    True,
    CellError("#N/A"),
]
COURSES = [
    "Fire Safety",
    "fire  safety",
    "GDPR",
    None,
    "  ",
    CellError("#N/A"),
    UncachedFormula("=A1"),
]
STATUSES = ["Completed", "Passed", "Failed", "In Progress", "not started", "Not Started", "passd"]
SCORES = [None, 0, 55, 100, 101, -1, "85", "abc", True, 12.5, CellError("#DIV/0!")]
DATES = [
    None,
    "1/1/2025",
    "01/01/2025",
    "2/1/2025",
    "31/02/2025",
    "2025-01-01",
    "1/1/25",
    "1/1/2031",
    dt.datetime(2025, 3, 1),
    dt.date(2025, 1, 2),
    dt.date(1899, 1, 1),
    45000,
    "soon",
]

ROWS = st.lists(
    st.tuples(
        st.sampled_from(LOGINS),
        st.sampled_from(COURSES),
        st.sampled_from([*STATUSES, None]),
        st.sampled_from(SCORES),
        st.sampled_from(DATES),
        st.sampled_from(DATES),
        st.sampled_from(DATES),
    ).map(list),
    max_size=30,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS)
def test_generated_tables_report_the_same(monkeypatch: pytest.MonkeyPatch, rows: list[Any]) -> None:
    pack = load_pack("enrollment-history")
    fast = check_table(pack, table(rows), Context(import_date=IMPORT_DATE))
    with monkeypatch.context() as patched:
        use_reference(patched)
        reference = check_table(pack, table(rows), Context(import_date=IMPORT_DATE))
    assert_same(fast, reference)


def checked(path: str) -> list[Issue] | str:
    try:
        return check_file(path, CheckOptions(import_date=dt.date(2026, 11, 1))).issues
    except SheetcheckError as err:
        return str(err)


def run_all(paths: list[str]) -> list[Any]:
    """Every file checked in the pool (a forked worker sees a monkeypatched engine too)."""
    limits = Limits(timeout_seconds=120, memory_bytes=2 * 1024**3)
    results = list(map_isolated(checked, paths, limits=limits, jobs=2))
    return [str(r.error) if isinstance(r, Failed) else r for r in results]


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_report_the_same(monkeypatch: pytest.MonkeyPatch, sample: Path) -> None:
    fast = checked(str(sample))
    assert isinstance(fast, list) and fast, "each sample has planted problems"
    use_reference(monkeypatch)
    reference = checked(str(sample))
    assert isinstance(reference, list)
    assert_same(fast, reference)


@pytest.mark.slow
def test_corpus_reports_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = require_corpus()
    paths = sorted(str(p) for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md")
    fast = run_all(paths)
    use_reference(monkeypatch)
    reference = run_all(paths)
    for path, mine, theirs in zip(paths, fast, reference, strict=True):
        if isinstance(mine, list):
            assert isinstance(theirs, list), path
            assert_same(mine, theirs)
        else:
            assert mine == theirs, path


# --------------------------------------------------------------------------- piece by piece

_CELLS = st.sampled_from([*LOGINS, *COURSES, *STATUSES, *DATES])


def _checker(rows: list[list[Any]]) -> Any:
    checker = engine._TableChecker(
        load_pack("enrollment-history"), table(rows), Context(import_date=IMPORT_DATE)
    )
    for col in checker.pack.columns:
        checker._column(col)
    return checker


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, picks=st.lists(st.integers(0, 29), unique=True).map(sorted), fold=st.booleans())
def test_duplicate_rows_over_shared_folded_columns(
    rows: list[list[Any]], picks: list[int], fold: bool
) -> None:
    """Folded once per column (shared by both duplicate checks), keys picked only for the rows
    in view: the same findings as folding per check and zipping every row."""
    checker = _checker(rows)
    selected: Sequence[int] = [i for i in picks if i < len(rows)]
    args = {"key": ["Login ID", "Course Name", "Enrollment Created Date"], "ignore_case": fold}
    for rows_in_view in (range(len(rows)), selected):
        view = engine.TableView(checker, rows_in_view)
        fast = list(basic.duplicate_rows(view, args, checker.context))
        assert fast == list(reference_duplicate_rows(view, args, checker.context))
    if fold:
        assert checker.folded("Login ID") is checker.folded("Login ID"), "computed once"
    for name in checker.norms:
        assert checker.folded(name) == reference_folded(checker, name)


_SPACED = st.sampled_from(
    ["Fire Safety", " Fire Safety", "Fire  Safety", "Fire\u00a0Safety", " ", "", None, 3, "GDPR "]
)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(_SPACED, _SPACED).map(list), max_size=20),
    picks=st.lists(st.integers(0, 19), unique=True).map(sorted),
)
def test_extra_spaces_found_by_distinct_value(rows: list[list[Any]], picks: list[int]) -> None:
    header = ["Login ID", "Course Name"]
    checker = engine._TableChecker(
        load_pack("enrollment-history"),
        table([["a@b.org", *r] for r in rows], header=[*header, "Extra"]),
        Context(import_date=IMPORT_DATE),
    )
    for col in checker.pack.columns:
        if col.name in checker.header.positions:
            checker._column(col)
    args = {"columns": ["Course Name", "Login ID"]}
    selected = [i for i in picks if i < len(rows)]
    for rows_in_view in (range(len(rows)), selected):
        view = engine.TableView(checker, rows_in_view)
        fast = list(text.extra_spaces(view, args, checker.context))
        assert fast == list(reference_extra_spaces(view, args, checker.context))


# --------------------------------------------------------------------------- column values


def reference_column(self: Any, raw: Sequence[Any]) -> list[Any]:
    """_ValueNormalizer.column as it was: every cell's type looked at first."""
    if bool in set(map(type, raw)):
        typed = self._typed_memo = {(type(None), None): None, (str, ""): None}

        def by_type(value: Any) -> Any:
            key = (value.__class__, value)
            if key not in typed:
                typed[key] = self.one(value)
            return typed[key]

        return list(map(by_type, raw))
    memo = self._memo = engine._Memo(self.one)
    return list(map(memo.__getitem__, raw))


def _shape(norm: Any) -> Any:
    return None if norm is None else (repr(norm.json), repr(norm.typed), norm.findings)


_NUMBERS = st.sampled_from([0, 1, 2, 0.0, 1.0, -0.0, 2.0, True, False, None, "", "1", " 1 ", "x"])


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(st.one_of(_NUMBERS, _CELLS), max_size=12),
    name=st.sampled_from([c.name for c in load_pack("enrollment-history").columns]),
)
def test_column_values_with_booleans_and_numbers(cells: list[Any], name: str) -> None:
    """TRUE never borrows the verdict of 1 (nor 1 of TRUE); the types are only scanned when
    the memo holds 0 or 1. Every cell gets what the former code gave it, shared the same way."""
    col = load_pack("enrollment-history").column(name)
    fast = engine._ValueNormalizer(col)
    reference = engine._ValueNormalizer(col)
    mine, theirs = fast.column(cells), reference_column(reference, cells)
    assert [_shape(n) for n in mine] == [_shape(n) for n in theirs]
    shared = [[a is b for b in mine] for a in mine]
    assert shared == [[a is b for b in theirs] for a in theirs]
    assert sorted(map(repr, map(_shape, fast.distinct()))) == sorted(
        map(repr, map(_shape, reference.distinct()))
    )


def test_a_column_without_0_or_1_is_not_scanned_for_booleans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The per-cell type scan (a pass over a million cells) is left out when no cell can have
    borrowed a boolean's verdict."""
    looked_at: list[Any] = []

    def spy(value: Any) -> type:
        looked_at.append(value)
        return type(value)

    monkeypatch.setattr(engine, "type", spy, raising=False)
    col = load_pack("enrollment-history").column("Enrollment Score")
    engine._ValueNormalizer(col).column([55, "85", None, 2.0, "x"] * 3)
    assert looked_at == []
    engine._ValueNormalizer(col).column([55, 1, True])
    assert looked_at[:3] == [55, 1, True], "0 or 1 in the memo: the cells are looked at"


# --------------------------------------------------------------------------- compiled schemas

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 105),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=110),
    st.sampled_from(["", " ", "a", "ab c", "x@y.org", "x@y", "Completed", "85", "1/1/2025"]),
    st.text(max_size=6),
)
_LEAVES = st.one_of(
    st.builds(lambda t: {"type": t}, st.sampled_from(list(compiled._TYPES))),
    st.builds(lambda ts: {"type": ts}, st.lists(st.sampled_from(["string", "number", "null"]))),
    st.builds(lambda p: {"pattern": p}, st.sampled_from([r"^\S+$", "@", "^[a-z]+$", "a|b"])),
    st.builds(lambda m: {"enum": m}, st.lists(_SCALARS, max_size=3)),
    st.builds(lambda c: {"const": c}, _SCALARS),
    st.builds(lambda k, n: {k: n}, st.sampled_from(["minLength", "maxLength"]), st.integers(0, 4)),
    st.builds(lambda k, n: {k: n}, st.sampled_from(compiled._NUMERIC[:4]), st.integers(0, 100)),
    st.builds(lambda n: {"multipleOf": n}, st.sampled_from([1, 2, 5, 0.5])),
    st.sampled_from([True, False, {}, {"description": "x", "x-sheetcheck": {"rule": "r"}}]),
)


def _combined(inner: Any) -> Any:
    pairs = st.lists(inner, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda subs: {"allOf": subs}, pairs),
        st.builds(lambda subs: {"anyOf": subs}, pairs),
        st.builds(lambda subs: {"oneOf": subs}, pairs),
        st.builds(lambda sub: {"not": sub}, inner),
        st.builds(
            lambda test, then, other, keep: {
                "if": test,
                **({"then": then} if keep in (0, 2) else {}),
                **({"else": other} if keep in (1, 2) else {}),
            },
            inner,
            inner,
            inner,
            st.integers(0, 3),
        ),
        st.builds(
            lambda a, b: {**a, **b} if isinstance(a, dict) and isinstance(b, dict) else a,
            inner,
            inner,
        ),
    )


SCHEMAS = st.recursive(_LEAVES, _combined, max_leaves=8)
BUNDLED = [
    col.schema
    for name in (
        "enrollment-history",
        "student-roster",
        "certification-registrations",
        "ilr-learners",
    )
    for col in load_pack(name).columns
]


@settings(max_examples=500, deadline=None)
@given(schema=st.one_of(SCHEMAS, st.sampled_from(BUNDLED)), value=_SCALARS)
def test_compiled_yes_no_test_agrees_with_the_failing_paths(schema: Any, value: Any) -> None:
    """The yes/no test passes exactly the values the path collector finds nothing wrong with,
    and the compiled check returns the former paths, in their order."""
    paths = reference_compile(schema)
    if paths is None:
        assert compiled.compile_value_test(schema) is None
        return
    test = compiled.compile_value_test(schema)
    check = compiled.compile_value_schema(schema)
    assert test is not None and check is not None
    assert test(value) is (not paths(value))
    assert check(value) == paths(value)


# --------------------------------------------------------------------------- blank rows


def reference_build_table(grid: SheetGrid, offset: int) -> Table:
    """build_table as it was: every row looked at for data before the transposition."""
    header_cells = grid.rows[offset]
    filled = [i for i, v in enumerate(header_cells) if v is not None and str(v).strip()]
    start, stop = (filled[0], filled[-1] + 1) if filled else (0, 0)
    header = [tables._text(v) or "" for v in header_cells[start:stop]]
    width = stop - start
    body: Sequence[Sequence[Any]] = grid.rows[offset + 1 :]
    if any(len(r) != stop for r in body) or start:
        body = [tables._span(r, start, stop, width) for r in body]
    first_row = grid.first_row + offset + 1
    keep = [k for k, r in enumerate(body) if tables._has_data(r)]
    if len(keep) != len(body):
        body = [body[k] for k in keep]
    columns: list[Sequence[Any]] = list(zip(*body, strict=True)) if body else [() for _ in header]
    return Table(
        sheet=grid.name,
        header_row=grid.first_row + offset,
        header=header,
        first_col=grid.first_col + start,
        row_numbers=[first_row + k for k in keep],
        columns=columns,
    )


_GRID_CELLS = st.sampled_from(
    [None, "", " ", "\u00a0", "\t", "x", " y ", 0, 0.0, 1, False, True, 2.5, dt.date(2025, 1, 1)]
)


@settings(max_examples=400, deadline=None)
@given(
    rows=st.lists(st.lists(_GRID_CELLS, max_size=5), min_size=1, max_size=12),
    offset=st.integers(0, 2),
    first=st.integers(1, 3),
)
def test_build_table_drops_the_same_blank_rows(
    rows: list[list[Any]], offset: int, first: int
) -> None:
    """Blank rows found once per distinct first value: the same table, row numbers and all."""
    grid = SheetGrid("S", first, first, rows)
    offset = min(offset, len(rows) - 1)
    fast, reference = tables.build_table(grid, offset), reference_build_table(grid, offset)
    assert fast == reference
    assert [list(c) for c in fast.columns] == [list(c) for c in reference.columns]


def test_build_table_without_blank_rows_looks_at_no_row(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_at: list[Any] = []
    monkeypatch.setattr(tables, "_has_data", lambda row: looked_at.append(row) or True)
    rows: list[list[Any]] = [["Login ID", "Course Name"], ["a", None], ["a", "b"], ["c", 1]]
    assert len(tables.build_table(SheetGrid("S", 1, 1, rows), 0)) == 3
    assert looked_at == []
    tables.build_table(SheetGrid("S", 1, 1, [*rows, [" ", "x"]]), 0)
    assert looked_at, "a blank first cell: the rows are looked at"
