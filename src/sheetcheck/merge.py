"""Several workbooks checked as one upload, and merged into one when nothing blocks it.

A school often collects its roster from each teacher: ``sheetcheck check teacher1.xlsx
teacher2.xlsx ... --merge merged.xlsx`` checks every file with the rule pack as usual, then
looks across the files:

* Rows that the pack's uniqueness checks (``duplicate-rows`` without ``when``) would flag if
  the files were one sheet are reported under the same rule, on the later file's cell, naming
  the earlier file and cell ("row 7 of teacher1.xlsx (A7)").
* Checks that judge the upload as a whole (``absent-rows``: students the platform has and the
  upload lacks) are run once over all files together instead of once per file, so a student
  on teacher 2's sheet is not reported missing from teacher 1's. Their issues are reported
  under a report entry of their own, named after the merged workbook.

When the report has no errors (no warnings either with ``--strict``), the rows of every file
are written, in file order, to one workbook with the pack's column names and order: written
atomically, every text cell stored as text (never a formula).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .checker import CheckOptions, check_file
from .engine import Context, IssueWriter, check_table, map_header
from .errors import InputError, PackError, SheetcheckError, UsageError
from .model import CellValue, FileReport, Issue, Report, Table, cell_ref, sort_key
from .packs import RulePack, load_pack
from .safety import cell_text
from .tables import build_table, find_header
from .values import display_value

SET_FUNCTIONS = ("absent-rows",)  # checks about the upload as a whole, not about one file
UNIQUE_FUNCTION = "duplicate-rows"
DEFAULT_LABEL = "all files together"


@dataclass(frozen=True)
class Together:
    """The result of checking files as one upload.

    ``report`` has one entry per file (in the order given) and, when the pack has whole-upload
    checks, several files were given and the input those checks compare with (``--baseline``),
    one more entry named ``label`` for those. ``tables``
    holds each file's table (None for a file that could not be checked), for the merge.
    """

    report: Report
    pack: RulePack | None
    tables: list[Table | None]


def check_together(
    paths: Sequence[str | os.PathLike[str]],
    options: CheckOptions,
    *,
    strict: bool = False,
    label: str = DEFAULT_LABEL,
) -> Together:
    """Check ``paths`` as one upload (see the module docstring).

    Without ``options.template`` the first readable file's header picks the pack and the
    other files are checked with it. A file that cannot be read becomes a report entry with
    its error (exit code 2), the others are still checked; a bad pack or command line raises.
    """
    reports: list[FileReport] = []
    tables: list[Table | None] = []
    pack_name = options.template
    for path in [os.fspath(p) for p in paths]:
        try:
            report, table = check_and_read(path, replace(options, template=pack_name))
        except SheetcheckError as err:
            if isinstance(err, (UsageError, PackError)):
                raise
            reports.append(FileReport(file=path, error=str(err)))
            tables.append(None)
            continue
        pack_name = pack_name or report.template
        reports.append(report)
        tables.append(table)
    pack = load_pack(pack_name) if pack_name else None
    if pack is not None:
        _cross_file_duplicates(pack, reports, tables)
        if len(paths) > 1:
            whole = _whole_upload(pack, reports, tables, options, label)
            if whole is not None:
                reports.append(whole)
    for report in reports:
        report.issues.sort(key=sort_key)
    return Together(Report(reports, strict=strict), pack, tables)


def check_and_read(path: str, options: CheckOptions) -> tuple[FileReport, Table]:
    """One file's report and its table, read in a limited child process when
    ``options.isolate`` (the merge, the cross-file checks and the export need the cells)."""
    if os.path.isdir(path):
        raise InputError(path, "is a folder, not a spreadsheet")
    if not os.path.isfile(path):
        raise InputError(path, "no such file")
    if options.isolate:
        from .isolate import run_isolated
        from .limits import DEFAULT_LIMITS

        return run_isolated(
            _check_and_read,
            path,
            replace(options, isolate=False),
            limits=options.limits or DEFAULT_LIMITS,
        )
    return _check_and_read(path, options)


def _check_and_read(path: str, options: CheckOptions) -> tuple[FileReport, Table]:
    """One file's report and its table (the merge and cross-file checks need the cells)."""
    from .readers import open_workbook

    report = check_file(path, options)
    pack = load_pack(options.template or report.template or "")
    with open_workbook(path, options.limits) as book:
        grid = book.read_sheet(report.sheet or "")
        found = find_header(pack, grid)
        table = build_table(grid, found.offset if found is not None else 0)
    return report, table


# --------------------------------------------------------------------------- duplicates


