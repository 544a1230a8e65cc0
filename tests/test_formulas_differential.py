"""Differential test: the template's Excel formulas agree with the Python engine, cell by cell.

A few hundred rows covering every rule's edges go into a template built with verdict cells
(right of the table: one cell per conditional format per row, holding the very formula text
the conditional format uses). LibreOffice recalculates them headlessly; each TRUE verdict is a
(row, rule, column) the formulas flag, compared with what ``check_table`` reports on the same
values for the part of the pack the formulas cover.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import soffice_convert
from sheetcheck.engine import Context, check_table
from sheetcheck.model import Table
from sheetcheck.packs import Column, RulePack, bundled_pack_names, load_pack
from sheetcheck.packs import compile_pack as compile_rule_pack
from sheetcheck.template.formulas import compile_pack
from sheetcheck.template.workbook import (
    FIRST_ROW,
    TemplateOptions,
    layout_for,
    plan_sheets,
    verdict_header,
    write_template,
)

IMPORT_DATE = dt.date(2026, 11, 1)

LOGINS = [
    "anna.smith@example.org",
    "jsmith42",
    " padded@example.org ",
    "UPPER@EXAMPLE.ORG",
    "two words",
    "a b@example.org",
    "x@y",
    "no-tld@example",
    12345,
    "",
    None,
]
COURSES = [
    "Fire Safety",
    "fire safety",
    " Fire Safety ",
    "GDPR  Essentials",
    "GDPR Essentials",
    None,
]
STATUSES = [
    "Not Started",
    "In Progress",
    "Completed",
    "Passed",
    "Failed",
    "not started",
    "IN PROGRESS",
    " passed ",
    "FAILED",
    "in  progress",
    "Complete",
    "Done",
    "",
    None,
]
SCORES = [
    None,
    0,
    100,
    -1,
    101,
    50.5,
    99.99,
    "85",
    " 90 ",
    "abc",
    "85%",
    "1e2",
    "1e3",
    ".5",
    "-0",
    "1-2",
    "",
]
DATES: list[Any] = [
    "1/3/2025",
    "01/03/2025",
    "1/03/2025",
    "01/3/2025",
    " 1/3/2025 ",
    "29/02/2024",
    "29/02/2025",
    "29/2/2000",
    "29/2/1900",
    "1/1/1970",
    "31/12/1969",
    "31/12/9999",
    "12/5/25",
    "2025-03-01",
    "1/3/2025 10:00",
    "1/3/2025T10:00",
    "3/14/2025",
    "31/4/2025",
    "0/3/2025",
    "1/0/2025",
    "32/1/2025",
    "1/13/2025",
    "1.3.2025",
    "1 March 2025",
    "1/3/02025",
    "001/3/2025",
    "1/3/2025/",
    "+1/3/2025",
    "1/ 3/2025",
    "1//2025",
    "abc",
    dt.datetime(2025, 3, 1),
    dt.datetime(2025, 3, 1, 10, 30),
    dt.datetime(1969, 12, 31),
    dt.datetime(2024, 2, 29),
    "1/3/2027",
    "2/11/2026",
    "1/11/2026",
    "1/11/2024",
    "31/10/2024",
    "1/3/2023",
    "",
    None,
]
VALID_DATES = [
    "1/3/2025",
    "15/3/2025",
    "01/04/2025",
    "2/11/2026",
    "31/10/2024",
    dt.datetime(2025, 3, 10),
    dt.datetime(2025, 3, 1),
    "29/2/2024",
    "28/2/2034",
    "1/3/2040",
]


def differential_rows() -> list[list[Any]]:
    """Rows covering every rule's edges: edge values, random mixes, date orders, repeats."""
    rng = random.Random(3)
    rows: list[list[Any]] = []
    # every date edge in every date column, on otherwise clean rows of each status
    for i, value in enumerate(DATES):
        status = ["Completed", "In Progress", "Not Started"][i % 3]
        base: list[Any] = ["edge@example.org", f"Course {i}", status, None, "1/1/2025", None, None]
        if status == "Completed":
            base[5], base[6] = "2/1/2025", "3/1/2025"
        elif status == "In Progress":
            base[5] = "2/1/2025"
        for column in (4, 5, 6):
            row = list(base)
            row[column] = value
            rows.append(row)
    # every score edge with a status that takes a score, one that does not, and none
    for status in ("Passed", "Completed", None):
        for score in SCORES:
            rows.append(
                ["score@example.org", "Scores", status, score, "1/1/2025", "2/1/2025", "3/1/2025"]
            )
    # random mixes of everything
    for _ in range(150):
        rows.append(
            [
                rng.choice(LOGINS),
                rng.choice(COURSES),
                rng.choice(STATUSES),
                rng.choice(SCORES),
                rng.choice(DATES),
                rng.choice(DATES),
                rng.choice(DATES),
            ]
        )
    # valid dates in every order, with and without gaps
    for _ in range(40):
        created, started, completed = (rng.choice([*VALID_DATES, None]) for _ in range(3))
        rows.append(["order@example.org", "Order", "Completed", None, created, started, completed])
    # repeats: exact copies and case/space variants of earlier rows
    for _ in range(40):
        row = list(rng.choice(rows))
        if rng.random() < 0.5 and isinstance(row[0], str):
            row[0] = f"  {row[0].upper()} "
        if rng.random() < 0.3 and isinstance(row[2], str):
            row[2] = row[2].lower()
        rows.append(row)
    # a learner with several open enrollments of one course
    for status in ("In Progress", "Not Started", "Completed", "in progress", "Not Started"):
        rows.append(["dup@example.org", "Repeat", status, None, "1/1/2025", None, None])
    return [r for r in rows if any(v not in (None, "") for v in r)]


