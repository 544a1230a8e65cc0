"""The generated template: structure, validations, formats, Instructions, sample, CLI, files.

Everything here reloads the written workbook with openpyxl and asserts on what a user would
get (sheets, table, dropdown sources, alert styles, formats and their traceability), not on
the writer's internals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from sheetcheck import check
from sheetcheck.errors import SheetcheckError, UsageError
from sheetcheck.issues_layout import codes_rule_formula
from sheetcheck.packs import bundled_pack_names, load_pack
from sheetcheck.style import FILLS
from sheetcheck.template import (
    build_sample,
    build_template,
    compile_pack,
    regenerate_all,
    register_cli,
)
from sheetcheck.template.formulas import translate_pattern
from sheetcheck.template.instructions import IMPORT_DATE_CELL, INSTRUCTIONS_SHEET, TRACE_SHEET
from sheetcheck.template.sample import DEMO_IMPORT_DATE, sample_data
from sheetcheck.template.workbook import (
    LISTS_SHEET,
    TemplateError,
    TemplateOptions,
    layout_for,
    plan_sheets,
)

ROOT = Path(__file__).resolve().parents[1]
# functions the formulas may use: all exist in Excel 2010 and in LibreOffice
EXCEL_2010 = {
    "ISTEXT",
    "CHAR",
    "AND",
    "OR",
    "NOT",
    "IF",
    "IFERROR",
    "ISNUMBER",
    "ISERROR",
    "LEN",
    "TRIM",
    "FIND",
    "MID",
    "LEFT",
    "RIGHT",
    "VALUE",
    "TEXT",
    "EXACT",
    "SUBSTITUTE",
    "DATE",
    "DAY",
    "MONTH",
    "EDATE",
    "INT",
    "MOD",
    "SUMPRODUCT",
}
COMMITTED = ROOT / "workbook_templates"
EH = "enrollment-history"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The enrollment-history template, reloaded by openpyxl."""
    target = tmp_path_factory.mktemp("template") / "enrollments.xlsx"
    build_template(load_pack(EH), target)
    return load_workbook(target)


# --------------------------------------------------------------------------- compiler


