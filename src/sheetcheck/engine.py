"""The rule engine: a compiled rule pack applied to a Table gives Issues. Pure, no I/O.

It never validates row by row naively. Cells are normalized and validated once per distinct
value of a column; row rules (JSON Schema ``allOf`` fragments) are validated once per distinct
projection of the row onto the columns they read (presence only, where that is all they test);
table checks are Python functions that see whole columns. That keeps a million-row sheet to a
few passes over plain lists.
"""

from __future__ import annotations

import collections
import datetime as dt
import difflib
import functools
import itertools
import operator
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict

from .compiled import compile_value_schema
from .dates import DMY, DateFormat
from .folding import fold_text
from .functions import Context, Finding, FixRequest, ValueResult
from .functions import TableView as TableViewProtocol
from .model import (
    CellError,
    CellValue,
    Issue,
    SharedFields,
    Table,
    UncachedFormula,
    cell_ref,
    column_letter,
    json_value,
)
from .packs import EXT, Column, RowRule, RulePack, normalize_header, strip_annotations
from .values import display_value

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: Where the engine leaves the columns whose fixes a fixer vetoed (FileReport.extra key).
FIX_BLOCKED = "_fix_blocked"
_UNFIXABLE = ("cell-error", "formula-not-calculated")
# Where a placeholder's value comes from when the check's parameters do not give it.
_CONSTANT, _CELL, _VALUE_Q, _COLUMN, _ROW_FIELD, _ROW, _VALUE, _UNKNOWN = range(8)
_Step = tuple[str, int, Any]
_Open = tuple[int, int, Any]  # a placeholder filled per row: (position, where from, what it needs)


@dataclass(frozen=True, slots=True, eq=False)
class Norm:
    """One distinct cell value, normalized: shared by every cell holding the same value.

    ``json`` is the value in the row instance JSON Schema sees (text stripped, numbers as
    numbers, enum members in their canonical spelling, dates as the text written or ISO);
    ``typed`` what table checks use (a ``datetime.date`` for a valid date, None for an
    unusable value); ``findings`` the cell-level problems, each with its rule id.
    """

    json: Any
    typed: Any
    findings: tuple[Finding, ...] = ()


# --------------------------------------------------------------------------- header


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Which table position holds which pack column, and which columns are missing."""

    positions: Mapping[str, int]  # pack column name -> 0-based header position
    missing: tuple[Column, ...]

    @property
    def matched(self) -> int:
        return len(self.positions)


def map_header(pack: RulePack, header: Sequence[object]) -> HeaderMap:
    index = pack.header_index()
    positions: dict[str, int] = {}
    for pos, text in enumerate(header):
        if text is None:
            continue
        col = index.get(normalize_header(text))
        if col is not None and col.name not in positions:
            positions[col.name] = pos
    missing = tuple(c for c in pack.columns if c.name not in positions and not c.optional_column)
    return HeaderMap(positions, missing)


# --------------------------------------------------------------------------- table view


class TableView:
    """What a table check sees: the normalized columns and the rows its ``when`` selected."""

    def __init__(self, checker: _TableChecker, rows: Sequence[int]) -> None:
        self._checker = checker
        self.rows = rows

    @property
    def pack(self) -> RulePack:
        return self._checker.pack

    def has(self, column: str) -> bool:
        return column in self._checker.norms

    def typed(self, column: str) -> list[Any]:
        """Per table row: the typed value (None when empty or unusable)."""
        return self._checker.typed(column)

    def json(self, column: str) -> list[Any]:
        """Per table row: the normalized value (None when empty)."""
        return self._checker.json(column)

    def folded(self, column: str) -> list[Any]:
        """Per table row: the normalized value, text folded (case and repeated spaces do not
        count); computed once per column, whichever checks compare it."""
        return self._checker.folded(column)

    def raw(self, column: str) -> Sequence[CellValue]:
        return self._checker.raw(column)

    def row_number(self, index: int) -> int:
        return self._checker.table.row_numbers[index]

    def display(self, column: str, index: int) -> str:
        return display_value(self._checker.raw(column)[index], self.pack.date_format)

    def cell(self, column: str, index: int) -> str:
        return self._checker.cell(column, index)

    @property
    def sheet(self) -> str:
        return self._checker.table.sheet

    @property
    def source(self) -> str:
        pack = self._checker.pack
        if self._checker.table.source or pack.origin != "input":
            return self._checker.table.source
        return f"the --{pack.input_name} file"  # a table handed in without its file name

    @property
    def header_row(self) -> int:
        """Sheet row number of the header (data rows start below it, maybe after blank rows)."""
        return self._checker.table.header_row

    def related(self, name: str) -> TableView | None:
        """A related table (another sheet, a baseline file) as a view of all its rows, or None
        when the workbook has no such sheet or the option naming the file was not given."""
        other = self._checker.related.get(name)
        return TableView(other, range(len(other.table))) if other is not None else None

    def label(self, column: str) -> str:
        """The column's header text as written in the file."""
        return str(self._checker.table.header[self._checker.header.positions[column]])


# --------------------------------------------------------------------------- entry point


def check_table(pack: RulePack, table: Table, context: Context | None = None) -> list[Issue]:
    """Every issue ``pack`` finds in ``table``, unsorted.

    ``context.related`` holds the tables of the pack's related entries that could be read
    (name -> Table); problems inside a related *sheet* are reported too, those inside a
    related *input* file only feed the checks that compare against it.
    """
    context = _with_date_format(context or Context(), pack)
    issues: list[Issue] = []
    related: dict[str, _TableChecker] = {}
    for name, sub in pack.related.items():
        other = context.related.get(name)
        if other is None:
            if sub.origin == "sheet" and sub.required:
                issues.append(_missing_sheet(pack, sub, table))
            continue
        checker = _TableChecker(sub, other, context)
        found = checker.run()
        if sub.origin == "sheet":
            issues.extend(found)
        related[name] = checker
    issues.extend(_TableChecker(pack, table, context, related).run())
    if not len(table):
        issues.append(_no_rows(pack, table))
    return issues


