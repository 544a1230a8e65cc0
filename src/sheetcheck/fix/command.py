"""The ``sheetcheck fix`` command: check, apply the safe fixes to a copy, re-check the copy."""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ..atomic import EXISTS, check_not_input
from ..atomic import check_target as check_writable
from ..checker import CheckOptions, check_file
from ..dates import iso_date_argument
from ..errors import InputError, UsageError
from ..model import FileReport, Report
from ..report.text import summary_line
from . import Change, FixPlan, changes_table, left_summary, plan, shown

WRITABLE = {"xlsx": "xlsx", "xlsm": "xlsx", "csv": "csv"}  # format read -> the writer
SAVE_FIRST = {"xls": ".xls", "xlsb": ".xlsb", "ods": ".ods"}


def register_cli(commands: argparse._SubParsersAction) -> None:
    """Add the ``fix`` subcommand (cli.py calls this)."""
    from ..limits import add_limit_options

    fix = commands.add_parser(
        "fix",
        help="apply the safe fixes to a copy of a workbook and list every change",
        description="Check FILE, apply every safe fix (dates with a time or in another shape, "
        "statuses one letter off, extra spaces, scores written as text) to a copy written to OUT, "
        "list every change (a Changes sheet; for CSV on stderr or in --changes), re-check the "
        "copy and exit as 'check' would on it.",
    )
    fix.add_argument("file", metavar="FILE", help="the workbook to fix (.xlsx, .xlsm or .csv)")
    fix.add_argument("-o", "--output", metavar="OUT", help="where to write the fixed copy")
    fix.add_argument("-t", "--template", metavar="NAME|PACK.json", help="as for 'check'")
    fix.add_argument("--sheet", metavar="NAME", help="the sheet to check and fix")
    fix.add_argument(
        "--import-date", type=iso_date_argument, metavar="YYYY-MM-DD", help="as for 'check'"
    )
    fix.add_argument(
        "--dry-run", action="store_true", help="write nothing; print the changes it would make"
    )
    fix.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    fix.add_argument(
        "--changes", metavar="FILE.csv", help="CSV input: write the list of changes to FILE.csv"
    )
    add_limit_options(fix)
    fix.set_defaults(handler=run_fix)


def run_fix(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """The ``fix`` handler: the exit code ``check`` gives on the fixed copy."""
    from ..limits import limits_from_args

    out = out or sys.stdout
    source = Path(args.file)
    kind = file_kind(source)
    target = Path(args.output) if args.output else None
    if target is None and not args.dry_run:
        raise UsageError("give the name of the fixed copy with -o OUT (or use --dry-run)")
    if target is not None:
        check_target(source, target, force=args.force, kind=kind)
    if args.changes and kind != "csv":
        raise UsageError("--changes is for CSV input; a workbook gets a Changes sheet")
    if args.changes:
        check_target(source, Path(args.changes), force=args.force, kind="csv")
    options = CheckOptions(
        template=args.template,
        sheet=args.sheet,
        import_date=args.import_date,
        limits=limits_from_args(args),
        isolate=True,
    )
    report = check_file(source, options)
    fixes = plan(report)
    sheet = report.sheet if kind == "xlsx" else None  # a CSV's one sheet is named after the file
    again = replace(options, template=args.template or report.template, sheet=sheet)
    if args.dry_run:
        with tempfile.TemporaryDirectory(prefix="sheetcheck-fix-") as folder:
            scratch = Path(folder) / f"fixed{source.suffix.lower() or '.csv'}"
            applied, skipped = write_copy(kind, source, scratch, fixes)
            after = check_file(scratch, again)
        after.file = str(source)
        out.write(f"{source}: would change {_cells(len(applied))} (nothing was written)\n")
        if applied:
            out.write(changes_table(applied))
        _report(out, fixes, skipped, after, dry_run=True)
        return Report([after]).exit_code
    assert target is not None
    applied, skipped = write_copy(kind, source, target, fixes)
    after = check_file(target, again)
    where = "its Changes sheet" if kind == "xlsx" else (args.changes or "the list below")
    out.write(f"{source}: changed {_cells(len(applied))} in {target} (listed on {where})\n")
    if kind == "csv":
        if args.changes:
            write_changes_csv(Path(args.changes), applied)
        elif applied:
            sys.stderr.write(changes_table(applied))
    for rule, count in sorted(Counter(change.rule for change in applied).items()):
        out.write(f"  {rule:<28} {count:>6,}\n")
    _report(out, fixes, skipped, after, dry_run=False)
    return Report([after]).exit_code


def _cells(count: int) -> str:
    return f"{count:,} cell" + ("" if count == 1 else "s")


def _report(
    out: TextIO,
    fixes: FixPlan,
    skipped: list[tuple[Change, str]],
    after: FileReport,
    *,
    dry_run: bool,
) -> None:
    lines = [blocked.describe() for blocked in fixes.blocked]
    lines += [f"{c.cell}: not changed, {reason}" for c, reason in skipped]
    lines += left_summary(after.issues)
    if lines:
        out.write("Left for a person:\n" if not dry_run else "Would be left for a person:\n")
        out.writelines(f"  {line}\n" for line in lines)
    out.write(summary_line(after) + "\n")


def write_copy(
    kind: str, source: Path, target: Path, fixes: FixPlan
) -> tuple[list[Change], list[tuple[Change, str]]]:
    """Write the fixed copy; returns the changes made and those left (with the reason)."""
    if kind == "csv":
        from . import csvfile

        applied = csvfile.write(source, target, fixes.changes)
        done = set(applied)
        return applied, [(c, "its cell is not in the file") for c in fixes.changes if c not in done]
    from . import xlsx

    written = xlsx.write(source, target, fixes.changes)
    return written.applied, written.skipped


def write_changes_csv(target: Path, applied: list[Change]) -> None:
    from ..atomic import write_atomically
    from ..safety import neutralize

    def write(stream: TextIO) -> None:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(("Sheet", "Cell", "Rule", "Before", "After"))
        for c in applied:
            writer.writerow(
                [neutralize(v) for v in (c.sheet, c.cell, c.rule, shown(c.before), shown(c.after))]
            )

    write_atomically(target, write)


def file_kind(source: Path) -> str:
    """'xlsx' (also .xlsm) or 'csv'; anything else is one line saying what to do."""
    from ..limits import DEFAULT_LIMITS
    from ..readers._preflight import inspect

    if not source.exists():
        raise InputError(str(source), "no such file")
    if source.is_dir():
        raise InputError(str(source), "is a folder, not a spreadsheet")
    found = inspect(str(source), DEFAULT_LIMITS).format
    if found in SAVE_FIRST:
        raise UsageError(
            f"{source}: sheetcheck fix cannot write {SAVE_FIRST[found]} files; "
            "save it as .xlsx first (in Excel or LibreOffice: Save As, Excel Workbook)"
        )
    if found not in WRITABLE:
        raise UsageError(f"{source}: sheetcheck fix writes .xlsx, .xlsm and .csv files only")
    return WRITABLE[found]


def check_target(source: Path, target: Path, *, force: bool, kind: str) -> None:
    """OUT is never FILE (under any path), never a folder, and replaces a file only with --force."""
    check_writable(target)
    check_not_input(source, target, "the fixed copy")
    if target.exists() and not force:
        raise UsageError(f"{target}: {EXISTS}")
    if kind == "csv" and target.suffix.lower() not in (".csv", ".txt", ".tsv"):
        raise UsageError(f"{target}: a fixed CSV file is written as CSV; name it .csv")