def synthetic_pack() -> RulePack:
    """A pack exercising the rest of the language: const, patterns, lengths, exclusive bounds,
    integer, case-sensitive enums, else, anyOf, oneOf, dependentRequired, when on a check."""

    def rule(severity: str = "error") -> dict[str, str]:
        return {"severity": severity, "title": "T", "message": "M {cell}", "why": "W", "fix": "F"}

    def column(schema: dict[str, Any], rule_id: str | None = None, **ext: Any) -> dict[str, Any]:
        meta = {**ext, **({"rule": rule_id} if rule_id else {})}
        return {"description": "A column.", **schema, "x-sheetcheck": meta}

    data = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Synthetic",
        "type": "object",
        "properties": {
            "Code": column({"type": "string", "pattern": "^[A-Z]{2}\\d{3}$"}, "bad-code"),
            "Ref": column(
                {
                    "type": "string",
                    "allOf": [
                        {"pattern": "^[A-Za-z0-9 ]{1,12}$"},
                        {"not": {"pattern": "^TMP"}, "x-sheetcheck": {"rule": "temporary-ref"}},
                    ],
                },
                "bad-ref",
            ),
            "Level": column({"type": "integer", "minimum": 1, "maximum": 5}, "bad-level"),
            "Grade": column({"enum": ["A", "B", "C", "U"]}, "bad-grade"),
            "Name": column({"type": "string", "minLength": 2, "maxLength": 10}, "bad-name"),
            "Mode": column({"enum": ["Full", "Part"]}, "bad-mode", ignore_case=True),
            "Rate": column(
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, "bad-rate"
            ),
            "Start": column({"type": "string"}, "bad-date", function="dmy-date"),
            "End": column({"type": "string"}, "bad-date", function="dmy-date"),
        },
        "allOf": [
            {"required": ["Code"], "x-sheetcheck": {"rule": "required"}},
            {
                "if": {"required": ["Mode"], "properties": {"Mode": {"const": "Part"}}},
                "then": {"required": ["Rate"]},
                "else": {"not": {"required": ["Rate"]}},
                "x-sheetcheck": {"rule": "rate-mode", "column": "Rate"},
            },
            {
                "anyOf": [{"required": ["Name"]}, {"required": ["Ref"]}],
                "x-sheetcheck": {"rule": "name-or-ref", "column": "Name"},
            },
            {
                "dependentRequired": {"End": ["Start"]},
                "x-sheetcheck": {"rule": "end-needs-start", "column": "End"},
            },
            {
                "oneOf": [{"required": ["Grade"]}, {"required": ["Level"]}],
                "x-sheetcheck": {"rule": "grade-or-level", "column": "Grade"},
            },
            {
                "if": {"required": ["Level"], "properties": {"Level": {"const": 5}}},
                "then": {"properties": {"Grade": {"enum": ["A", "B"]}}},
                "x-sheetcheck": {"rule": "top-level-grade"},
            },
        ],
        "x-sheetcheck": {
            "version": 1,
            "name": "synthetic",
            "key_column": "Code",
            "checks": [
                {
                    "rule": "end-before-start",
                    "function": "date-order",
                    "args": {"columns": ["Start", "End"]},
                },
                {
                    "rule": "duplicate-full",
                    "function": "duplicate-rows",
                    "args": {"key": ["Code", "Name"]},
                    "when": {"required": ["Mode"], "properties": {"Mode": {"const": "Full"}}},
                },
                {"rule": "future", "function": "date-after-import", "args": {"columns": ["End"]}},
                {
                    "rule": "old",
                    "function": "date-older-than",
                    "args": {"columns": ["Start"], "years": 1},
                },
            ],
            "rules": {
                name: rule("warning" if name in ("old", "future") else "error")
                for name in [
                    "missing-column",
                    "required",
                    "bad-code",
                    "bad-ref",
                    "temporary-ref",
                    "bad-level",
                    "bad-grade",
                    "bad-name",
                    "bad-mode",
                    "bad-rate",
                    "bad-date",
                    "rate-mode",
                    "name-or-ref",
                    "end-needs-start",
                    "grade-or-level",
                    "top-level-grade",
                    "end-before-start",
                    "duplicate-full",
                    "future",
                    "old",
                ]
            },
        },
    }
    return compile_rule_pack(data, "synthetic")