def _with_date_format(context: Context, pack: RulePack) -> Context:
    """The context the checks see: the pack's date format (``extra`` stays the caller's dict)."""
    if context.date_format == pack.date_format:
        return context
    return replace(context, date_format=pack.date_format)


def normalize_table(pack: RulePack, table: Table) -> dict[str, list[Norm | None]]:
    """Per pack column the table has: each cell's :class:`Norm` as the checks see it (None for
    an empty cell). Writers that re-emit the data (export) use it, so a value is read once,
    one way."""
    positions = map_header(pack, table.header).positions
    return {
        col.name: _ValueNormalizer(col, pack.date_format).column(table.columns[positions[col.name]])
        for col in pack.columns
        if col.name in positions
    }


class IssueWriter:
    """Issues worded exactly as the engine words its own, for checks made outside it (the
    cross-file duplicates of ``--merge``)."""

    def __init__(self, pack: RulePack, table: Table, context: Context | None = None) -> None:
        self._checker = _TableChecker(pack, table, _with_date_format(context or Context(), pack))

    def issue(
        self, rule_id: str, index: int, params: Mapping[str, Any], column: str | None = None
    ) -> Issue:
        return self._checker.issue(rule_id, column, index, params)


def sheet_not_read(sheet: str, row: int, skipped: str, kind: str) -> Issue:
    """The info that sheet ``skipped`` (a macro or dialog sheet) was left out of the search."""
    rule = _builtin_rule("sheet-not-read")
    return _sheet_issue(rule, sheet, row, {"skipped": skipped, "kind": kind}, value=skipped)


def _missing_sheet(pack: RulePack, sub: RulePack, table: Table) -> Issue:
    rule = pack.rules.get("missing-sheet") or _builtin_rule("missing-sheet")
    fields = {"sheet": sub.sheet_name or sub.title, "title": sub.title}
    return _sheet_issue(rule, table.sheet, table.header_row, fields)


def _no_rows(pack: RulePack, table: Table) -> Issue:
    """A sheet with a header and nothing under it is never "ready": uploaded, an empty file
    does what the pack's ``no-rows`` why says (the roster's deletes every student)."""
    rule = pack.rules.get("no-rows") or _builtin_rule("no-rows")
    fields = {"sheet": table.sheet, "row": table.header_row, "target": pack.target}
    return _sheet_issue(rule, table.sheet, table.header_row, fields)


def _sheet_issue(
    rule: Any, sheet: str, row: int, fields: Mapping[str, Any], value: Any = None
) -> Issue:
    """An issue about a sheet as a whole: it sits on the header row, in no cell."""
    return Issue(
        rule=rule.id,
        severity=rule.severity,
        sheet=sheet,
        row=row,
        column=None,
        cell=None,
        value=value,
        **_message_parts(rule, fields),
    )