class TestCompiledRules:
    """Which rule lights up which column, and what is left to the Validate button."""

    def test_enrollment_history_formats(self) -> None:
        """Every rule issue 3 names has a conditional format on the cell the engine reports."""
        compiled = compile_pack(load_pack(EH))
        pairs = {(r.rule, r.column) for r in compiled.rules}
        assert pairs == {
            ("required", "Login ID"),
            ("required", "Course Name"),
            ("required", "Enrollment Status"),
            ("invalid-login-id", "Login ID"),
            ("unknown-status", "Enrollment Status"),
            ("invalid-date", "Enrollment Created Date"),
            ("invalid-date", "Enrollment Started Date"),
            ("invalid-date", "Enrollment Completed Date"),
            ("date-order", "Enrollment Started Date"),
            ("date-order", "Enrollment Completed Date"),
            ("completion-date-required", "Enrollment Completed Date"),
            ("completion-date-not-allowed", "Enrollment Completed Date"),
            ("score-status-mismatch", "Enrollment Score"),
            ("invalid-score", "Enrollment Score"),
            ("duplicate-open-enrollment", "Login ID"),
            ("score-missing", "Enrollment Score"),
            ("duplicate-enrollment", "Login ID"),
            ("status-date-conflict", "Enrollment Started Date"),
            ("future-date", "Enrollment Created Date"),
            ("future-date", "Enrollment Started Date"),
            ("future-date", "Enrollment Completed Date"),
            ("archived-enrollment", "Enrollment Completed Date"),
            ("extra-spaces", "Course Name"),
        }

    def test_errors_come_first(self) -> None:
        """Errors take priority over warnings over infos, so red wins where both apply."""
        severities = [r.severity for r in compile_pack(load_pack(EH)).rules]
        order = {"error": 0, "warning": 1, "info": 2}
        assert severities == sorted(severities, key=order.__getitem__)

    def test_uncovered_parts(self) -> None:
        """Only the e-mail shape and the cross-table checks are left to the Validate button."""
        uncovered = {(u.rule, u.where) for u in compile_pack(load_pack(EH)).uncovered}
        assert ("invalid-login-id", "column Login ID/allOf/1/then/pattern") in uncovered
        assert {rule for rule, _ in uncovered} <= {
            "invalid-login-id",
            "existing-enrollment",
            "licenses-exceeded",
        }

    def test_covered_pack_drops_only_uncovered_parts(self) -> None:
        """The pack the formulas verify keeps the space check and loses the e-mail check."""
        covered = compile_pack(load_pack(EH)).covered_pack()
        login = covered.column("Login ID").schema
        assert login["allOf"][0]["pattern"] == r"^\S+$"
        assert "pattern" not in login["allOf"][1]["then"]
        assert {c.function.name for c in covered.checks} <= {
            "date-order",
            "duplicate-rows",
            "date-after-import",
            "date-older-than",
            "extra-spaces",
        }

    @pytest.mark.parametrize("name", bundled_pack_names())
    def test_formulas_are_portable(self, name: str) -> None:
        """Only functions Excel 2010 has, no array constants, and every SUMPRODUCT coerces
        its booleans (Excel counts TRUE as 0 there, LibreOffice as 1: the differential test
        alone could not catch a missing ``--``)."""
        pack = load_pack(name)
        plans = plan_sheets(pack, TemplateOptions(data_rows=10))
        for plan in plans:
            compiled = compile_pack(plan.pack)
            lists = {c.name: "'Lists'!$A$2:$A$3" for c in plan.pack.columns}
            layout = layout_for(plans, plan, lists)
            for rule in compiled.rules:
                formula = compiled.formula(rule, layout, 2)
                code = re.sub(r'"(?:[^"]|"")*"', '""', formula)  # string literals aside
                assert set(re.findall(r"([A-Z][A-Z0-9.]*)\(", code)) <= EXCEL_2010, rule
                assert "{" not in code, rule
                assert code.count("SUMPRODUCT(") == code.count("SUMPRODUCT(--("), rule

    @pytest.mark.parametrize("name", bundled_pack_names())
    def test_every_bundled_pack_compiles(self, name: str) -> None:
        """The compiler is generic: every bundled pack yields formats or explains each gap."""
        pack = load_pack(name)
        plans = plan_sheets(pack, TemplateOptions())
        compiled = compile_pack(pack)
        assert compiled.rules
        layout = layout_for(plans, plans[0], {})
        for rule in compiled.rules:
            assert len(compiled.formula(rule, layout, 1048576)) < 8192  # Excel's formula limit
        for item in compiled.uncovered:
            assert item.reason


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        ("@", True),
        (r"^\S+$", True),
        (r"^\S*$", True),
        (r"\s", True),
        ("^ABC", True),
        (r"x\.y$", True),
        ("^literal$", True),
        (r"^[A-Z]{2}\d{6}[A-D]$", True),
        (r"^[A-Za-z0-9 ]{1,12}$", True),
        (r"^\d{10}$", True),
        (r"^\d{1,3}[A-Z]$", False),  # a range before the end: positions are not fixed
        (r"^[a-z]+$", False),
        (r"^(a|b)$", False),
        (r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", False),
    ],
)
def test_pattern_shapes(pattern: str, translated: bool) -> None:
    """Simple pattern shapes translate; anything else is refused rather than approximated."""
    from sheetcheck.template.expr import Untranslatable, probe

    try:
        probe(translate_pattern(pattern, lambda f: "TRIM($A2)"), array=False)
    except Untranslatable:
        assert not translated
    else:
        assert translated


# --------------------------------------------------------------------------- workbook


