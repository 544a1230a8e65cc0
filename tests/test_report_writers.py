"""The fast report writers write the reference's bytes (issue 15: the full report is part of
target 1's time).

Each writer is compared with the way it wrote before, kept here as the reference: the JSON
report is ``json.dump(report_dict(report), indent=2, ensure_ascii=False)``; the CSV report one
``csv.writer`` row per ``Issue.to_dict()``; the text report ``textwrap.fill`` for every line.
Reports are generated (hypothesis) with odd text in every field: quotes, backslashes, control
characters, line and paragraph separators, lone surrogates, braces, formula triggers, wide and
non-breaking spaces; huge integers, NaN and infinities, dates, Excel errors. A rule's message
texts are compared with ``_sentence(_fill(...))``, the way each issue's words were filled in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import string
import textwrap
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import require_corpus
from sheetcheck import engine
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.errors import SheetcheckError
from sheetcheck.limits import Limits
from sheetcheck.model import (
    SEVERITIES,
    CellError,
    FileReport,
    Issue,
    Location,
    Report,
    UncachedFormula,
)
from sheetcheck.packs import Rule
from sheetcheck.pool import map_isolated
from sheetcheck.report import csv_report, json_report, write_report
from sheetcheck.report import text as text_report
from sheetcheck.safety import neutralize

ROOT = Path(__file__).resolve().parents[1]
TRICKY = '"\\\n\r\t\x00\x1f\x7f\x85\u2028\u2029\ud800\udfff{}{{}}= +-@\u00a0\u2003\u3000é😀.?!'
CHARS = st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=()))
TEXT = st.text(CHARS, max_size=12) | st.sampled_from(["", " ", "=SUM(A1)", "ok."])
LONG_TEXT = st.lists(TEXT | st.sampled_from(["word", "-", "x" * 40]), max_size=30).map(" ".join)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([2.0**53, 1e300, -0.0])
SCALARS = (
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | FLOATS | TEXT
)
CELL_VALUES = (
    SCALARS
    | st.dates()
    | st.datetimes()
    | st.times()
    | st.builds(CellError, TEXT)
    | st.builds(UncachedFormula, TEXT)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(TEXT | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)
LOCATIONS = st.builds(Location, st.integers(0, 10**6), TEXT, st.none() | TEXT, st.none() | TEXT)


@st.composite
def issues(draw: st.DrawFn) -> Issue:
    return Issue(
        draw(TEXT),
        draw(st.sampled_from(SEVERITIES)),
        draw(TEXT),
        draw(st.integers(min_value=-(2**70), max_value=2**70)),
        draw(st.none() | TEXT),
        draw(st.none() | TEXT),
        draw(CELL_VALUES),
        draw(LONG_TEXT),
        draw(LONG_TEXT),
        draw(LONG_TEXT),
        fix_value=draw(st.none() | CELL_VALUES),
        likely=draw(st.none() | st.tuples(TEXT, TEXT)),
        location=draw(st.none() | LOCATIONS),
    )


@st.composite
def file_reports(draw: st.DrawFn) -> FileReport:
    extra: dict[str, Any] = draw(st.dictionaries(TEXT, JSON_VALUES, max_size=3))
    extra.pop("sections", None)
    if draw(st.booleans()):
        extra["upload_of"] = draw(st.lists(TEXT, max_size=3))
    if draw(st.booleans()):
        extra["sections"] = draw(st.lists(st.tuples(TEXT, st.lists(TEXT, max_size=2)), max_size=2))
    return FileReport(
        file=draw(TEXT),
        template=draw(st.none() | TEXT),
        sheet=draw(st.none() | TEXT),
        header_row=draw(st.none() | st.integers(0, 2**40)),
        rows=draw(st.integers(0, 2**40)),
        issues=draw(st.lists(issues(), max_size=8)),
        error=draw(st.none() | TEXT),
        template_reason=draw(TEXT),
        extra=extra,
    )


REPORTS = st.builds(Report, st.lists(file_reports(), max_size=3), st.booleans())


def written(report: Report, fmt: str) -> str:
    out = io.StringIO()
    write_report(report, out, fmt)
    return out.getvalue()


# --------------------------------------------------------------------------- JSON


def json_reference(report: Report) -> str:
    out = io.StringIO()
    json.dump(json_report.report_dict(report), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return out.getvalue()


@pytest.mark.parametrize("batch", [1, 3, 2048])
@settings(max_examples=120, deadline=None)
@given(report=REPORTS)
def test_json_is_json_dump_with_indent(batch: int, report: Report) -> None:
    """Batches of 1 and 3 issues cross the writer's batch boundaries inside every list."""
    with mock.patch.object(json_report, "_BATCH", batch):
        assert written(report, "json") == json_reference(report)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(JSON_VALUES, max_size=4))