class _TableChecker:
    def __init__(
        self,
        pack: RulePack,
        table: Table,
        context: Context,
        related: Mapping[str, _TableChecker] | None = None,
    ) -> None:
        self.pack = pack
        self.related = related or {}
        self.dates = pack.date_format
        self.import_date_text = self.dates.format(context.import_date)
        self.table = table
        self.context = context
        self.header = map_header(pack, table.header)
        self.norms: dict[str, list[Norm | None]] = {}
        self._typed: dict[str, list[Any]] = {}
        self._json: dict[str, list[Any]] = {}
        self._folded: dict[str, list[Any]] = {}
        self._present: dict[str, list[bool]] = {}
        self._fix_normalizers: dict[str, _ValueNormalizer] = {}
        self.issues: list[Issue] = []
        self._rules: dict[str, tuple[Any, _RuleText]] = {}
        self._places: dict[str | None, tuple[int, str, str]] = {}
        self._steps: dict[tuple[tuple[str, ...], bool], tuple[_Step, ...]] = {}
        self._quotes: dict[tuple[type, Any], str] = {}
        self._norms_shown: dict[Norm | None, str] = {}
        self._suggestions: dict[tuple[type, Any], dict[str, str]] = {}

    # ---- accessors used by TableView
    def raw(self, column: str) -> Sequence[CellValue]:
        return self.table.columns[self.header.positions[column]]

    def typed(self, column: str) -> list[Any]:
        if column not in self._typed:
            self._typed[column] = [n.typed if n is not None else None for n in self.norms[column]]
        return self._typed[column]

    def json(self, column: str) -> list[Any]:
        if column not in self._json:
            self._json[column] = [n.json if n is not None else None for n in self.norms[column]]
        return self._json[column]

    def present(self, column: str) -> list[bool]:
        """Per table row: whether the cell holds a value (computed once per column)."""
        if column not in self._present:
            self._present[column] = list(
                map(operator.is_not, self.json(column), itertools.repeat(None))
            )
        return self._present[column]

    def folded(self, column: str) -> list[Any]:
        if column not in self._folded:
            folded = _PerNorm(_folded_json)  # Norms hash by identity: no text hashed per row
            self._folded[column] = list(map(folded.__getitem__, self.norms[column]))
        return self._folded[column]

    def cell(self, column: str | None, index: int) -> str:
        if self.table.locate is not None:
            return str(self.table.locate(index, column))
        pos = self.header.positions.get(column or self.pack.key_column)
        if pos is None:
            pos = 0
        return cell_ref(self.table.row_numbers[index], self.table.col_number(pos))

    # ---- the run
    def run(self) -> list[Issue]:
        for col in self.header.missing:
            self._missing_column(col)
        for col in self.pack.columns:
            if col.name in self.header.positions:
                self._column(col)
        self._row_rules()
        for check in self.pack.checks:
            self._table_check(check)
        return self._without_weaker(self._without_shadowed(self.issues))

    def _without_weaker(self, issues: list[Issue]) -> list[Issue]:
        """A check's finding gives way to a stronger rule's on the same row (``yields_to``): a
        repeated open enrollment is reported once, as the error, not also as a duplicate."""
        weaker = {c.rule: set(c.yields_to) for c in self.pack.checks if c.yields_to}
        if not weaker:
            return issues
        stronger = {s for rules in weaker.values() for s in rules}
        reported = {(i.rule, i.sheet, i.row) for i in issues if i.rule in stronger}
        return [
            i
            for i in issues
            if i.rule not in weaker
            or not any((s, i.sheet, i.row) in reported for s in weaker[i.rule])
        ]

    def _missing_column(self, col: Column) -> None:
        from .nearmiss import likely_header

        names = ", ".join(f'"{n}"' for n in (col.name, *col.aliases))
        claimed = set(self.header.positions.values())
        unclaimed = [(p, str(t)) for p, t in enumerate(self.table.header) if p not in claimed]
        near = likely_header((col.name, *col.aliases), unclaimed)
        likely = None
        likely_text = ""
        if near is not None:
            cell = cell_ref(self.table.header_row, self.table.col_number(near[0]))
            likely = (cell, near[1])
            likely_text = f'; {cell} "{near[1]}" looks like it (correct that heading)'
        params = {"column": col.name, "aliases": names, "likely_text": likely_text}
        rule = self.pack.rules["missing-column"]
        parts = _message_parts(rule, params)
        if likely_text and "{likely_text}" not in rule.message:  # every pack's message says it
            parts["what"] = parts["what"].rstrip(".") + likely_text + "."
        self.issues.append(
            Issue(
                rule=rule.id,
                severity=rule.severity,
                sheet=self.table.sheet,
                row=self.table.header_row,
                column=col.name,
                cell=None,
                value=None,
                **parts,
                likely=likely,
            )
        )

    # ---- cells
    def _column(self, col: Column) -> None:
        normalize = _ValueNormalizer(col, self.dates)
        raw = self.raw(col.name)
        norms = normalize.column(raw)
        self.norms[col.name] = norms
        bad = {n for n in normalize.distinct() if n is not None and n.findings}
        if not bad:
            return
        fixable = col.fix is not None and not self._vetoed(col, bad)
        # Norms hash by identity: the rows holding a bad value are found at C speed.
        rows_of: dict[Norm, list[int]] = collections.defaultdict(list)
        for index in itertools.compress(itertools.count(), map(bad.__contains__, norms)):
            rows_of[norms[index]].append(index)  # type: ignore[index]  # bad holds no None
        for norm, rows in rows_of.items():  # the issues of a distinct value, made together
            for finding in norm.findings:
                fix_value = (
                    self._fix_value(col, normalize, raw[rows[0]], finding) if fixable else None
                )
                self._emit_rows(finding.rule or "", col.name, rows, finding.params, fix_value)

    # ---- fixes: the value a fixable finding's cell should hold, when it is certain
    def _vetoed(self, col: Column, bad: Iterable[Norm]) -> bool:
        """Whether the column's fixer refuses the whole column (a column of swapped dates)."""
        veto = col.fix.veto if col.fix is not None else None
        if veto is None:
            return False
        for norm in bad:
            for finding in norm.findings:
                reason = veto(finding.params)
                if reason:
                    pos = self.header.positions[col.name]
                    blocked = self.context.extra.setdefault(FIX_BLOCKED, [])
                    blocked.append(
                        {
                            "sheet": self.table.sheet,
                            "column": str(self.table.header[pos]),
                            "letter": column_letter(self.table.col_number(pos)),
                            "reason": reason,
                        }
                    )
                    return True
        return False

    def _fix_value(
        self, col: Column, normalize: _ValueNormalizer, value: CellValue, finding: Finding
    ) -> Any:
        """The fixer's value for one finding, kept only when the column accepts it."""
        if col.fix is None or (finding.rule or "") in _UNFIXABLE:
            return None
        proposed = col.fix.func(FixRequest(value, finding.params, col.enum))
        if proposed is None or proposed == value:
            return None
        checked = normalize.one(proposed)
        return proposed if checked is not None and not checked.findings else None

    # ---- row rules: JSON Schema over the projection each rule reads
    def _row_rules(self) -> None:
        rules = [r for r in self.pack.row_rules if self._available(r)]
        if not rules:
            return
        params = [dict(r.params) for r in rules]  # one entry's own wording (consequence...)
        verdicts = _row_verdicts(self, rules)
        rows_of: dict[tuple[str, str | None, int], list[int]] = collections.defaultdict(list)
        for index in itertools.compress(itertools.count(), verdicts):  # the rows with errors
            for found in verdicts[index]:
                rows_of[found].append(index)
        for (rule_id, column, entry), rows in rows_of.items():
            self._emit_rows(rule_id, column, rows, params[entry])

    def _available(self, rule: RowRule) -> bool:
        return all(c in self.norms for c in rule.reads)

    def _table_check(self, check: Any) -> None:
        if check.when is not None:
            if not self._available(check.when):
                return
            rows: Sequence[int] = _accepted_rows(self, check.when)
        else:
            rows = range(len(self.table))
        columns = _columns_named(check.function.columns_from, check.args)
        if any(c not in self.norms for c in columns):
            return
        view: TableViewProtocol = TableView(self, rows)  # mypy: the engine's view fits the protocol
        for finding in check.function.func(view, check.args, self.context):
            fix_value = self._check_fix(check, finding) if check.fix is not None else None
            self._emit(
                finding.rule or check.rule, finding.column, finding.row, finding.params, fix_value
            )

    def _check_fix(self, check: Any, finding: Finding) -> Any:
        """A table check's fix for a finding on one cell, kept only when the column accepts it."""
        name = finding.column
        if finding.row is None or name is None or name not in self.header.positions:
            return None
        col = self.pack.column(name)
        value = self.raw(name)[finding.row]
        proposed = check.fix.func(FixRequest(value, finding.params, col.enum))
        if proposed is None or proposed == value:
            return None
        if col.name not in self._fix_normalizers:
            self._fix_normalizers[col.name] = _ValueNormalizer(col)
        checked = self._fix_normalizers[col.name].one(proposed)
        return proposed if checked is not None and not checked.findings else None

    # ---- issues
    def _emit(
        self,
        rule_id: str,
        column: str | None,
        index: int | None,
        params: Mapping[str, Any],
        fix_value: Any = None,
    ) -> None:
        self.issues.append(self.issue(rule_id, column, index, params, fix_value))

    def _emit_rows(
        self,
        rule_id: str,
        column: str | None,
        indexes: Sequence[int],
        params: Mapping[str, Any],
        fix_value: Any = None,
    ) -> None:
        """The issues of one finding on every row of ``indexes`` (a bad value's rows, a row
        rule's): what is the same on each row (the rule, its texts, the column, the check's
        parameters and "did you mean") is worked out once, and the issues share their
        placeholder values (:class:`~sheetcheck.model.SharedFields`) and JSON value, made once
        per distinct cell value, unless a text names another column of the row."""
        if self.table.locate is not None:  # cells placed by the table: one by one
            for index in indexes:
                self._emit(rule_id, column, index, params, fix_value)
            return
        rule, text = self._rule(rule_id)
        if fix_value is not None:
            params = {**params, **self._did_you_mean(fix_value)}
        pos, letters, header_text = self._place(column)
        fixed, varying = self._field_plan(text.names, params, column, header_text, False)
        table = self.table
        row_numbers, values, sheet = table.row_numbers, table.columns[pos], table.sheet
        severity, new, append = rule.severity, Issue.deferred, self.issues.append
        per_row = any(kind == _ROW_FIELD for _, kind, _ in varying)
        cell_at = tuple(slot for slot, kind, _ in varying if kind == _CELL)
        row_at = tuple(slot for slot, kind, _ in varying if kind == _ROW)
        # (fields, JSON value) per distinct cell value (every CellValue hashes), by type:
        # TRUE is not 1
        known: dict[tuple[type, Any], tuple[Any, Any]] = {}
        for index in indexes:
            row = row_numbers[index]
            cell = f"{letters}{row}"
            value = values[index]
            if per_row:  # a text names another column of the row: fields of its own
                fields: Any = self._row_fields(
                    fixed, varying, index=index, row=row, cell=cell, value=value
                )
                json = json_value(value)
            else:
                key = (value.__class__, value)
                found = known.get(key)
                if found is None:
                    filled = self._row_fields(
                        fixed, varying, index=index, row=row, cell=cell, value=value
                    )
                    shared = SharedFields(filled, cell_at, row_at) if cell_at or row_at else filled
                    found = known[key] = (shared, json_value(value))
                fields, json = found
            append(
                new(
                    rule_id,
                    severity,
                    sheet,
                    row,
                    header_text,
                    cell,
                    json,
                    text,
                    fields,
                    fix_value,
                    None,
                )
            )

    def issue(
        self,
        rule_id: str,
        column: str | None,
        index: int | None,
        params: Mapping[str, Any],
        fix_value: Any = None,
    ) -> Issue:
        """The issue ``rule_id`` raises on table row ``index`` (None: the whole table).

        ``fix_value`` is the proposed value of a fixable finding; the message's "did you mean"
        then shows exactly that value.
        """
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
            params = {**params, **self._did_you_mean(fix_value)}
        fixed, varying = self._field_plan(text.names, params, column, header_text, index is None)
        place = cell if location is None else str(location)
        fields = self._row_fields(fixed, varying, index=index, row=row, cell=place, value=value)
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

    def _did_you_mean(self, fix_value: Any) -> dict[str, str]:
        """``_did_you_mean(fix_value)``, once per distinct fix (by type: TRUE is not 1)."""
        key = (fix_value.__class__, fix_value)
        try:
            words = self._suggestions.get(key)
        except TypeError:  # a fixer's unhashable value: worded each time
            return _did_you_mean(fix_value, self.dates)
        if words is None:
            words = self._suggestions[key] = _did_you_mean(fix_value, self.dates)
        return words

    def _rule(self, rule_id: str) -> tuple[Any, _RuleText]:
        """The rule and its shared texts, looked up once per rule (a Rule hashes slowly)."""
        known = self._rules.get(rule_id)
        if known is None:
            rule = self.pack.rules.get(rule_id) or _builtin_rule(rule_id)
            known = self._rules[rule_id] = (rule, _rule_text(rule))
        return known

    def _place(self, column: str | None) -> tuple[int, str, str]:
        """Where a row's issue about ``column`` sits: the header position, its column letters
        and its header text (a row-level problem, without a column, sits on the key cell)."""
        place = self._places.get(column)
        if place is None:
            pos = self.header.positions.get(column or self.pack.key_column, None)
            if pos is None:
                pos = 0
            letters = column_letter(self.table.col_number(pos))
            place = self._places[column] = (pos, letters, str(self.table.header[pos]))
        return place

    def _field_plan(
        self,
        names: tuple[str, ...],
        params: Mapping[str, Any],
        column: str | None,
        header_text: str | None,
        whole_table: bool,
    ) -> tuple[list[Any], tuple[_Open, ...]]:
        """The values of the placeholders ``names``, in that order, as far as they are the
        same on every row of a finding: the check's own parameters first (a date in the pack's
        date format), then the texts of the run and the column. The rest (the cell, its value,
        the pack's row fields: other columns of the row) are left None, and listed as
        (position, where the value comes from, what that needs) for :meth:`_row_fields`. A
        name nothing provides is a bug in the pack or check: KeyError, at once.

        Where each name comes from when the parameters do not give it is decided once per
        text (:meth:`_field_steps`), so a finding pays one lookup per placeholder."""
        steps = self._steps.get((names, whole_table))
        if steps is None:
            steps = self._steps[names, whole_table] = self._field_steps(names, whole_table)
        fixed: list[Any] = []
        varying: list[_Open] = []
        for name, kind, arg in steps:
            if name in params:
                given = params[name]
                fixed.append(self.dates.format(given) if isinstance(given, dt.date) else given)
            elif kind == _CONSTANT:
                fixed.append(arg)
            elif kind == _COLUMN:
                fixed.append(header_text or column or "")
            elif kind == _UNKNOWN:
                raise KeyError(name)
            else:
                varying.append((len(fixed), kind, arg))
                fixed.append(None)
        return fixed, tuple(varying)

    def _row_fields(
        self,
        fixed: list[Any],
        varying: tuple[_Open, ...],
        *,
        index: int | None,
        row: int,
        cell: str | None,
        value: Any,
    ) -> tuple[Any, ...]:
        """A row's placeholder values: ``fixed`` with the places :meth:`_field_plan` left
        open filled from the row, its cell and the cell's value."""
        fields = fixed.copy()
        for slot, kind, arg in varying:
            if kind == _CELL:
                fields[slot] = cell or f"row {row}"
            elif kind == _VALUE_Q:
                fields[slot] = self._quoted(value)
            elif kind == _ROW_FIELD:
                assert index is not None
                fields[slot] = self._row_field(arg, index)
            elif kind == _ROW:
                fields[slot] = row
            else:
                fields[slot] = display_value(value, self.dates)
        return tuple(fields)

    def _field_steps(self, names: Iterable[str], whole_table: bool) -> tuple[_Step, ...]:
        """Per placeholder: (name, where its value comes from, what that needs) when the
        check's parameters do not give it; the order of :meth:`_field_plan`'s lookups."""
        row_fields = self.pack.row_fields if not whole_table else {}
        constants = {
            "import_date": self.import_date_text,
            "checked": self.table.source or "this sheet",
            "suggestion": "",
            "suggestion_text": "",
            "reason": "",
        }
        kinds = {
            "column": _COLUMN,
            "cell": _CELL,
            "row": _ROW,
            "value": _VALUE,
            "value_q": _VALUE_Q,
        }
        steps: list[_Step] = []
        for name in names:
            if name in row_fields:
                steps.append((name, _ROW_FIELD, row_fields[name]))
            elif name in kinds:
                steps.append((name, kinds[name], None))
            elif name in constants:
                steps.append((name, _CONSTANT, constants[name]))
            else:
                steps.append((name, _UNKNOWN, None))
        return tuple(steps)

    def _row_field(self, col: str, index: int) -> str:
        """A row field: another column of the row as it reads (normalized once its column
        has been, raw before; a column the sheet lacks reads as empty)."""
        if col in self.norms:
            norm = self.norms[col][index]
            shown = self._norms_shown.get(norm)  # once per distinct Norm
            if shown is None:
                shown = self._norms_shown[norm] = display_value(
                    norm.json if norm is not None else None, self.dates
                )
            return shown
        if col in self.header.positions:
            return display_value(self.raw(col)[index], self.dates)
        return ""

    def _quoted(self, value: Any) -> str:
        """``quote(value)``, once per distinct cell value (by type: TRUE is not 1)."""
        key = (value.__class__, value)
        try:
            shown = self._quotes.get(key)
        except TypeError:  # not a cell value (a check's own): quoted each time
            return quote(value, self.dates)
        if shown is None:
            shown = self._quotes[key] = quote(value, self.dates)
        return shown

    @staticmethod
    def _without_shadowed(issues: list[Issue]) -> list[Issue]:
        """An error value or uncalculated formula explains every other problem of its cell."""
        broken = {
            (i.sheet, i.cell) for i in issues if i.rule in ("cell-error", "formula-not-calculated")
        }
        if not broken:
            return issues
        return [
            i
            for i in issues
            if i.rule in ("cell-error", "formula-not-calculated") or (i.sheet, i.cell) not in broken
        ]