SYNTHETIC_VALUES: list[list[Any]] = [
    ["AB123", "ab123", "AB12", "AB1234", "A1234", "ABC23", " AB123 ", "AB 12", "", None, 12345],
    ["REF1", "Ref 12", "abcdefghijkl", "abcdefghijklm", "TMP1", "tmp1", "A-1", "TMP", None, "a  b"],
    [1, 5, 0, 6, 3.5, "3", "x", None, "5", 2.0, " 4 "],
    ["A", "a", "B", "U", "Z", "", " C ", None],
    ["Al", "A", "Abcdefghij", "Abcdefghijk", None, "Jo Bo", 7],
    ["Full", "full", "PART", "Part", "Other", None, " full "],
    [0, 1, 0.5, "0.25", -0.1, "x", None, 0.001, "1e-3"],
    [
        "1/3/2025",
        "29/02/2024",
        "31/12/1969",
        "1/3/2026",
        "2025-03-01",
        None,
        "1/11/2025",
        "2/11/2025",
    ],
    ["1/3/2025", "1/2/2025", "3/11/2026", "1/3/2027", "31/4/2025", None, "1/11/2026"],
]


def synthetic_rows() -> list[list[Any]]:
    """Every value in every column once, then random mixes and repeats."""
    rng = random.Random(5)
    rows: list[list[Any]] = []
    base = [values[0] for values in SYNTHETIC_VALUES]
    for position, values in enumerate(SYNTHETIC_VALUES):
        for value in values:
            row = list(base)
            row[position] = value
            rows.append(row)
    for _ in range(160):
        rows.append([rng.choice(values) for values in SYNTHETIC_VALUES])
    for _ in range(30):
        rows.append(list(rng.choice(rows)))
    return [r for r in rows if any(v not in (None, "") for v in r)]


def edge_values(column: Column) -> list[Any]:
    """Values at and around a column's rules, read from its schema (any pack)."""
    schema = column.schema
    if column.function is not None and column.function.name == "dmy-date" and not column.args:
        texts = [d for d in DATES if isinstance(d, str) and d][::2]
        return [*texts, *VALID_DATES, "", None]
    if column.function is not None and column.function.name == "dmy-date":
        return [
            *VALID_DATES,
            "1/1/1900",
            "31/12/1899",
            "29/2/1900",
            "15/6/1950",
            "1/1/1850",
            dt.datetime(1950, 6, 15),
            "1/3/2027",
            "2025-03-01",
            None,
        ]
    if column.function is not None and column.function.name == "checksum-mod11":
        return checksum_values(column.args)
    if column.function is not None:
        return ["1234567890", "9999999999", "123", "abc", "", None]
    if column.enum is not None:
        members = list(column.enum)
        if all(isinstance(m, str) for m in members):
            first = members[0]
            return [*members, first.lower(), first.upper(), f" {first} ", "Unknown", "", None]
        numbers = [m for m in members if isinstance(m, (int, float))]
        return [*members, max(numbers) + 1, 0, str(numbers[0]), "x", 2.5, None]
    if column.json_type in ("number", "integer"):
        low = schema.get("minimum", 0)
        high = schema.get("maximum", 100)
        mid = (low + high) // 2
        return [low, high, low - 1, high + 1, mid, mid + 0.5, str(mid), f" {mid} ", "abc", None]
    if "pattern" in schema or "allOf" in schema:
        return [
            "AB12",
            "ABCD1234",
            "abcd1234",
            "ABCD 123",
            "ABCDEFGHIJKLM",
            "A",
            "AB-12",
            "a b",
            " Alpha ",  # spaces around and doubled: names with a pattern (ILR) get extra-spaces
            "Al  pha",
            None,
        ]
    return ["Alpha", "alpha", " Alpha ", "Beta", "Al  pha", "", None]