def test_json_nested_values_in_issues_and_files(values: list[Any]) -> None:
    """Lists and dicts where the writer expects plain values (an issue's value, a file's
    extra) are indented as json.dump indents them."""
    odd = [Issue("r", "error", "S", 2, None, None, value, "w") for value in values]
    report = Report([FileReport("f", extra={str(n): v for n, v in enumerate(values)}, issues=odd)])
    assert written(report, "json") == json_reference(report)


def test_json_issues_skip_the_indenting_encoder() -> None:
    """The pure-Python indenting encoder (about 25 us an issue) is used for no plain issue."""
    found = [Issue("r", "error", "S", n, "C", f"C{n}", n, "what", "why", "fix") for n in range(50)]
    report = Report([FileReport("f.xlsx", rows=50, issues=found)])
    with mock.patch("json.encoder._make_iterencode", wraps=json.encoder._make_iterencode) as slow:
        text = written(report, "json")
    assert slow.call_count == 0
    assert text == json_reference(report)


# --------------------------------------------------------------------------- CSV


def _safe_reference(value: Any) -> Any:
    if value is None:
        return ""
    return neutralize(value) if isinstance(value, str) else value


def csv_reference(report: Report) -> str:
    """The former writer: csv.writer, a row of each issue's to_dict() values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_report.COLUMNS)
    for item in report.files:
        for issue in item.issues:
            data = issue.to_dict()
            data.update(
                file=item.file,
                template=item.template,
                location=str(issue.location) if issue.location is not None else None,
            )
            writer.writerow([_safe_reference(data[name]) for name in csv_report.COLUMNS])
    return out.getvalue()


@pytest.mark.parametrize("batch", [1, 3, 4096])
@settings(max_examples=120, deadline=None)
@given(report=REPORTS)
def test_csv_is_the_csv_writers(batch: int, report: Report) -> None:
    with mock.patch.object(csv_report, "_BATCH", batch):
        assert written(report, "csv") == csv_reference(report)


@settings(max_examples=30, deadline=None)
@given(report=REPORTS)
def test_csv_where_this_pythons_csv_quotes_otherwise(report: Report) -> None:
    """A Python whose csv writer quoted the probes differently gets the csv writer itself."""
    with mock.patch.object(csv_report, "_quoting_agrees", lambda: False):
        assert written(report, "csv") == csv_reference(report)


def test_csv_rows_skip_the_csv_writer() -> None:
    """The rows are joined in the writer: the csv module's per-character copy is not used
    (once the probes are checked), and a repeated text is quoted once per batch."""
    found = [
        Issue("r", "error", "S", n, "C", f"C{n}", n, 'a, "b"', "why", "=fix") for n in range(9)
    ]
    report = Report([FileReport("f.xlsx", template="t", rows=9, issues=found)])
    assert csv_report._quoting_agrees()
    with mock.patch("csv.writer", wraps=csv.writer) as slow:
        text = written(report, "csv")
    assert slow.call_count == 0
    assert text == csv_reference(report)


# --------------------------------------------------------------------------- text


def wrap_reference(text: str, first: str, rest: str) -> str:
    """The former text._wrap."""
    return (
        textwrap.fill(
            text,
            text_report.WIDTH,
            initial_indent=first,
            subsequent_indent=rest,
            break_on_hyphens=False,
        )
        + "\n"
    )


WORDS = st.sampled_from(["a", "word", "x" * 40, "y" * 89, "z" * 95, "w" * 130, "-", "é", "😀"])
SPACING = st.sampled_from([" "] * 8 + ["  ", "\t", "\n", "\u3000", "\u00a0", "\x1f", ""])
WRAPPED = st.lists(st.tuples(WORDS | TEXT, SPACING), max_size=40).map(
    lambda parts: "".join(word + space for word, space in parts)
)
INDENTS = st.sampled_from(["", "  ", "  A1      ", "  Sheet 2!AB1048576 ", " " * 10, " " * 15])


@settings(max_examples=1500, deadline=None)
@given(text=WRAPPED | LONG_TEXT, first=INDENTS, rest=INDENTS)
@example("ab " + "z" * 95, " " * 10, "")  # a word too long for this line, not for the next
@example("ab cd " + "z" * 89, " " * 15, "")
@example("", "  ", "  ")
@example("ab cd", "  'A sheet name as long as a sheet name can be'!XFD1048576" * 3, "")
@example("ab" + " " * 120 + "cd", "  ", " " * 10)
def test_text_lines_wrap_as_textwrap_fill(text: str, first: str, rest: str) -> None:
    assert text_report._wrap(text, first, rest) == wrap_reference(text, first, rest)


@settings(max_examples=120, deadline=None)
@given(report=REPORTS, quiet=st.booleans())
def test_text_is_the_former_text(report: Report, quiet: bool) -> None:
    out = io.StringIO()
    write_report(report, out, "text", quiet=quiet)
    with mock.patch.object(text_report, "_wrap", wrap_reference):
        expected = io.StringIO()
        write_report(report, expected, "text", quiet=quiet)
    assert out.getvalue() == expected.getvalue()


def test_text_wraps_ordinary_words_without_textwrap() -> None:
    what = 'Completion Date "12/03/2013" in G1234 is more than 10 years before the import date 1/11/2026'
    found = [
        Issue("r", "info", "S", n, "C", f"G{n}", n, what, " ".join(["Why"] * 40), "Fix.")
        for n in range(9)
    ]
    report = Report([FileReport("f.xlsx", template="t", sheet="S", rows=9, issues=found)])
    with mock.patch("textwrap.fill", side_effect=AssertionError("textwrap used")):
        text = written(report, "text")
    with mock.patch.object(text_report, "_wrap", wrap_reference):
        assert text == written(report, "text")


# --------------------------------------------------------------------------- message texts


def render_reference(text: Any, values: tuple[Any, ...]) -> tuple[str, str, str]:
    """How each deferred issue's words were filled in before the texts were compiled."""
    fields = dict(zip(text.names, values, strict=True))
    return (
        engine._sentence(engine._fill(text.message, fields)),
        engine._sentence(engine._fill(text.why, fields)),
        engine._sentence(engine._fill(text.fix, fields)),
    )