def _columns_named(arg_names: Iterable[str], args: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for arg in arg_names:
        value = args.get(arg)
        if isinstance(value, str):
            names.append(value)
        elif value:
            names.extend(value)
    return names


def _row_verdicts(
    checker: _TableChecker, rules: Sequence[RowRule]
) -> list[list[tuple[str, str | None, int]]]:
    """Per table row, the [(rule id, column, index of the row rule)] the row rules find
    (empty list: the row passes).

    The key of a row is its projection onto the columns the rules read: the value where a
    rule looks at it, mere presence otherwise. Distinct keys are validated once; the rows
    are mapped to their verdicts through a memo at C speed.
    """
    from jsonschema import Draft202012Validator

    reads: dict[str, bool] = {}
    for rule in rules:
        for col, by_value in rule.reads.items():
            reads[col] = reads.get(col, False) or by_value
    names = list(reads)
    columns = [checker.json(c) if reads[c] else checker.present(c) for c in names]
    validators = [(rule, Draft202012Validator(strip_annotations(rule.schema))) for rule in rules]

    def verdict(key: tuple[Any, ...]) -> list[tuple[str, str | None, int]]:
        instance = {
            name: (value if reads[name] else "present")
            for name, value in zip(names, key, strict=True)
            if (value is not None if reads[name] else value)
        }
        return _row_errors(validators, instance, checker.pack.key_column)

    memo = _Memo(verdict, seed={})
    return list(map(memo.__getitem__, zip(*columns, strict=True)))


def _accepted_rows(checker: _TableChecker, when: RowRule) -> list[int]:
    """Indexes of the rows a check's ``when`` condition accepts."""
    verdicts = _row_verdicts(checker, [when])
    return list(itertools.compress(itertools.count(), map(operator.not_, verdicts)))


def _row_errors(
    validators: Sequence[tuple[RowRule, Any]], instance: Mapping[str, Any], key_column: str
) -> list[tuple[str, str | None, int]]:
    found: list[tuple[str, str | None, int]] = []
    seen: set[tuple[str, str | None]] = set()
    for entry, (rule, validator) in enumerate(validators):
        for error in validator.iter_errors(instance):
            if error.validator == "required":
                columns = [c for c in error.validator_value if c not in instance]
            elif error.path:
                columns = [str(error.path[0])]
            else:
                columns = [rule.column or key_column]
            for column in columns:
                if (rule.rule, column) not in seen:
                    seen.add((rule.rule, column))
                    found.append((rule.rule, column, entry))
    return found


# --------------------------------------------------------------------------- cell values


class _Memo(dict[Any, Any]):
    """A dict that computes missing entries with ``make`` (looked up at C speed by ``map``)."""

    def __init__(self, make: Callable[[Any], Any], seed: dict[Any, Any] | None = None) -> None:
        super().__init__({None: None, "": None} if seed is None else seed)
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class _PerNorm(dict[Any, Any]):
    """``part`` of each distinct Norm, computed on first lookup (None for an empty cell)."""

    def __init__(self, part: Callable[[Norm], Any]) -> None:
        super().__init__({None: None})
        self.part = part

    def __missing__(self, norm: Norm) -> Any:
        value = self[norm] = self.part(norm)
        return value


def _folded_json(norm: Norm) -> Any:
    """The normalized value, text folded as :func:`fold_text` folds it."""
    return fold_text(norm.json) if norm.json.__class__ is str else norm.json


class _ValueNormalizer:
    """Normalizes and validates the cells of one column, once per distinct value."""

    def __init__(self, col: Column, dates: DateFormat = DMY) -> None:
        self.col = col
        self.dates = dates  # the pack's: a date cell in a text column reads as the target writes it
        self.validate: Callable[[Any], list[tuple[Any, ...]]] | None = None
        if col.has_value_rules:
            self.validate = compile_value_schema(col.schema) or _jsonschema_paths(col.schema)
        self.enum_index = (
            {fold_text(m): m for m in col.enum} if col.enum and col.ignore_case else None
        )
        self._memo: dict[Any, Norm | None] = {}
        self._annotations: dict[tuple[Any, ...], tuple[str | None, dict[str, Any]]] = {}
        self._typed_memo: dict[tuple[type, Any], Norm | None] = {}

    def column(self, raw: Sequence[CellValue]) -> list[Norm | None]:
        """One Norm per cell, computed once per distinct value (a C-level ``map`` over a memo).

        Dict keys treat True, 1 and 1.0 as equal; when a column holds booleans the memo is
        keyed by (type, value) instead, so TRUE never borrows the verdict of 1. Only a memo
        holding 0 or 1 can have mixed them up: the cells' types are looked at only then.
        """
        memo = self._memo = _Memo(self.one)
        norms = list(map(memo.__getitem__, raw))
        if (0 in memo or 1 in memo) and bool in set(map(type, raw)):
            self._memo = {}
            typed = self._typed_memo = {(type(None), None): None, (str, ""): None}

            def by_type(value: CellValue) -> Norm | None:
                key = (value.__class__, value)
                if key not in typed:
                    typed[key] = self.one(value)
                return typed[key]

            return list(map(by_type, raw))
        return norms

    def distinct(self) -> list[Norm | None]:
        """Every Norm the last :meth:`column` call produced, once each."""
        return [*self._memo.values(), *self._typed_memo.values()]

    def one(self, value: CellValue) -> Norm | None:
        if isinstance(value, CellError):
            return Norm(
                value.code, None, (Finding(rule="cell-error", params={"error": value.code}),)
            )
        if isinstance(value, UncachedFormula):
            return Norm(
                value.formula,
                None,
                (Finding(rule="formula-not-calculated", params={"formula": value.formula}),),
            )
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
        col = self.col
        if col.function is not None:
            result: ValueResult = col.function.func(value, col.function_args)
            json = value if isinstance(value, str) else _json_text(value, result.typed)
            rule = col.rule or ""
            found = tuple(
                f if f.rule else Finding(f.row, f.column, f.params, rule) for f in result.findings
            )
            return Norm(json, result.typed, found)
        json = self._coerce(value)
        findings = self._findings(json) if self.validate is not None else ()
        return Norm(json, json if not findings else None, findings)

    def _coerce(self, value: CellValue) -> Any:
        kind = self.col.json_type
        if kind in ("number", "integer"):
            if isinstance(value, str) and _NUMBER.fullmatch(value):
                number = float(value)
                return int(number) if number.is_integer() else number
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return json_value(value)
        text = display_value(value, self.dates) if not isinstance(value, str) else value
        if self.enum_index is not None:
            return self.enum_index.get(fold_text(text), text)
        if kind == "string" or self.col.enum is not None:
            return text
        return json_value(value)

    def _findings(self, json: Any) -> tuple[Finding, ...]:
        assert self.validate is not None
        paths = self.validate(json)
        if not paths:  # most values pass
            return ()
        found: dict[str, dict[str, Any]] = {}
        for path in paths:
            annotation = self._annotations.get(path)
            if annotation is None:
                annotation = self._annotations[path] = _annotation_for(self.col.schema, path)
            rule, params = annotation[0], dict(annotation[1])
            rule = rule or self.col.rule or ""
            if rule in found:
                continue
            if self.col.enum is not None and self.col.fix is None and path and path[-1] == "enum":
                # a column with a fixer gets its "did you mean" from the fix, never a second guess
                params = {**params, **_enum_suggestion(json, self.col.enum)}
            found[rule] = params
        return tuple(Finding(rule=rule, params=params) for rule, params in found.items())


def _jsonschema_paths(schema: Mapping[str, Any]) -> Callable[[Any], list[tuple[Any, ...]]]:
    """The slow, general path: jsonschema itself, for keywords the compiler does not know."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    return lambda value: [tuple(e.schema_path) for e in validator.iter_errors(value)]


def _json_text(value: CellValue, typed: Any) -> Any:
    if isinstance(typed, dt.date):
        return typed.isoformat()
    return json_value(value)


def _annotation_for(
    schema: Mapping[str, Any], path: Iterable[Any]
) -> tuple[str | None, dict[str, Any]]:
    """The rule id and message parameters of the innermost annotation along ``path``."""
    rule: str | None = None
    params: dict[str, Any] = {}
    node: Any = schema
    for step in [None, *path]:
        if step is not None:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
        if isinstance(node, Mapping) and isinstance(node.get(EXT), Mapping):
            annotation = node[EXT]
            if "rule" in annotation and step is not None:
                rule = annotation["rule"]
            params.update({k: v for k, v in annotation.items() if k in ("reason",)})
    return rule, params


def _enum_suggestion(value: Any, members: Sequence[Any]) -> dict[str, str]:
    options = {fold_text(m): str(m) for m in members}
    close = difflib.get_close_matches(fold_text(value), list(options), n=1, cutoff=0.6)
    if not close:
        return {}
    best = options[close[0]]
    return {"suggestion": best, "suggestion_text": f' (did you mean "{best}"?)'}


def _did_you_mean(fix_value: Any, dates: DateFormat = DMY) -> dict[str, str]:
    """The message fields naming a fix: dates and numbers bare, other text quoted."""
    shown = display_value(fix_value, dates)
    plain = not isinstance(fix_value, str) or dates.split(fix_value) is not None
    text = f" (did you mean {shown}?)" if plain else f' (did you mean "{shown}"?)'
    return {"suggestion": shown, "suggestion_text": text}


# --------------------------------------------------------------------------- messages


def quote(value: Any, dates: DateFormat = DMY) -> str:
    if isinstance(value, str):
        return f'"{value.strip()}"'
    return display_value(value, dates)


def _fill(message: str, fields: Mapping[str, Any]) -> str:
    """Fill a message's placeholders; a placeholder without a value is a bug in the pack or check
    (tests run every rule's messages), so it raises KeyError naming the placeholder."""
    if "{" not in message:
        return message
    suggestion = fields.get("suggestion")
    if suggestion and not fields.get("suggestion_text"):
        fields = {**fields, "suggestion_text": f" (did you mean {suggestion}?)"}
    return message.format_map(fields)


@functools.cache
def _placeholders(rule: Any) -> frozenset[str]:
    """The field names a rule's message, why and fix use."""
    names: set[str] = set()
    for message in (rule.message, rule.why, rule.fix):
        names.update(name for _, name, _, _ in string.Formatter().parse(message) if name)
    return frozenset(names)


@functools.lru_cache(maxsize=4096)
def _sentence(text: str) -> str:
    """``text`` ending in a full stop; cached, so a rule's fixed texts stay one shared object."""
    return text if not text or text.endswith((".", "?", "!")) else text + "."


class _RuleText:
    """A rule's message, why and fix texts, shared by every deferred issue of the rule.

    Each text is compiled once into what rendering needs (:func:`_text_plan`), so an issue's
    words cost at most three ``str.format`` calls on its values as they come: a text without
    placeholders is its finished sentence already, and a text ending in words after its last
    placeholder is known to need (or not) its full stop before any value is filled in.
    """

    __slots__ = ("_plans", "_suggestion", "fix", "message", "names", "why")

    def __init__(self, message: str, why: str, fix: str, names: tuple[str, ...]) -> None:
        self.message = message
        self.why = why
        self.fix = fix
        self.names = names  # the placeholders the three use (and "suggestion" with its text)
        self._plans = tuple(_text_plan(text, names) for text in (message, why, fix))
        # (position of suggestion, of suggestion_text) when _fill may word the suggestion
        self._suggestion = (
            (names.index("suggestion"), names.index("suggestion_text"))
            if "suggestion_text" in names and "suggestion" in names
            else None
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_shared_text, (self.message, self.why, self.fix, self.names))

    def render(self, values: Sequence[Any]) -> tuple[str, str, str]:
        if len(values) != len(self.names):
            raise ValueError(f"{len(values)} values for the placeholders {self.names}")
        if self._suggestion is not None:
            said, wording = self._suggestion
            if values[said] and not values[wording]:  # _fill words the suggestion itself
                values = list(values)
                values[wording] = f" (did you mean {values[said]}?)"
        parts = []
        for template, stop in self._plans:
            if stop == _DONE:
                parts.append(template)
            elif stop == _BY_NAME:
                parts.append(_sentence(_fill(template, dict(zip(self.names, values, strict=True)))))
            else:
                text = template.format(*values)
                if stop == _ADD or (stop == _LOOK and text and not text.endswith(_STOPS)):
                    text += "."
                parts.append(text)
        what, why, fix = parts
        return what, why, fix


_STOPS = (".", "?", "!")
_DONE = 0  # the text has no placeholder: already the finished sentence
_ADD = 1  # filled in, it needs a full stop after it
_KEEP = 2  # filled in, it ends in its own stop
_LOOK = 3  # it ends in a placeholder: look at the filled-in text
_BY_NAME = 4  # kept as written, filled in by name by _fill
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _text_plan(text: str, names: Sequence[str]) -> tuple[str, int]:
    """(template, what to do after filling it in): ``_sentence(_fill(text, fields))`` decided
    once per text instead of once per issue. The template takes the values by position, in
    the order of ``names``; a text this cannot rewrite (a malformed one, a nested field in a
    format spec) is kept to raise or fill in as ``_fill`` would."""
    if "{" not in text:
        return _sentence(text), _DONE
    try:
        pieces = list(string.Formatter().parse(text))
        template = "".join(_positional(piece, names) for piece in pieces)
    except (ValueError, KeyError):
        return text, _BY_NAME
    tail, name, _, _ = pieces[-1]
    if name is not None or not tail:
        return template, _LOOK
    return template, _KEEP if tail.endswith(_STOPS) else _ADD


def _positional(piece: tuple[str, str | None, str | None, str | None], names: Sequence[str]) -> str:
    """One parsed piece of a text with its field named by position in ``names``."""
    literal, name, spec, conversion = piece
    literal = literal.replace("{", "{{").replace("}", "}}")
    if name is None:
        return literal
    if "{" in (spec or ""):
        raise ValueError("a nested field in a format spec")
    first = _IDENTIFIER.match(name)
    if first is None or name[first.end() : first.end() + 1] not in ("", ".", "["):
        # "{}", "{0}" or an odd name: format_map's own error or reading, later
        raise KeyError(name)
    field = str(names.index(first.group())) + name[first.end() :]
    if conversion:
        field += "!" + conversion
    if spec:
        field += ":" + spec
    return literal + "{" + field + "}"


@functools.cache
def _rule_text(rule: Any) -> _RuleText:
    names = set(_placeholders(rule))
    if "suggestion_text" in names:
        names.add("suggestion")  # _fill words the suggestion itself when only that was given
    return _shared_text(rule.message, rule.why, rule.fix, tuple(sorted(names)))


@functools.lru_cache(maxsize=1024)
def _shared_text(message: str, why: str, fix: str, names: tuple[str, ...]) -> _RuleText:
    """One compiled :class:`_RuleText` per wording in a process: the files of a batch, and
    the reports their workers send back, reuse it instead of compiling it again per file."""
    return _RuleText(message, why, fix, names)


class _Parts(TypedDict):
    what: str
    why: str
    fix: str


def _message_parts(rule: Any, fields: Mapping[str, Any]) -> _Parts:
    """The issue's what, why and fix, placeholders filled."""
    return {
        "what": _sentence(_fill(rule.message, fields)),
        "why": _sentence(_fill(rule.why, fields)),
        "fix": _sentence(_fill(rule.fix, fields)),
    }


# --------------------------------------------------------------------------- built-in rules

_BUILTIN_MESSAGES = {
    "missing-sheet": (
        "error",
        "Required sheet missing",
        'The workbook has no sheet named "{sheet}" ({title}).',
        "The import reads that sheet too; without it the file is rejected.",
        'Add a sheet named "{sheet}" with its header row, as in the template.',
    ),
    "no-rows": (
        "error",
        "No data rows",
        "Sheet '{sheet}' has a header on row {row} but no rows of data under it.",
        "An empty file is never what a migration means to upload: {target} would receive nothing, "
        "or replace what it holds with nothing.",
        "Fill in the rows (or paste them under the header), or check the file that has them.",
    ),
    "cell-error": (
        "error",
        "Spreadsheet error value",
        "{cell} holds the error value {error} instead of a {column}.",
        "The import would store the text of the error, or reject the row.",
        "Fix the formula that produces the error, or type the value in.",
    ),
    "sheet-not-read": (
        "info",
        "Sheet not read",
        'Sheet "{skipped}" is {kind}, not a worksheet, and was not read.',
        "sheetcheck reads worksheets only: if learner records are on that sheet, they were not checked.",
        "If the data is on that sheet, copy it to an ordinary worksheet and check the file again.",
    ),
    "formula-not-calculated": (
        "error",
        "Formula without a calculated value",
        "{cell} holds the formula {formula} but the file has no calculated value for it.",
        "The import reads the saved value, not the formula; this cell would arrive empty.",
        "Open the file in Excel, let it recalculate, and save it again (or paste the values).",
    ),
}


def _builtin_rule(rule_id: str) -> Any:
    from .packs import Rule

    if rule_id not in _BUILTIN_MESSAGES:
        raise KeyError(f"rule '{rule_id}' is not defined")
    severity, title, message, why, fix = _BUILTIN_MESSAGES[rule_id]
    return Rule(rule_id, severity, title, message, why, fix)  # type: ignore[arg-type]  # literal severities


def rule_catalogue(pack: RulePack) -> dict[str, Any]:
    """Every rule the pack can report, including the engine's built-in ones."""
    catalogue: dict[str, Any] = {rid: _builtin_rule(rid) for rid in _BUILTIN_MESSAGES}
    catalogue.update(pack.rules)
    return catalogue


__all__ = [
    "Context",
    "Finding",
    "HeaderMap",
    "Norm",
    "TableView",
    "check_table",
    "map_header",
    "normalize_table",
]