def checksum_values(args: dict[str, Any]) -> list[Any]:
    """Numbers with right and wrong check digits, as text and as numbers, and placeholders."""
    weights = args["weights"]
    values: list[Any] = list(args.get("placeholders", ()))
    for seed in ("123456789", "987654321", "000000001", "555555555", "100000000"):
        body = seed[: len(weights)].rjust(len(weights), "1")
        check = (args["offset"] - sum(int(d) * w for d, w in zip(body, weights, strict=True))) % 11
        if check < 10:
            values += [body + str(check), int(body + str(check)), body + str((check + 1) % 10)]
    return [*values, f" {values[-3]} ", "12345", "abcdefghij", 12.5, "", None]


def generic_rows(pack: RulePack) -> list[list[Any]]:
    """Every edge value of every column once, then random mixes and repeats."""
    rng = random.Random(pack.name)
    values = [edge_values(c) for c in pack.columns]
    base = [next((v for v in vs if v not in (None, "")), None) for vs in values]
    rows: list[list[Any]] = []
    for position, options in enumerate(values):
        for value in options:
            row = list(base)
            row[position] = value
            rows.append(row)
    while len(rows) < 360:
        rows.append([rng.choice(vs) for vs in values])
    for _ in range(40):
        row = list(rng.choice(rows))
        if rng.random() < 0.5:
            row = [v.upper() if isinstance(v, str) else v for v in row]
        rows.append(row)
    return [r for r in rows if any(v not in (None, "") for v in r)]


@dataclass
class Case:
    """A pack, the rows written on its sheet and on its related tables' sheets."""

    pack: RulePack
    rows: list[list[Any]]
    related_rows: dict[str, list[list[Any]]] = field(default_factory=dict)

    def options(self) -> TemplateOptions:
        return TemplateOptions(
            rows=self.rows,
            related_rows=self.related_rows,
            import_date=IMPORT_DATE,
            verdict_columns=True,
        )


def generic_case(name: str) -> Case:
    """Schema-derived rows for a bundled pack and for each related table on its own sheet."""
    pack = load_pack(name)
    # the related sheets never list "Beta", so main rows naming it are not found there
    related = {
        key: [row for row in generic_rows(sub) if "Beta" not in row][:80]
        for key, sub in pack.related.items()
        if sub.origin == "sheet"
    }
    return Case(pack, with_gaps(generic_rows(pack)), related)


CASES: dict[str, Callable[[], Case]] = {
    "enrollment-history": lambda: Case(
        load_pack("enrollment-history"), with_gaps(differential_rows())
    ),
    "synthetic": lambda: Case(synthetic_pack(), synthetic_rows()),
    **{
        name: functools.partial(generic_case, name)
        for name in bundled_pack_names()
        if name != "enrollment-history"
    },
}