class TestWorkbook:
    """What openpyxl sees when it reloads the template."""

    def test_sheets(self, template: Any) -> None:
        """Data sheets first and active, Instructions next, the lists sheet hidden, the
        Validate rig's codes sheet of each data sheet (very hidden, with its name), the
        technical trace last."""
        states = [(ws.title, ws.sheet_state) for ws in template.worksheets]
        assert states == [
            ("Enrollments", "visible"),
            ("Licenses", "visible"),
            (INSTRUCTIONS_SHEET, "visible"),
            (LISTS_SHEET, "hidden"),
            ("SheetCheck codes 1", "veryHidden"),
            ("SheetCheck codes 2", "veryHidden"),
            (TRACE_SHEET, "visible"),
        ]
        assert "technical" in TRACE_SHEET.casefold() and "formula" in TRACE_SHEET.casefold()
        names = {label: d.attr_text for label, d in template.defined_names.items()}
        assert names["SheetCheck_codes_1"] == "'Enrollments'!$A$1"
        assert names["SheetCheck_codes_2"] == "'Licenses'!$A$1"
        assert template.active.title == "Enrollments"

    def test_table_header_widths(self, template: Any) -> None:
        """Columns in pack order, an Excel table over 1000 rows, header frozen, pack widths."""
        sheet = template["Enrollments"]
        pack = load_pack(EH)
        assert [c.value for c in sheet[1]] == [c.name for c in pack.columns]
        (table,) = sheet.tables.values()
        assert table.ref == "A1:G1001"
        assert sheet.freeze_panes == "A2"
        widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFG"]
        assert widths == [c.width for c in pack.columns]

    @pytest.mark.parametrize(
        ("column", "number_format"),
        [("A", "@"), ("C", "@"), ("D", "General"), ("E", "@"), ("G", "@")],
    )
    def test_text_cells(self, template: Any, column: str, number_format: str) -> None:
        """Dates and text are text cells, so what is typed is kept; the score is a number."""
        sheet = template["Enrollments"]
        assert sheet[f"{column}2"].number_format == number_format
        assert sheet[f"{column}1001"].number_format == number_format

    def test_dropdown_comes_from_lists_sheet(self, template: Any) -> None:
        """The status dropdown reads the hidden lists sheet, with a stop alert (error rule)."""
        sheet = template["Enrollments"]
        (status,) = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
        assert str(status.sqref) == "C2:C1001"
        assert status.formula1 == "'Lists'!$A$2:$A$6"
        assert status.errorStyle == "stop"
        members = [template[LISTS_SHEET].cell(row=r, column=1).value for r in range(2, 7)]
        assert members == ["Not Started", "In Progress", "Completed", "Passed", "Failed"]

    def test_score_limits(self, template: Any) -> None:
        """The score accepts a decimal between 0 and 100, with a stop alert."""
        sheet = template["Enrollments"]
        (score,) = [v for v in sheet.data_validations.dataValidation if v.type == "decimal"]
        assert (str(score.sqref), score.operator, score.formula1, score.formula2) == (
            "D2:D1001",
            "between",
            "0",
            "100",
        )
        assert score.errorStyle == "stop"

    def test_input_messages(self, template: Any) -> None:
        """Every header and data column shows the column description, within Excel's limits."""
        sheet = template["Enrollments"]
        pack = load_pack(EH)
        prompts = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
        for letter, col in zip("ABCDEFG", pack.columns, strict=True):
            for cells in (f"{letter}1", f"{letter}2:{letter}1001"):
                validation = prompts[cells]
                assert validation.showInputMessage
                assert validation.prompt == col.description
                assert len(validation.promptTitle) <= 32
                assert len(validation.prompt) <= 255

    def test_warning_alert_style(self, tmp_path: Path) -> None:
        """A dropdown whose rule is a warning gets a warning alert, not a stop."""
        from sheetcheck.packs import compile_pack as compile_rule_pack

        data = _small_pack({"Kind": {"enum": ["A", "B"], "x-sheetcheck": {"rule": "odd-kind"}}})
        data["x-sheetcheck"]["rules"]["odd-kind"]["severity"] = "warning"
        target = tmp_path / "t.xlsx"
        build_template(compile_rule_pack(data, "small"), target)
        sheet = load_workbook(target).worksheets[0]
        (kind,) = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
        assert kind.errorStyle == "warning"

    @pytest.mark.parametrize(
        ("schema", "expected"),
        [
            ({"type": "integer", "minimum": 1, "maximum": 5}, ("whole", "between", "1", "5")),
            ({"type": "number", "minimum": 0}, ("decimal", "greaterThanOrEqual", "0", None)),
            ({"type": "number", "maximum": 9.5}, ("decimal", "lessThanOrEqual", "9.5", None)),
            ({"type": "string", "maxLength": 12}, ("textLength", "between", "0", "12")),
            ({"enum": [1, 2, 3, 6]}, ("list", None, "'Lists'!$A$2:$A$5", None)),
            ({"type": "string", "pattern": "^A"}, (None, None, None, None)),
        ],
    )
    def test_validation_kinds(self, tmp_path: Path, schema: Any, expected: Any) -> None:
        """Each column keyword that Excel can enforce while typing becomes a data validation."""
        from sheetcheck.packs import compile_pack as compile_rule_pack

        data = _small_pack({"Value": {**schema, "x-sheetcheck": {"rule": "bad-value"}}})
        target = tmp_path / "t.xlsx"
        build_template(compile_rule_pack(data, "small"), target, data_rows=10)
        sheet = load_workbook(target).worksheets[0]
        (cells,) = [v for v in sheet.data_validations.dataValidation if str(v.sqref) == "A2:A11"]
        assert (cells.type, cells.operator, cells.formula1, cells.formula2) == expected

    def test_formats_match_compiled_rules(self, template: Any) -> None:
        """One conditional format per compiled rule, filled in its severity's colour."""
        sheet = template["Enrollments"]
        compiled = compile_pack(load_pack(EH))
        found = Counter()
        fills = {}
        rig = []
        for cf in sheet.conditional_formatting:
            for rule in cf.rules:
                if str(cf.sqref) == "A1:XFD1048576":  # the Validate rig, not a compiled rule
                    rig.append((rule.formula[0], rule.dxf.fill.bgColor.rgb[-6:]))
                    continue
                found[str(cf.sqref)] += 1
                fills[rule.formula[0]] = rule.dxf.fill.bgColor.rgb[-6:]
        assert sum(found.values()) == len(compiled.rules)
        assert rig == [
            (codes_rule_formula("SheetCheck codes 1", severity), FILLS[severity])
            for severity in ("error", "warning", "info")
        ]
        traces = _section(template, "Highlighting rules", TRACE_SHEET)
        licenses = compile_pack(load_pack(EH).related["licenses"])
        assert len(traces) == len(compiled.rules) + len(licenses.rules)
        for rule_id, severity, _, cells, formula, *_ in traces:
            if cells.startswith("'Enrollments'!"):
                assert fills[formula] == FILLS[severity], rule_id

    def test_instructions_explain_every_rule(self, template: Any) -> None:
        """Each rule id appears with its severity, problem, why and fix in plain words."""
        rows = {r[0]: r for r in _section(template, "Rules")}
        assert set(rows) == set(load_pack(EH).rules)
        for rule in load_pack(EH).rules.values():
            row = rows[rule.id]
            assert row[1].casefold().startswith(rule.severity[:4])
            assert row[2] == rule.title
            if "{" not in rule.why:
                assert row[3] == rule.why
            if "{" not in rule.fix:
                assert row[4] == rule.fix
            assert row[5]
        assert "Validate button" in rows["existing-enrollment"][5]
        assert rows["unknown-status"][5] == "Highlighted as you type"
        assert rows["invalid-login-id"][5] == (
            "Partly highlighted as you type; the Validate button checks the rest"
        )
        assert (
            rows["required"][4]
            == "Fill in the column, or delete the row if it is not an enrollment."
        )

    @pytest.mark.parametrize(
        "name",
        ["enrollment-history", "student-roster", "certification-registrations", "ilr-learners"],
    )
    def test_instructions_are_plain_words(self, name: str) -> None:
        """No message template, placeholder, regular expression or formula on the Instructions
        sheet of any committed template: they are on the trace sheet at the end."""
        book = load_workbook(COMMITTED / f"{name}.xlsx")
        texts = [
            str(v)
            for row in book[INSTRUCTIONS_SHEET].iter_rows(values_only=True)
            for v in row
            if v is not None and str(v) not in ("=TODAY()",)
        ]
        for text in texts:
            assert not re.search(r"[{}\[\]^$\\]", text), text
            assert not text.startswith(("AND(", "OR(", "NOT(", "=")), text
            assert " the the " not in text, text
        trace = book.worksheets[-1]
        assert trace.title == TRACE_SHEET
        formulas = [r[4] for r in trace.iter_rows(values_only=True) if r[4] and "(" in str(r[4])]
        assert formulas, "the rule-to-formula trace moved to the last sheet"

    def test_instructions_say_how_to_validate(self, template: Any) -> None:
        """The headless command names this pack; the Validate button is described."""
        texts = [c for r in template[INSTRUCTIONS_SHEET].iter_rows(values_only=True) for c in r]
        joined = " ".join(str(t) for t in texts if t)
        assert f"sheetcheck check THIS-FILE.xlsx --template {EH}" in joined
        assert "SheetCheck tab > Validate" in joined

    @pytest.mark.parametrize(
        ("import_date", "formula"),
        [(None, "=TODAY()"), (dt.date(2026, 11, 1), "=DATE(2026,11,1)")],
    )
    def test_import_date_cell(self, tmp_path: Path, import_date: Any, formula: str) -> None:
        """The date rules compare against one cell: today by default, or a fixed day."""
        target = tmp_path / "t.xlsx"
        build_template(load_pack(EH), target, import_date=import_date, data_rows=5)
        book = load_workbook(target)
        assert book[INSTRUCTIONS_SHEET][IMPORT_DATE_CELL].value == formula
        formulas = [
            r.formula[0] for cf in book.worksheets[0].conditional_formatting for r in cf.rules
        ]
        assert any(f"'{INSTRUCTIONS_SHEET}'!$B$4" in f for f in formulas)

    def test_rows_are_written(self, tmp_path: Path) -> None:
        """Pre-filled rows land in pack column order from row 2; the table grows to fit."""
        target = tmp_path / "t.xlsx"
        rows = [["a@b.org", "Course", "Passed", 90, "1/3/2025", "2/3/2025", "3/3/2025"]] * 7
        build_template(load_pack(EH), target, rows=rows, data_rows=5)
        sheet = load_workbook(target).worksheets[0]
        assert [c.value for c in sheet[8]] == rows[0]
        assert next(iter(sheet.tables.values())).ref == "A1:G8"