NAMES = ["column", "cell", "value_q", "row", "suggestion", "suggestion_text", "reason"]
FIELDS = st.sampled_from(
    [f"{{{name}}}" for name in NAMES]
    + ["{row:>6}", "{row:,}", "{value_q!r}", "{cell!s:^9}", "{column[0]}", "{column.upper}"]
)
TEMPLATES = st.lists(
    FIELDS
    | st.text(st.sampled_from("ab .?!{}"), max_size=4).map(
        lambda t: t.replace("{", "{{").replace("}", "}}")
    ),
    max_size=6,
).map("".join)
FIELD_VALUES = st.one_of(st.none(), st.integers(-(10**9), 10**9), st.text(CHARS, max_size=5))


@settings(max_examples=400, deadline=None)
@given(texts=st.tuples(TEMPLATES, TEMPLATES, TEMPLATES), data=st.data())
def test_compiled_texts_fill_in_as_before(texts: tuple[str, str, str], data: st.DataObject) -> None:
    rule = Rule("r", "error", "t", *texts)  # type: ignore[arg-type]  # literal severity
    text = engine._rule_text(rule)
    values = tuple(
        data.draw(st.text(max_size=3) if name == "column" else FIELD_VALUES, label=name)
        for name in text.names
    )
    try:
        expected: Any = render_reference(text, values)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as err:
        expected = type(err)
    try:
        got: Any = text.render(values)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as err:
        got = type(err)
    assert got == expected


