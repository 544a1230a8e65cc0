"""The engine's fast paths (issue 15) report exactly what the former, plainer code reported.

Each fast path keeps its former implementation here as the reference. The engine is run both
ways (the reference swapped in with monkeypatch) over generated tables (hypothesis), the bundled
samples and the shared corpus, and every report format must come out byte for byte the same;
the pieces are also compared one by one on generated values.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import operator
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import require_corpus
from enrollment import IMPORT_DATE, table
from sheetcheck import engine
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.engine import Context, check_table
from sheetcheck.errors import SheetcheckError
from sheetcheck.folding import fold_text
from sheetcheck.functions import Finding, TableView, basic
from sheetcheck.limits import Limits
from sheetcheck.model import CellError, FileReport, Issue, Report, UncachedFormula
from sheetcheck.packs import load_pack
from sheetcheck.pool import Failed, map_isolated
from sheetcheck.report import write_report

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


REFERENCE_FUNCTIONS = {"duplicate-rows": reference_duplicate_rows}


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


# --------------------------------------------------------------------------- whole reports


def reports(issues: list[Issue]) -> dict[str, str]:
    """The issues as every report format writes them."""
    item = FileReport(file="f.xlsx", template="t", sheet="S", header_row=1, rows=9, issues=issues)
    texts = {}
    for fmt in ("json", "text", "csv"):
        out = io.StringIO()
        write_report(Report([item]), out, fmt)
        texts[fmt] = out.getvalue()
    return texts


def assert_same(fast: list[Issue], reference: list[Issue]) -> None:
    assert fast == reference
    assert reports(fast) == reports(reference)


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