def _section(book: Any, title: str, sheet: str = INSTRUCTIONS_SHEET) -> list[tuple[Any, ...]]:
    """The rows of an Instructions table: below its title and column headings, to a gap."""
    rows = list(book[sheet].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith(title))
    body = []
    for row in rows[start + 2 :]:
        if not row[0]:
            break
        body.append(row)
    return body


def _small_pack(properties: dict[str, Any]) -> dict[str, Any]:
    rules = {"missing-column": {}, **{p["x-sheetcheck"]["rule"]: {} for p in properties.values()}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Small",
        "type": "object",
        "properties": {
            name: {"description": "A column.", **schema} for name, schema in properties.items()
        },
        "x-sheetcheck": {
            "version": 1,
            "name": "small",
            "rules": {
                rule: {"severity": "error", "title": "T", "message": "M", "why": "W", "fix": "F"}
                for rule in rules
            },
        },
    }


# --------------------------------------------------------------------------- writing


class TestWriting:
    """Atomic writes and clear errors."""

    def test_missing_folder(self, tmp_path: Path) -> None:
        """A missing output folder is one clear error, exit code 2."""
        with pytest.raises(TemplateError, match="does not exist") as caught:
            build_template(load_pack(EH), tmp_path / "nope" / "t.xlsx")
        assert caught.value.exit_code == 2

    @pytest.mark.parametrize("rows", [0, 50_001])
    def test_data_rows_bounds(self, tmp_path: Path, rows: int) -> None:
        """The covered rows are bounded: none is meaningless, too many makes Excel crawl."""
        with pytest.raises(TemplateError, match="data rows"):
            build_template(load_pack(EH), tmp_path / "t.xlsx", data_rows=rows)
        assert list(tmp_path.iterdir()) == []

    def test_reserved_sheet_name(self, tmp_path: Path) -> None:
        """A table named like the template's own sheets is refused, not silently renamed."""
        from sheetcheck.packs import compile_pack as compile_rule_pack

        data = _small_pack({"Kind": {"enum": ["A"], "x-sheetcheck": {"rule": "odd-kind"}}})
        data["x-sheetcheck"]["sheet_title"] = "instructions"
        with pytest.raises(TemplateError, match="used twice"):
            build_template(compile_rule_pack(data, "small"), tmp_path / "t.xlsx")

    def test_wrong_extension(self, tmp_path: Path) -> None:
        """Templates are .xlsx; another extension is refused before anything is written."""
        with pytest.raises(TemplateError, match=r"\.xlsx"):
            build_template(load_pack(EH), tmp_path / "t.csv")
        assert list(tmp_path.iterdir()) == []

    def test_failure_keeps_existing_file(self, tmp_path: Path, monkeypatch: Any) -> None:
        """A failed save leaves the previous file untouched and no temporary file behind."""
        from openpyxl import Workbook

        target = tmp_path / "t.xlsx"
        target.write_bytes(b"previous")

        def broken(self: Any, filename: str) -> None:
            Path(filename).write_bytes(b"half")
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(Workbook, "save", broken)
        with pytest.raises(TemplateError, match="No space left"):
            build_template(load_pack(EH), target)
        assert target.read_bytes() == b"previous"
        assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


