"""``sheetcheck export FILE --template NAME -o upload.csv``: the submission file the target takes.

The workbook is checked first; while it has errors nothing is written (exit 1). Otherwise
every data row is written to a CSV exactly as the target expects it:

* UTF-8 (no byte-order mark), comma-separated, fields quoted only where needed;
* the pack's columns, in the pack's order, under the pack's names (a header written with an
  alias or in another order is put right; an optional column is written when the file has it);
* values as the checks read them: surrounding spaces gone, statuses and other listed values
  in their canonical spelling, dates in the pack's date format (d/m/yyyy unless the pack
  names another) without a time, numbers without thousands
  separators or trailing ".0";
* text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
  tab, CR or LF) prefixed with ``'`` (:func:`sheetcheck.safety.neutralize`).

The rows read and the rows written are printed, so no learner disappears unnoticed. The CSV is
written to a temporary file beside the target and renamed into place.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from .checker import CheckOptions
from .dates import DMY, DateFormat, iso_date_argument
from .engine import Norm, normalize_table
from .model import FileReport, Table
from .packs import RulePack, load_pack
from .safety import neutralize
from .values import display_value


@dataclass(frozen=True)
class Submission:
    """What an export produced: the file's report, the rows read and the rows to write."""

    report: FileReport
    header: list[str]
    rows: list[list[str]]
    rows_read: int


def prepare(path: str | os.PathLike[str], options: CheckOptions) -> Submission:
    """Check ``path`` with ``options`` and build the submission rows (written or not)."""
    from .merge import check_and_read

    report, table = check_and_read(os.fspath(path), options)
    pack = load_pack(options.template or report.template or "")
    header, rows = submission_rows(pack, table)
    return Submission(report, header, rows, len(table))


def submission_rows(pack: RulePack, table: Table) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the submission, every value as its final text."""
    norms = normalize_table(pack, table)
    columns = [c for c in pack.columns if c.name in norms or not c.optional_column]
    header = [c.name for c in columns]
    empty: list[Norm | None] = [None] * len(table)
    values = [norms.get(c.name, empty) for c in columns]
    dates = pack.date_format
    rows = [[submission_text(norm, dates) for norm in cells] for cells in zip(*values, strict=True)]
    if not columns:
        rows = [[] for _ in range(len(table))]
    return header, rows


def submission_text(norm: Norm | None, dates: DateFormat = DMY) -> str:
    """One cell as the target reads it: dates in ``dates`` (the pack's format), plain
    numbers, neutralized text."""
    if norm is None:
        return ""
    typed = norm.typed if norm.typed is not None else norm.json
    if isinstance(typed, dt.datetime):
        return dates.format(typed.date())
    if isinstance(typed, dt.date):
        return dates.format(typed)
    if isinstance(typed, bool):
        return "TRUE" if typed else "FALSE"
    if isinstance(typed, int):
        return str(typed)
    if isinstance(typed, float):
        return plain_number(typed)
    text = typed if isinstance(typed, str) else display_value(typed)
    return neutralize(text.strip())


def plain_number(value: float) -> str:
    """1234.0 -> '1234', 72.5 -> '72.5', 1e-07 -> '0.0000001': never an exponent or separator."""
    if value.is_integer():
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_csv(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in header])
    writer.writerows(rows)


# --------------------------------------------------------------------------- command line


def register_cli(
    commands: argparse._SubParsersAction, packs: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Add the ``export`` subcommand (cli.py calls this for every module that has it).

    ``packs`` (parsed pack JSON) declare the related input options, as for ``check``.
    """
    from .inputs import add_input_options
    from .limits import add_limit_options

    export = commands.add_parser(
        "export",
        help="write the checked data as the upload file the target expects",
        description="Check FILE and, when it has no errors, write its rows as the target's upload CSV: "
        "the template's columns in its order, UTF-8, dates in the template's date format, plain numbers, text that cannot run as a formula.",
    )
    export.add_argument("file", metavar="FILE", help="the workbook to export")
    export.add_argument(
        "-t", "--template", required=True, metavar="NAME|PACK.json", help="the target's template"
    )
    export.add_argument(
        "-o", "--output", required=True, metavar="UPLOAD.csv", help="where to write the upload file"
    )
    export.add_argument("--sheet", metavar="NAME", help="the sheet to export")
    export.add_argument(
        "--import-date",
        type=iso_date_argument,
        metavar="YYYY-MM-DD",
        help="the day of the upload (default: today)",
    )
    add_input_options(export, packs)  # --baseline, --against... as the packs declare them
    export.add_argument("--strict", action="store_true", help="refuse on warnings too")
    export.add_argument("--force", action="store_true", help="replace UPLOAD.csv if it exists")
    add_limit_options(export)
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    """The ``export`` handler: 0 written, 1 refused because of errors, 2 unusable input."""
    from .atomic import check_new_target, write_atomically
    from .inputs import command_packs, require_inputs
    from .limits import limits_from_args

    check_new_target(args.output, force=args.force)
    require_inputs(args, command_packs([f"--template={args.template}"]))
    options = CheckOptions(
        template=args.template,
        sheet=args.sheet,
        import_date=args.import_date,
        limits=limits_from_args(args),
        isolate=True,
        inputs=getattr(args, "inputs", {}) or {},
        params=getattr(args, "params", {}) or {},
    )
    submission = prepare(args.file, options)
    report = submission.report
    if not submission.rows_read:  # whatever the pack says of no-rows: never an empty upload
        empty = next((i for i in report.issues if i.rule == "no-rows"), None)
        why = f" {empty.why}" if empty is not None else ""
        sys.stderr.write(
            f"sheetcheck: {args.file} has no data rows (sheet {report.sheet!r}): nothing written."
            f"{why}\n"
        )
        return 1
    blocking = report.errors + (report.warnings if args.strict else 0)
    if blocking:
        what = _count(report.errors, "error")
        if args.strict and report.warnings:
            what += f" and {_count(report.warnings, 'warning')}"
        sys.stderr.write(
            f"sheetcheck: {args.file} has {what}: nothing written. "
            f"Run 'sheetcheck check {args.file} --template {args.template}' to see them, "
            "fix them, and export again.\n"
        )
        return 1
    target = Path(args.output)
    write_atomically(target, lambda out: write_csv(out, submission.header, submission.rows))
    written = len(submission.rows)
    print(
        f"read {_count(submission.rows_read, 'row')} from {args.file} (sheet {report.sheet!r}); "
        f"wrote {_count(written, 'row')} to {target}"
    )
    if report.warnings:
        print(f"note: {_count(report.warnings, 'warning')} (see 'sheetcheck check')")
    if written != submission.rows_read:  # pragma: no cover - a bug guard, rows map one to one
        sys.stderr.write("sheetcheck: row counts differ; do not upload this file\n")
        return 1
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


__all__ = ["Submission", "plain_number", "prepare", "register_cli", "submission_rows", "write_csv"]