def with_gaps(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with blank rows inside: one alone, then two together."""
    width = len(rows[0])
    blank: list[Any] = [None] * width
    return [*rows[:40], blank, *rows[40:90], blank, list(blank), *rows[90:]]


def _table(pack: RulePack, rows: list[list[Any]]) -> Table:
    """The table a reader makes of the sheet: blank rows left out, row numbers kept."""
    kept = [
        (FIRST_ROW + offset, row)
        for offset, row in enumerate(rows)
        if any(value not in (None, "") for value in row)
    ]
    return Table(
        sheet=pack.sheet_name or pack.sheet_title,
        header_row=1,
        header=[c.name for c in pack.columns],
        first_col=1,
        row_numbers=[number for number, _ in kept],
        columns=[[row[i] for _, row in kept] for i in range(len(pack.columns))],
    )


def engine_verdicts(case: Case) -> set[tuple[int, str, str]]:
    """(row, rule, column) of every issue the engine reports on what the formulas cover."""
    covered = compile_pack(case.pack).covered_pack()
    table = _table(case.pack, case.rows)
    related = {key: _table(case.pack.related[key], rows) for key, rows in case.related_rows.items()}
    issues = check_table(covered, table, Context(import_date=IMPORT_DATE, related=related))
    # issues on related sheets, and structural ones without a cell, are not this sheet's
    return {
        (i.row, i.rule, i.column or "")
        for i in issues
        if i.cell is not None and i.sheet == table.sheet
    }


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every case's workbook, recalculated by LibreOffice in one batch conversion."""
    folder = tmp_path_factory.mktemp("differential")
    sources = []
    for name, make in CASES.items():
        case = make()
        source = folder / f"{name}.xlsx"
        write_template(case.pack, source, case.options())
        sources.append(source)
    converted = soffice_convert(sources, "xlsx", folder / "out")
    return dict(zip(CASES, converted, strict=True))


def formula_verdicts(path: Path) -> Iterator[tuple[int, str, str, Any]]:
    """(row, rule, column, value) for every verdict cell LibreOffice calculated."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True, read_only=True)
    sheet = book.worksheets[0]
    grid = list(sheet.iter_rows(values_only=True))
    header = grid[0]
    for number, values in enumerate(grid[1:], start=2):
        for text, value in zip(header, values, strict=False):
            if isinstance(text, str) and "|" in text and value is not None:
                rule, column = text.split("|", 1)
                yield number, rule, column, value


@pytest.mark.parametrize("name", list(CASES))
def test_rows_cover_every_formula(name: str) -> None:
    """The engine reports every (rule, column) the formulas implement somewhere in the rows."""
    case = CASES[name]()
    found = {(rule, column) for _, rule, column in engine_verdicts(case)}
    expected = {(r.rule, r.column) for r in compile_pack(case.pack).rules}
    assert expected <= found, sorted(expected - found)
    assert 200 <= len(case.rows) <= 600


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", list(CASES))
def test_formulas_agree_with_engine(name: str, recalculated: dict[str, Path]) -> None:
    """Every verdict LibreOffice computes equals the engine's, for every row, rule and column."""
    case = CASES[name]()
    compiled = compile_pack(case.pack)
    pairs = {(r.rule, r.column): r for r in compiled.rules}
    engine = engine_verdicts(case)
    uncompiled = {(rule, column) for _, rule, column in engine} - set(pairs)
    assert not uncompiled, f"engine rules without a formula: {sorted(uncompiled)}"
    plans = plan_sheets(case.pack, case.options())
    layout = layout_for(plans, plans[0], {})
    seen = 0
    problems = []
    for number, rule, column, value in formula_verdicts(recalculated[name]):
        seen += 1
        if not isinstance(value, bool):
            problems.append(f"row {number} {rule} on {column}: formula gave {value!r}")
            continue
        expected = (number, rule, column) in engine
        if value != expected:
            text = compiled.formula(pairs[(rule, column)], layout, number)
            data = case.rows[number - FIRST_ROW]
            problems.append(
                f"row {number} {rule} on {column}: formula {value}, engine {expected}; "
                f"values {data!r}; formula ={_short(text)}"
            )
    assert seen == len(case.rows) * len(pairs)
    assert not problems, "\n".join(problems[:12]) + f"\n({len(problems)} disagreements)"


def _short(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def test_verdict_cells_hold_the_conditional_format_text(tmp_path: Path) -> None:
    """The verdict cell of the first data row holds exactly the conditional format's formula."""
    from openpyxl import load_workbook

    target = tmp_path / "t.xlsx"
    write_template(
        load_pack("enrollment-history"),
        target,
        TemplateOptions(rows=[["a", "b", "Passed", 1, None, None, None]], verdict_columns=True),
    )
    sheet = load_workbook(target).worksheets[0]
    formats = {
        (str(cf.sqref), rule.formula[0])
        for cf in sheet.conditional_formatting
        for rule in cf.rules
        if str(cf.sqref) != "A1:XFD1048576"  # the Validate rig (template/rig.py), not a rule
    }
    header = [c.value for c in sheet[1]]
    verdicts = {
        text: sheet.cell(row=FIRST_ROW, column=index).value
        for index, text in enumerate(header, start=1)
        if isinstance(text, str) and "|" in text
    }
    compiled = compile_pack(load_pack("enrollment-history"))
    assert len(verdicts) == len(compiled.rules) == len(formats)
    texts = {f for _, f in formats}
    for rule in compiled.rules:
        assert verdicts[verdict_header(rule.rule, rule.column)][1:] in texts


def test_boolean_cell_does_not_flag_empty_cells() -> None:
    """A TRUE score is invalid; empty scores on other rows stay clean. (TRUE is not among the
    differential rows: LibreOffice counts a boolean as a number where Excel does not.)"""
    row = ["a@example.org", "Course", "Passed", None, "1/3/2025", "2/3/2025", "3/3/2025"]
    rows = [[*row[:3], True, *row[4:]], row]
    verdicts = engine_verdicts(Case(load_pack("enrollment-history"), rows))
    scores = {(r, rule) for r, rule, column in verdicts if column == "Enrollment Score"}
    assert scores == {(2, "invalid-score"), (3, "score-missing")}