@pytest.mark.parametrize(
    "message",
    ["{0} is odd.", "{} is odd", "{value_q", "{cell:{width}} x", "{ cell} x", "a{suggestion_text}"],
)
def test_texts_that_cannot_be_compiled_fill_in_as_before(message: str) -> None:
    """Positional, malformed, nested and oddly named fields keep format_map's behaviour, and a
    suggestion's wording without the suggestion among the names is left as given."""
    names = tuple(sorted({n for _, n, _, _ in _parse(message) if n} | {"cell", "width"}))
    text = engine._RuleText(message, "why {cell}", "fix", names)
    values = tuple(range(len(names)))
    outcomes = []
    for render in (text.render, lambda v: render_reference(text, v)):
        try:
            outcomes.append(render(values))
        except (ValueError, KeyError, IndexError) as err:
            outcomes.append(type(err))
    assert outcomes[0] == outcomes[1]


def _parse(message: str) -> list[Any]:
    try:
        return list(string.Formatter().parse(message))
    except ValueError:
        return []


def test_rendering_parses_no_text_per_issue() -> None:
    """Each text is compiled once for its rule: filling in an issue's words neither parses a
    text (_fill) nor looks its full stop up (_sentence)."""
    text = engine._rule_text(
        Rule("r", "error", "t", "{column} {value_q} in {cell}", "Why.", "Fix{suggestion_text}.")  # type: ignore[arg-type]  # literal severity
    )
    unused = mock.Mock(side_effect=AssertionError("parsed per issue"))
    with mock.patch.object(engine, "_fill", unused), mock.patch.object(engine, "_sentence", unused):
        for n in range(20):
            fields = {"column": "C", "value_q": f'"{n}"', "cell": f"C{n}", "suggestion": "x"}
            fields["suggestion_text"] = ""
            words = text.render(tuple(fields[name] for name in text.names))
    assert words == ('C "19" in C19.', "Why.", "Fix (did you mean x?).")


# --------------------------------------------------------------------------- real reports


def _checked(path: str) -> FileReport | str:
    try:
        return check_file(path, CheckOptions(import_date=dt.date(2026, 11, 1)))
    except SheetcheckError as err:
        return str(err)


@pytest.mark.slow
def test_samples_and_corpus_reports_are_the_references() -> None:
    """The bundled samples (planted problems of every rule) and every corpus file, checked and
    written in each format by the writers and by the references."""
    corpus = require_corpus()
    paths = [str(p) for p in sorted((ROOT / "workbook_templates" / "samples").glob("*.xlsx"))]
    paths += sorted(str(p) for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md")
    limits = Limits(timeout_seconds=120, memory_bytes=2 * 1024**3)
    results = list(map_isolated(_checked, paths, limits=limits, jobs=2))
    items = [  # a file that could not be checked is reported as the command reports it
        r if isinstance(r, FileReport) else FileReport(file=path, error=str(r))
        for path, r in zip(paths, results, strict=True)
    ]
    assert sum(len(item.issues) for item in items) > 50
    for strict in (False, True):
        report = Report(items, strict=strict)
        assert written(report, "json") == json_reference(report)
        assert written(report, "csv") == csv_reference(report)
        with mock.patch.object(text_report, "_wrap", wrap_reference):
            expected = written(report, "text")
        assert written(report, "text") == expected