# --------------------------------------------------------------------------- sample


def test_sample_planted_problems(tmp_path: Path) -> None:
    """The checker finds exactly the planted rules on the planted rows, and nothing else."""
    target = tmp_path / "sample.xlsx"
    build_sample(EH, target)
    data = sample_data(load_pack(EH))
    (report,) = check(target, template=EH, import_date=DEMO_IMPORT_DATE).files
    found: dict[tuple[str, int], set[str]] = {}
    for issue in report.issues:
        found.setdefault((issue.sheet, issue.row - 2), set()).add(issue.rule)
    expected = {("Enrollments", k): set(v) for k, v in data.planted.items()}
    expected.update({("Licenses", k): set(v) for k, v in data.related_planted["licenses"].items()})
    assert found == expected
    planted = {rule for rules in expected.values() for rule in rules}
    assert planted == set(load_pack(EH).rules) - {
        "missing-column",  # the template has every column
        "no-rows",  # the sample has rows
        "existing-enrollment",  # needs --baseline
    }
    assert 250 <= report.rows <= 400


# --------------------------------------------------------------------------- command line


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


class TestCommandLine:
    """``sheetcheck template``, registered on the CLI's subparsers."""

    def test_one_template(self, tmp_path: Path, capsys: Any) -> None:
        """NAME -o OUT writes the workbook and says where."""
        target = tmp_path / "out.xlsx"
        assert _run(["template", EH, "-o", str(target), "--import-date", "2026-11-01"]) == 0
        assert load_workbook(target)[INSTRUCTIONS_SHEET][IMPORT_DATE_CELL].value == (
            "=DATE(2026,11,1)"
        )
        assert str(target) in capsys.readouterr().out

    @pytest.mark.parametrize(
        "argv",
        [["template"], ["template", EH], ["template", EH, "--all", "-o", "x.xlsx"]],
    )
    def test_usage_errors(self, argv: list[str]) -> None:
        """A missing name or output, or mixing NAME with --all, is a usage error."""
        with pytest.raises(UsageError):
            _run(argv)

    def test_unknown_pack(self, tmp_path: Path) -> None:
        """An unknown template name is a pack error naming the bundled ones."""
        with pytest.raises(SheetcheckError, match="enrollment-history"):
            _run(["template", "no-such-pack", "-o", str(tmp_path / "x.xlsx")])


