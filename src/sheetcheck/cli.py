"""The command line: a thin layer over :mod:`sheetcheck.checker` and the writers.

Exit codes: 0 nothing blocks the upload, 1 errors found (or warnings with --strict), 2 some
input could not be used (one line on stderr says which and why).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .dates import iso_date_argument
from .errors import SheetcheckError, UsageError
from .model import FileReport, Report
from .version import __version__

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line. ``argv`` only matters for a pack file named with ``--template``:
    the options of the related input files it declares are added too. When ``argv`` starts
    with a command's name, only that command's parser is built (and only its modules are
    imported): the others cost about 0.1 s of start-up for every run."""
    parser = _Parser(
        prog="sheetcheck",
        description="Check learner-record migration spreadsheets before you upload them.",
    )
    parser.add_argument("--version", action="version", version=f"sheetcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    wanted = argv[0] if argv and argv[0] in _COMMANDS else None
    packs = functools.cache(lambda: _command_packs(argv))  # read once, for check and export
    for name in _COMMANDS:
        if wanted in (None, name):
            _add_command(name, commands, packs)
    return parser


# Every command, in the order `sheetcheck --help` lists them.
_COMMANDS = ("check", "clean", "rules", "template", "excel", "export", "fix")


def _command_packs(argv: Sequence[str] | None) -> list[Mapping[str, Any]]:
    from .inputs import command_packs

    return command_packs(argv)


def _add_command(
    name: str,
    commands: argparse._SubParsersAction,
    packs: Callable[[], Sequence[Mapping[str, Any]]],
) -> None:
    """Add command ``name``'s parser; subcommands that live with their feature add their own."""
    if name == "check":
        _add_check(commands, packs())
    elif name == "clean":
        _add_clean(commands)
    elif name == "rules":
        _add_rules(commands)
    elif name == "template":
        from .template import register_cli as add_template

        add_template(commands)
    elif name == "excel":
        from .excel.addin import register_cli as add_excel

        add_excel(commands)
    elif name == "export":
        from .export import register_cli as add_export

        add_export(commands, packs())
    else:
        from .fix.command import register_cli as add_fix

        add_fix(commands)


def _add_check(commands: argparse._SubParsersAction, packs: Sequence[Mapping[str, Any]]) -> None:
    check = commands.add_parser(
        "check",
        help="check one or more workbooks and report every problem",
        description="Check workbooks (xlsx, xlsm, xls, xlsb, ods, csv) against a migration template's rules.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="workbooks to check")
    check.add_argument(
        "-t",
        "--template",
        metavar="NAME|PACK.json",
        help="bundled template name (see 'sheetcheck rules') or a rule pack file; "
        "default: the template whose columns best match the header",
    )
    check.add_argument(
        "--sheet",
        metavar="NAME",
        help="the sheet to check (default: the first with a matching header)",
    )
    check.add_argument(
        "-f", "--format", choices=("text", "json", "csv"), default="text", help="report format"
    )
    check.add_argument(
        "-o", "--output", metavar="FILE", help="write the report to FILE instead of the screen"
    )
    check.add_argument(
        "--import-date",
        type=iso_date_argument,
        metavar="YYYY-MM-DD",
        help="the day the file will be uploaded (future and archived dates are relative to it; default: today)",
    )
    from .inputs import Into, add_input_options

    check.add_argument(
        "--collection-year",
        action=Into,
        into="params",
        type=collection_year_argument,
        metavar="YYYY-YY",
        help="the ILR collection (academic) year the year-based rules compare with, e.g. 2025-26 "
        "(default: the year of an ILR XML file's schema, else the year, 1 August "
        "to 31 July, that contains --import-date)",
    )
    add_input_options(check, packs)  # --against, --baseline, --cutoff... as the packs declare
    check.add_argument(
        "--merge",
        metavar="OUT.xlsx",
        help="check the files as one upload (duplicates across files too) and, if nothing blocks it, write them merged into OUT.xlsx",
    )
    check.add_argument("--strict", action="store_true", help="warnings also make the exit code 1")
    check.add_argument(
        "-q", "--quiet", action="store_true", help="print only the summary line of each file"
    )
    check.add_argument(
        "--annotate",
        metavar="OUT.xlsx",
        help="also write a copy of the workbook with bad cells highlighted, notes and an Issues sheet",
    )
    check.add_argument(
        "--force",
        action="store_true",
        help="replace an existing -o report or --merge workbook; annotate even if parts of the "
        "workbook would be lost, or over an existing file that is not an annotated copy",
    )
    check.add_argument(
        "-j",
        "--jobs",
        type=_positive_jobs,
        metavar="N",
        help="check up to N files at once, each in its own worker process (default: the number of cores)",
    )
    from .limits import add_limit_options

    add_limit_options(check)
    check.set_defaults(handler=_run_check)


def collection_year_argument(text: str) -> str:
    """'2025-26' (or the ILR's '2526') -> '2025-26'; anything else is a usage error."""
    import re

    match = re.fullmatch(r"(\d{4})[-/](\d{2})|(\d{2})(\d{2})", text.strip())
    if match is not None:
        first = int(match.group(1) or f"20{match.group(3)}")
        second = int(match.group(2) or match.group(4))
        if second == (first + 1) % 100:
            return f"{first}-{second:02d}"
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a collection year: write it as 2025-26 (1 August 2025 to 31 July 2026)"
    )


def _positive_jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _add_clean(commands: argparse._SubParsersAction) -> None:
    clean = commands.add_parser(
        "clean",
        help="remove sheetcheck's annotations from a workbook",
        description="Write a copy of an annotated workbook with every annotation removed and the original fills and notes restored.",
    )
    clean.add_argument("file", metavar="FILE")
    clean.add_argument(
        "-o", "--output", metavar="OUT", required=True, help="where to write the cleaned copy"
    )
    clean.add_argument("--force", action="store_true", help="replace OUT if it exists")
    clean.set_defaults(handler=_run_clean)


def _add_rules(commands: argparse._SubParsersAction) -> None:
    rules = commands.add_parser(
        "rules",
        help="list the bundled templates, or the rules of one",
        description="Without NAME, list the bundled templates. With NAME (or a pack file), list its columns and rules.",
    )
    rules.add_argument("template", nargs="?", metavar="NAME|PACK.json")
    rules.add_argument(
        "--markdown",
        action="store_true",
        help="print the rule table as Markdown (the README's tables)",
    )
    rules.set_defaults(handler=_run_rules)


# --------------------------------------------------------------------------- handlers


def _run_check(args: argparse.Namespace) -> int:
    from .checker import CheckOptions, check_batch
    from .inputs import command_packs, require_inputs
    from .limits import limits_from_args
    from .progress import Progress

    if args.annotate and len(args.files) != 1:
        raise UsageError("--annotate takes exactly one input file")
    if args.annotate or args.merge:
        from .readers._ilr_xml import is_xml

        for path in args.files:
            if os.path.isfile(path) and is_xml(path):
                flag = "--annotate" if args.annotate else "--merge"
                raise UsageError(
                    f"{path}: {flag} writes spreadsheets; an ILR XML file is checked as it is"
                )
    require_inputs(args, command_packs([f"--template={args.template}"] if args.template else []))
    _writable_targets(args.output, args.merge, force=args.force)
    _writable_targets(args.annotate, force=True)  # annotate() decides what it may replace
    args.files = _without_lock_files(args.files)
    options = CheckOptions(
        template=args.template,
        sheet=args.sheet,
        import_date=args.import_date,
        limits=limits_from_args(args),
        isolate=True,
        inputs=getattr(args, "inputs", {}) or {},
        params=getattr(args, "params", {}) or {},
    )
    if args.merge:
        from .merge import check_and_merge

        if args.annotate:
            raise UsageError("--annotate and --merge cannot be combined")
        report = check_and_merge(args.files, options, args.merge, strict=args.strict)
        _emit(report, args)
        return report.exit_code
    reports: list[FileReport] = []
    with Progress(enabled=None if not args.quiet else False) as progress:
        progress.update(f"checking {os.path.basename(args.files[0])}", 0, len(args.files))
        batch = check_batch(args.files, options, jobs=args.jobs)
        try:
            for done, (path, result) in enumerate(batch, start=1):
                if isinstance(result, SheetcheckError):
                    if isinstance(result, UsageError) or _is_pack_error(result):
                        raise result
                    _error_line(str(result))
                    reports.append(FileReport(file=path, error=str(result)))
                else:
                    reports.append(result)
                if done < len(args.files):
                    following = os.path.basename(args.files[done])
                    progress.update(f"checking {following}", done, len(args.files))
        finally:
            batch.close()  # stops the workers when a usage error ends the batch early
    report = Report(reports, strict=args.strict)
    _emit(report, args)
    if args.annotate and reports[0].error is None:
        from .annotate import annotate

        annotate(args.files[0], args.annotate, reports[0], force=args.force)
    return report.exit_code


def _without_lock_files(files: list[str]) -> list[str]:
    """``check *.xlsx`` while a workbook is open: skip Excel's ``~$`` lock files with a note.

    A lock file given on its own is kept, so the reader names it for what it is (exit 2).
    """
    from .lockfile import lock_file_cause, locked_workbook

    kept: list[str] = []
    for path in files:
        workbook = locked_workbook(path)
        if workbook is not None and len(files) > 1:
            _error_line(
                f"note: skipped {path}: {lock_file_cause(workbook)}; nothing to check in it"
            )
            continue
        kept.append(path)
    return kept or files


def _writable_targets(*targets: str | None, force: bool) -> None:
    """Refuse an output path whose folder does not exist, or an existing file without
    ``--force``, before any work is done (exit 2)."""
    from .atomic import check_new_target

    for target in targets:
        if target:
            check_new_target(target, force=force)


def _is_pack_error(err: SheetcheckError) -> bool:
    from .errors import PackError

    return isinstance(err, PackError)


def _emit(report: Report, args: argparse.Namespace) -> None:
    from .atomic import write_atomically
    from .report import write_report

    if args.output:
        write_atomically(
            Path(args.output), lambda out: write_report(report, out, args.format, quiet=args.quiet)
        )
    else:
        write_report(report, sys.stdout, args.format, quiet=args.quiet)


def _run_clean(args: argparse.Namespace) -> int:
    from .annotate import clean
    from .atomic import check_new_target

    if not _same_file(args.file, args.output):  # that one clean() refuses in its own words
        check_new_target(args.output, force=args.force)
    clean(args.file, args.output)
    print(f"wrote {args.output}")
    return 0


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _run_rules(args: argparse.Namespace) -> int:
    from .engine import rule_catalogue
    from .packs import bundled_pack_names, load_pack

    if args.template is None:
        for name in bundled_pack_names():
            pack = load_pack(name)
            print(f"{name:<32} {pack.title}: {pack.description}")
        return 0
    pack = load_pack(args.template)
    if args.markdown:
        from .docs import rules_markdown

        print(rules_markdown(pack), end="")
        return 0
    print(f"{pack.name}: {pack.title}\n\nColumns:")
    for col in pack.columns:
        aliases = f" (also: {', '.join(col.aliases)})" if col.aliases else ""
        optional = " [optional]" if col.optional_column else ""
        print(f"  {col.name}{optional}{aliases}\n      {col.description}")
    print("\nRules:")
    for rule in rule_catalogue(pack).values():
        print(f"  {rule.id:<30} {rule.severity:<8} {rule.title}")
    return 0


def _error_line(text: str) -> None:
    sys.stderr.write(f"sheetcheck: {text}\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sheetcheck`` command; returns the exit code."""
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except SheetcheckError as err:
        _error_line(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        _error_line("interrupted")
        return 130
    except BrokenPipeError:
        return 0


def run() -> NoReturn:
    sys.exit(main())