def _cross_file_duplicates(
    pack: RulePack, reports: list[FileReport], tables: Sequence[Table | None]
) -> None:
    """Rows whose uniqueness key first appeared in an earlier file: one issue each."""
    for check in pack.checks:
        if check.function.name != UNIQUE_FUNCTION or check.when is not None:
            continue
        columns = list(check.args["key"])
        fold = bool(check.args.get("ignore_case"))
        first: dict[tuple[Any, ...], tuple[int, int]] = {}
        for number, table in enumerate(tables):
            if table is None or reports[number].error is not None:
                continue
            located = _Located(pack, table, reports[number].file)
            keys = located.keys(columns, fold)
            if keys is None:
                continue
            seen_here: set[tuple[Any, ...]] = set()
            for index, key in enumerate(keys):
                if key is None or key in seen_here:
                    continue  # in-file repeats are the engine's
                seen_here.add(key)
                earlier = first.setdefault(key, (number, index))
                if earlier[0] != number:
                    first_table = tables[earlier[0]]
                    assert first_table is not None  # only tables that were read get here
                    other = _Located(pack, first_table, reports[earlier[0]].file)
                    where = f"{other.row(earlier[1])} of {other.name} ({other.cell(earlier[1])})"
                    reports[number].issues.append(
                        located.issue(check.rule, index, {"first_row": where})
                    )


class _Located:
    """A file's table seen through the pack: key values, cells and issues on its rows."""

    def __init__(self, pack: RulePack, table: Table, path: str) -> None:
        self.pack = pack
        self.table = table
        self.name = os.path.basename(path)
        self.positions = map_header(pack, table.header).positions
        self.writer = IssueWriter(pack, table)

    def keys(self, columns: Sequence[str], fold: bool) -> list[tuple[Any, ...] | None] | None:
        if not all(c in self.positions for c in columns):
            return None
        values = [self.table.columns[self.positions[c]] for c in columns]
        keys: list[tuple[Any, ...] | None] = []
        for cells in zip(*values, strict=True):
            key = tuple(_key_text(v, fold) for v in cells)
            keys.append(key if any(part for part in key) else None)
        return keys

    def row(self, index: int) -> int:
        return self.table.row_numbers[index]

    def _position(self) -> int:
        return self.positions.get(self.pack.key_column, 0)

    def cell(self, index: int) -> str:
        return cell_ref(self.row(index), self.table.col_number(self._position()))

    def issue(self, rule_id: str, index: int, params: Mapping[str, Any]) -> Issue:
        return self.writer.issue(rule_id, index, params)


def _key_text(value: CellValue, fold: bool) -> str | None:
    text = " ".join(display_value(value).split())
    if not text:
        return None
    return text.casefold() if fold else text


# --------------------------------------------------------------------------- whole upload


def _whole_upload(
    pack: RulePack,
    reports: list[FileReport],
    tables: Sequence[Table | None],
    options: CheckOptions,
    label: str,
) -> FileReport | None:
    """Run the whole-upload checks once over every file's rows; drop their per-file issues."""
    checks = tuple(c for c in pack.checks if c.function.name in SET_FUNCTIONS)
    if not checks:
        return None
    rules = {c.rule for c in checks}
    for report in reports:
        report.issues = [i for i in report.issues if i.rule not in rules]
    if any(t is None for t in tables):
        return None  # a file could not be read: the whole upload cannot be judged
    related = _read_inputs(pack, options)
    if not related:
        return None  # nothing to compare the upload with (no --baseline)
    union = _concatenate(pack, [t for t in tables if t is not None])
    names = [r.file for r in reports]
    union.source = f"any of the {len(names)} files ({', '.join(map(os.path.basename, names))})"
    context = Context(
        import_date=options.import_date or dt.date.today(),
        related=related,
        options=dict(options.params),
    )
    subset = replace(
        pack,
        checks=checks,
        row_rules=(),
        related={k: v for k, v in pack.related.items() if k in related},
    )
    found = [i for i in check_table(subset, union, context) if i.rule in rules]
    return FileReport(
        file=label,
        template=pack.name,
        sheet=union.sheet,
        header_row=union.header_row,
        rows=len(union),
        issues=found,
        extra={"upload_of": names},
    )


def _concatenate(pack: RulePack, tables: Sequence[Table]) -> Table:
    """Every file's rows under the pack's column names, numbered as in the merged workbook."""
    columns = merged_columns(pack, tables)
    data: list[list[CellValue]] = [[] for _ in columns]
    for table in tables:
        positions = map_header(pack, table.header).positions
        for out, name in zip(data, columns, strict=True):
            at = positions.get(name)
            out.extend(table.columns[at] if at is not None else [None] * len(table))
    total = len(data[0]) if data else 0
    return Table(pack.sheet_title, 1, list(columns), 1, list(range(2, 2 + total)), data)