# --------------------------------------------------------------------------- committed files


def describe(path: Path) -> dict[str, Any]:
    """A workbook's content: cells, number formats, validations, formats, tables, layout."""
    book = load_workbook(path)
    content: dict[str, Any] = {}
    for sheet in book.worksheets:
        content[sheet.title] = {
            "state": sheet.sheet_state,
            "cells": {
                c.coordinate: (c.value, c.number_format)
                for row in sheet.iter_rows()
                for c in row
                if c.value is not None or c.number_format != "General"
            },
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1, v.formula2, v.errorStyle, v.prompt)
                for v in sheet.data_validations.dataValidation
            ),
            "formats": sorted(
                (str(cf.sqref), r.formula[0], r.dxf.fill.bgColor.rgb)
                for cf in sheet.conditional_formatting
                for r in cf.rules
            ),
            "tables": sorted((t.displayName, t.ref) for t in sheet.tables.values()),
            "freeze": sheet.freeze_panes,
            "widths": {k: d.width for k, d in sheet.column_dimensions.items()},
        }
    return content


def test_committed_templates_are_current(tmp_path: Path) -> None:
    """workbook_templates/ equals what the code produces (run `make templates` if not)."""
    written = regenerate_all(tmp_path)
    expected = sorted(p.relative_to(tmp_path) for p in written)
    committed = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*.xlsx"))
    assert committed == expected, "run `make templates`"
    for relative in expected:
        assert describe(COMMITTED / relative) == describe(tmp_path / relative), (
            f"{relative} is out of date: run `make templates`"
        )
