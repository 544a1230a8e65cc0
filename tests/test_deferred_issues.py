"""Issues are cheap (issue 15 point 2): deferred words, identical reports.

The engine keeps, per issue, only the values its rule's placeholders use, and fills the
sentences in when a report is written. The reference is the former way: every field the engine
knows (location, value, import date, every row field, the check's parameters) filled in at once,
and the rule, the issue's column and each schema annotation looked up anew every time.
Both are run over generated tables (hypothesis), the bundled samples and the shared corpus, and
every report format must come out byte for byte the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import pickle
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assert_same, reports, require_corpus
from enrollment import HEADER, IMPORT_DATE, table
from sheetcheck import engine
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.engine import Context, check_table, quote
from sheetcheck.errors import SheetcheckError
from sheetcheck.functions import Finding
from sheetcheck.limits import Limits
from sheetcheck.model import (
    CellError,
    FileReport,
    Issue,
    Location,
    Report,
    SharedFields,
    UncachedFormula,
    column_letter,
    json_value,
)
from sheetcheck.packs import load_pack
from sheetcheck.pool import Failed, map_isolated
from sheetcheck.report import write_report
from sheetcheck.values import display_value

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "workbook_templates" / "samples").glob("*.xlsx"))


def every_field(
    self: Any,
    names: Iterable[str],
    params: Mapping[str, Any],
    *,
    column: str | None,
    header_text: str | None,
    index: int | None,
    row: int,
    cell: str | None,
    value: Any,
) -> tuple[Any, ...]:
    """The reference: every field the engine filled in for every issue before they were
    deferred (a placeholder's value is looked up in all of them)."""
    fields: dict[str, Any] = {
        "column": header_text or column or "",
        "cell": cell or f"row {row}",
        "row": row,
        "value": display_value(value),
        "value_q": quote(value),
        "import_date": self.import_date_text,
        "suggestion": "",
        "suggestion_text": "",
        "reason": "",
    }
    if index is not None:
        for name, col in self.pack.row_fields.items():
            if col in self.norms:
                norm = self.norms[col][index]
                fields[name] = display_value(norm.json if norm is not None else None)
            elif col in self.header.positions:
                fields[name] = display_value(self.raw(col)[index])
            else:
                fields[name] = ""
    fields.update(params)
    return tuple(fields[name] for name in names)


def former_issue(  # noqa: PLR0917  (the engine method's signature it stands in for)
    self: Any,
    rule_id: str,
    column: str | None,
    index: int | None,
    params: Mapping[str, Any],
    fix_value: Any = None,
) -> Issue:
    """The reference: one issue made at a time, every field filled in (:func:`every_field`)."""
    rule, text = self._rule(rule_id)
    table = self.table
    if index is None:
        row, cell, value, header_text = table.header_row, None, None, column
    else:
        row = table.row_numbers[index]
        pos, letters, header_text = self._place(column)
        cell = f"{letters}{row}"
        value = table.columns[pos][index]
    location = None
    if index is not None and table.locate is not None:
        location = table.locate(index, column or self.pack.key_column)
        cell = None
    if fix_value is not None:
        params = {**params, **engine._did_you_mean(fix_value, self.dates)}
    fields = every_field(
        self,
        text.names,
        params,
        column=column,
        header_text=header_text,
        index=index,
        row=row,
        cell=cell if location is None else str(location),
        value=value,
    )
    return Issue.deferred(
        rule_id,
        rule.severity,
        table.sheet,
        row,
        header_text,
        cell,
        json_value(value),
        text,
        fields,
        fix_value=fix_value,
        location=location,
    )


def former_column(self: Any, col: Any) -> None:
    """The reference: a column's issues made row by row, in row order (the fix of a bad
    value worked out at its first row)."""
    normalize = engine._ValueNormalizer(col, self.dates)
    raw = self.raw(col.name)
    norms = normalize.column(raw)
    self.norms[col.name] = norms
    bad = {n for n in normalize.distinct() if n is not None and n.findings}
    if not bad:
        return
    fixable = col.fix is not None and not self._vetoed(col, bad)
    fixes: dict[Any, tuple[Any, ...]] = {}
    for index, norm in enumerate(norms):
        if norm not in bad:
            continue
        if fixable and norm not in fixes:
            fixes[norm] = tuple(
                self._fix_value(col, normalize, raw[index], f) for f in norm.findings
            )
        for k, finding in enumerate(norm.findings):
            fix_value = fixes[norm][k] if fixable else None
            self._emit(finding.rule or "", col.name, index, finding.params, fix_value)


def one_row_at_a_time(  # noqa: PLR0917  (the engine method's signature it stands in for)
    self: Any,
    rule_id: str,
    column: str | None,
    indexes: Sequence[int],
    params: Mapping[str, Any],
    fix_value: Any = None,
) -> None:
    """The reference: a finding's issues made row by row, nothing shared between them."""
    for index in indexes:
        self.issues.append(self.issue(rule_id, column, index, params, fix_value))


def uncached_rule(self: Any, rule_id: str) -> tuple[Any, Any]:
    """The reference looks the rule up for every issue, as the engine did."""
    rule = self.pack.rules.get(rule_id) or engine._builtin_rule(rule_id)
    return rule, engine._rule_text(rule)


def uncached_place(self: Any, column: str | None) -> tuple[int, str, str]:
    pos = self.header.positions.get(column or self.pack.key_column, None)
    if pos is None:
        pos = 0
    return pos, column_letter(self.table.col_number(pos)), str(self.table.header[pos])


def uncached_findings(self: Any, json: Any) -> tuple[Finding, ...]:
    """The engine's value findings before schema annotations were looked up once per path."""
    found: dict[str, dict[str, Any]] = {}
    for path in self.validate(json):
        rule, params = engine._annotation_for(self.col.schema, path)
        rule = rule or self.col.rule or ""
        if rule in found:
            continue
        if self.col.enum is not None and self.col.fix is None and path and path[-1] == "enum":
            params = {**params, **engine._enum_suggestion(json, self.col.enum)}
        found[rule] = params
    return tuple(Finding(rule=rule, params=params) for rule, params in found.items())


def use_reference(patch: pytest.MonkeyPatch) -> None:
    """The engine as it was: every field filled in, nothing looked up once and kept."""
    patch.setattr(engine._TableChecker, "issue", former_issue)
    patch.setattr(engine._TableChecker, "_emit_rows", one_row_at_a_time)
    patch.setattr(engine._TableChecker, "_column", former_column)
    patch.setattr(engine._TableChecker, "_rule", uncached_rule)
    patch.setattr(engine._TableChecker, "_place", uncached_place)
    patch.setattr(engine._ValueNormalizer, "_findings", uncached_findings)


# --------------------------------------------------------------------------- generated tables

LOGINS = ["ann@school.org", " bob@school.org ", "bad login", "", None, "ann@school.org", 12.0]
COURSES = ["Fire Safety", "GDPR", None, "  ", CellError("#N/A"), UncachedFormula("=A1")]
STATUSES = ["Completed", "Passed", "Failed", "In Progress", "Not Started", "Complete", "passd"]
SCORES = [None, 0, 55, 100, 101, -1, "85", "abc", True, 12.5, CellError("#DIV/0!")]
DATES = [
    None,
    "1/1/2025",
    "31/02/2025",
    "2025-01-01",
    "1/1/25",
    "1/1/2031",
    dt.datetime(2025, 3, 1),
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
    max_size=25,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS)
def test_generated_tables_report_the_same(monkeypatch: pytest.MonkeyPatch, rows: list[Any]) -> None:
    pack = load_pack("enrollment-history")
    context = Context(import_date=IMPORT_DATE)
    deferred = check_table(pack, table(rows), context)
    with monkeypatch.context() as patched:
        use_reference(patched)
        reference = check_table(pack, table(rows), Context(import_date=IMPORT_DATE))
    assert_same(deferred, reference)


def test_the_header_only_cases_report_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing columns and an empty table: issues without a row."""
    pack = load_pack("enrollment-history")
    cut = table([], header=HEADER[:3])
    deferred = check_table(pack, cut, Context(import_date=IMPORT_DATE))
    use_reference(monkeypatch)
    assert_same(deferred, check_table(pack, cut, Context(import_date=IMPORT_DATE)))


EQUAL_BUT_NOT_THE_SAME = [True, 1, 1.0, "1", False, 0, 0.0, "TRUE", dt.date(2025, 1, 1)]


@pytest.mark.parametrize("column", range(7))
def test_equal_values_of_other_types_keep_their_own_words(
    monkeypatch: pytest.MonkeyPatch, column: int
) -> None:
    """TRUE, 1 and 1.0 are one dict key: words the engine keeps per distinct value (a quoted
    value, a "did you mean") must still be each cell's own, as the reference words them."""
    base = ["ann@school.org", "GDPR", "Completed", 50, "1/1/2025", "2/1/2025", "3/1/2025"]
    rows = [[*base[:column], value, *base[column + 1 :]] for value in EQUAL_BUT_NOT_THE_SAME]
    pack = load_pack("enrollment-history")
    deferred = check_table(pack, table(rows + rows), Context(import_date=IMPORT_DATE))
    use_reference(monkeypatch)
    assert_same(deferred, check_table(pack, table(rows + rows), Context(import_date=IMPORT_DATE)))


# --------------------------------------------------------------------------- real files


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
    deferred = checked(str(sample))
    assert isinstance(deferred, list) and deferred, "each sample has planted problems"
    use_reference(monkeypatch)
    reference = checked(str(sample))
    assert isinstance(reference, list)
    assert_same(deferred, reference)


@pytest.mark.slow
def test_corpus_reports_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = require_corpus()
    paths = sorted(str(p) for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md")
    deferred = run_all(paths)
    use_reference(monkeypatch)
    reference = run_all(paths)
    for path, mine, theirs in zip(paths, deferred, reference, strict=True):
        if isinstance(mine, list):
            assert isinstance(theirs, list), path
            assert_same(mine, theirs)
        else:
            assert mine == theirs, path


# --------------------------------------------------------------------------- deferral itself


def bad_rows(count: int) -> list[list[Any]]:
    return [["bad login", "GDPR", "Complete", 120, "31/02/2025", None, None]] * count


def count_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    render = engine._RuleText.render

    def counting(self: Any, values: Sequence[Any]) -> tuple[str, str, str]:
        calls[0] += 1
        return render(self, values)

    monkeypatch.setattr(engine._RuleText, "render", counting)
    return calls


def test_words_are_filled_in_only_when_a_report_needs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = count_renders(monkeypatch)
    found = check_table(
        load_pack("enrollment-history"), table(bad_rows(50)), Context(import_date=IMPORT_DATE)
    )
    item = FileReport(file="f.xlsx", template="t", rows=50, issues=found)
    assert len(found) >= 200 and calls == [0]
    write_report(Report([item]), io.StringIO(), "text", quiet=True)
    assert calls == [0], "a summary line reads no issue's words"
    write_report(Report([item]), io.StringIO(), "json")
    assert calls == [len(found)], "each issue's words are filled in once"
    write_report(Report([item]), io.StringIO(), "text")
    assert calls == [len(found)]


def test_the_issues_of_a_bad_value_share_their_placeholder_values() -> None:
    """One bad value on 300 rows: its issues of each rule share one set of placeholder values
    (made once, sent once); each still names its own cell when its words are filled in."""
    rows = bad_rows(300)
    found = check_table(
        load_pack("enrollment-history"), table(rows), Context(import_date=IMPORT_DATE)
    )
    by_rule: dict[str, list[Issue]] = {}
    for issue in found:
        by_rule.setdefault(issue.rule, []).append(issue)
    login = by_rule["invalid-login-id"]
    assert len(login) == len(rows)
    assert len({id(i._fields) for i in login}) == 1
    assert isinstance(login[0]._fields, SharedFields)
    sent = pickle.loads(pickle.dumps(FileReport(file="f", template="t", rows=300, issues=found)))
    assert len({id(i._fields) for i in sent.issues if i.rule == "invalid-login-id"}) == 1
    assert [i.cell for i in login] == [f"A{n}" for n in range(2, 302)]
    assert all(f" {i.cell} " in i.what for i in login), [i.what for i in login[:2]]


def test_a_rule_s_compiled_text_is_made_once_per_process() -> None:
    """The files of a batch, and the reports their workers send back, share one compiled text
    per rule: it is not compiled again per file, nor per report unpickled."""
    pack = load_pack("enrollment-history")
    first = check_table(pack, table(bad_rows(3)), Context(import_date=IMPORT_DATE))
    second = check_table(pack, table(bad_rows(5)), Context(import_date=IMPORT_DATE))
    text = {i.rule: i._text for i in first}
    assert all(i._text is text[i.rule] for i in second)
    copies = pickle.loads(pickle.dumps(FileReport(file="f", template="t", rows=5, issues=second)))
    assert all(c._text is text[c.rule] for c in copies.issues)


def test_a_deferred_issue_travels_deferred_and_small() -> None:
    found = check_table(
        load_pack("enrollment-history"), table(bad_rows(200)), Context(import_date=IMPORT_DATE)
    )
    deferred_size = len(pickle.dumps(found))
    copies = pickle.loads(pickle.dumps(found))
    assert all(c._text is not None for c in copies), "unpickled issues are still deferred"
    assert copies == found  # comparing fills in the words of both
    assert all(c._text is None for c in copies)
    assert deferred_size < len(pickle.dumps(found))


SLOTS = Issue.__slots__


def slots(issue: Issue) -> list[tuple[type, Any]]:
    """Every slot of an issue with its type: TRUE must not come back as 1, nor words filled in
    (a rule's texts compare by what they say)."""
    values = [getattr(issue, n) for n in SLOTS]
    return [(type(v), v.__reduce__() if isinstance(v, engine._RuleText) else v) for v in values]


def plain_issue(row: int, value: Any, sheet: str) -> Issue:
    where = Location(row, "/a/b", "L1") if row % 3 == 0 else None
    likely = ("C1", "Statuss") if row % 2 else None
    return Issue(
        "missing-column", "error", sheet, row, "S", None, value, "w", "y", "f", 1, likely, where
    )


ISSUE_LISTS = st.lists(
    st.tuples(
        st.booleans(),
        st.integers(1, 60),
        st.sampled_from([True, 1, 1.0, "1", None, dt.date(2025, 1, 1), CellError("#N/A")]),
        st.sampled_from(["Enrollments", "Other"]),
    ),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(shape=ISSUE_LISTS)
def test_a_file_report_comes_back_from_a_process_as_it_was(shape: list[Any]) -> None:
    """A FileReport travels with its issues as columns; each issue, deferred or worded, comes
    back with every slot equal and of the same type, still deferred, in the same order."""
    found = check_table(
        load_pack("enrollment-history"), table(bad_rows(20)), Context(import_date=IMPORT_DATE)
    )
    issues = [
        found[row % len(found)] if deferred else plain_issue(row, value, sheet)
        for deferred, row, value, sheet in shape
    ]
    item = FileReport(file="f.xlsx", template="t", sheet="S", rows=9, issues=issues, extra={"a": 1})
    copy = pickle.loads(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
    assert [slots(i) for i in copy.issues] == [slots(i) for i in issues]
    assert dataclasses.replace(copy, issues=[]) == dataclasses.replace(item, issues=[])
    assert reports(copy.issues) == reports(issues)


def test_a_file_report_pickles_no_issue_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """58,802 issues cost 0.19 CPU s to send one object each, 0.12 s as columns."""
    found = check_table(
        load_pack("enrollment-history"), table(bad_rows(20)), Context(import_date=IMPORT_DATE)
    )
    item = FileReport(file="f.xlsx", template="t", rows=20, issues=found)

    def one_by_one(self: Issue) -> Any:
        raise AssertionError("an issue pickled on its own")

    monkeypatch.setattr(Issue, "__reduce__", one_by_one)
    assert pickle.loads(pickle.dumps(item)).issues == found


@pytest.mark.parametrize(
    ("attribute", "value"), [("rule", "other"), ("cell", "B2"), ("what", "x"), ("message", "x")]
)
def test_an_issue_is_read_only(attribute: str, value: str) -> None:
    issue = Issue("r", "error", "S", 2, "C", "C2", 1, "what", "why", "fix")
    with pytest.raises(AttributeError):
        setattr(issue, attribute, value)
    assert issue.message == "what why fix" and hash(issue) == hash(Issue(*issue._astuple()))


def test_a_placeholder_nobody_fills_fails_at_check_time() -> None:
    """A pack bug surfaces when the issue is made, not later inside a report writer."""
    pack = load_pack("enrollment-history")
    broken = dataclasses.replace(pack.rules["invalid-date"], why="{nope}")
    pack = dataclasses.replace(pack, rules={**pack.rules, "invalid-date": broken})
    with pytest.raises(KeyError, match="nope"):
        check_table(pack, table(bad_rows(1)), Context(import_date=IMPORT_DATE))