def merged_columns(pack: RulePack, tables: Sequence[Table]) -> list[str]:
    """The pack's columns, in its order, that at least one file has (required ones always)."""
    present: set[str] = set()
    for table in tables:
        present.update(map_header(pack, table.header).positions)
    return [c.name for c in pack.columns if c.name in present or not c.optional_column]


def _read_inputs(pack: RulePack, options: CheckOptions) -> dict[str, Table]:
    """The related input files (--baseline...) named in ``options``, read like the checker does."""
    tables: dict[str, Table] = {}
    for name, sub in pack.related.items():
        path = options.inputs.get(sub.input_name or "") if sub.origin == "input" else None
        if path is None:
            continue
        if options.isolate:
            from .isolate import run_isolated
            from .limits import DEFAULT_LIMITS

            tables[name] = run_isolated(
                _read_table, path, sub, options, limits=options.limits or DEFAULT_LIMITS
            )
        else:
            tables[name] = _read_table(path, sub, options)
    return tables


def _read_table(path: str, pack: RulePack, options: CheckOptions) -> Table:
    from .readers import open_workbook

    with open_workbook(path, options.limits) as book:
        for sheet in book.sheet_names:
            grid = book.read_sheet(sheet)
            found = find_header(pack, grid)
            if found is not None:
                table = build_table(grid, found.offset)
                table.source = os.path.basename(path)
                return table
    raise InputError(path, f"no sheet has the header of {pack.title}")


# --------------------------------------------------------------------------- the merged workbook


def write_merged(together: Together, target: str | os.PathLike[str]) -> int:
    """Write every file's rows into one workbook at ``target``; returns the rows written.

    One sheet named after the pack's sheet title, the pack's column names in its order, the
    files' rows in the order given. Text is stored as text (a value starting with "=" stays
    that text, never a formula), dates as dates shown d/m/yyyy. The file is written to a
    temporary name beside ``target`` and renamed into place, so it is never half-written.
    Refuses (UsageError) when the report has errors.
    """
    import openpyxl

    if together.pack is None or any(t is None for t in together.tables):
        raise UsageError("nothing to merge: no file could be checked")
    if together.report.exit_code != 0:
        raise UsageError("the files have errors; the merged workbook is written only without them")
    tables = [t for t in together.tables if t is not None]
    union = _concatenate(together.pack, tables)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = union.sheet
    for col, name in enumerate(union.header, start=1):
        _write_cell(sheet.cell(row=1, column=col), name)
    for index in range(len(union)):
        for col, values in enumerate(union.columns, start=1):
            value = values[index]
            if value is not None:
                _write_cell(sheet.cell(row=index + 2, column=col), value)
    _save_atomically(book, Path(target))
    return len(union)


def _write_cell(cell: Any, value: CellValue) -> None:
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"  # openpyxl would turn "=..." into a formula
        if value.startswith(("=", "+", "-", "@")):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    elif isinstance(value, (dt.datetime, dt.date)):
        cell.value = value
        midnight = not isinstance(value, dt.datetime) or value.time() == dt.time()
        cell.number_format = "d/m/yyyy" if midnight else "d/m/yyyy h:mm"
    elif isinstance(value, (int, float, bool, dt.time)):
        cell.value = value
    else:  # error values and formulas without a value never get here (they are errors)
        cell.value = cell_text(str(value))
        cell.data_type = "s"


def _save_atomically(book: Any, target: Path) -> None:
    from .atomic import replacing

    with replacing(target) as temp:
        book.save(temp)


# --------------------------------------------------------------------------- command line


def check_and_merge(
    paths: Sequence[str], options: CheckOptions, target: str, *, strict: bool = False
) -> Report:
    """What ``sheetcheck check FILES... --merge OUT.xlsx`` does: check together, then write the
    merged workbook when nothing blocks it, saying on stderr what happened either way."""
    together = check_together(paths, options, strict=strict, label=target)
    report = together.report
    if report.exit_code == 0:
        rows = write_merged(together, target)
        files = len(paths)
        _say(f"wrote {target}: {rows} rows from {files} file{'s' if files != 1 else ''}")
    elif report.exit_code == 1:
        errors = sum(f.errors for f in report.files)
        what = f"{errors} error{'s' if errors != 1 else ''}" if errors else "warnings (--strict)"
        _say(f"{target} not written: the files have {what}; fix them and check again")
    else:
        _say(f"{target} not written: some files could not be checked")
    return report


def _say(text: str) -> None:
    sys.stderr.write(f"sheetcheck: {text}\n")
    sys.stderr.flush()


__all__ = [
    "Together",
    "check_and_merge",
    "check_and_read",
    "check_together",
    "merged_columns",
    "write_merged",
]
