"""Checking a file: choose the rule pack and sheet, read the table, run the engine.

This is the one place the stages meet: reader -> header detection -> engine -> FileReport.
Every front end (command line, Python API, Excel button) calls into here.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .engine import Context, check_table, sheet_not_read
from .errors import InputError, SheetcheckError, UsageError
from .folding import fold_text
from .isolate import gc_paused
from .model import FileReport, Issue, Report, Table, sort_key
from .packs import RulePack, bundled_pack_names, load_pack
from .tables import HeaderMatch, build_table, find_header

if TYPE_CHECKING:
    from .limits import Limits
    from .readers import SheetGrid, WorkbookReader


@dataclass(frozen=True)
class CheckOptions:
    """How to check a file. ``template`` is a bundled pack's name or a pack file's path;
    None picks the pack whose columns best match the header.

    ``isolate`` parses in a child process with ``limits`` on memory and time (the command
    line always does; the API does when asked). ``inputs`` names the other files a pack may
    read (``{"baseline": "current.xlsx"}``); ``params`` carries pack-specific settings.
    """

    template: str | None = None
    sheet: str | None = None
    import_date: dt.date | None = None
    limits: Limits | None = None
    isolate: bool = False
    inputs: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    progress: Callable[[str, float], None] | None = None


def check(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    template: str | None = None,
    *,
    sheet: str | None = None,
    import_date: dt.date | None = None,
    strict: bool = False,
    isolate: bool = False,
) -> Report:
    """Check one file or several; see README "Python API".

    Raises :class:`~sheetcheck.errors.SheetcheckError` when a file or the rule pack cannot be
    used at all; every problem inside a readable file is an Issue in the Report.
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    options = CheckOptions(template=template, sheet=sheet, import_date=import_date, isolate=isolate)
    return Report([check_file(p, options) for p in items], strict=strict)


def check_batch(
    paths: Sequence[str], options: CheckOptions, *, jobs: int | None = None
) -> Generator[tuple[str, FileReport | SheetcheckError], None, None]:
    """Each file's report, or the error that kept it from being checked, in the order given.

    With ``options.isolate`` the files are checked in parallel by up to ``jobs`` reused worker
    processes (default: one per core), each file with its own memory limit and timeout (see
    :mod:`sheetcheck.pool`); otherwise one by one in this process. A pack that cannot be loaded
    raises before any file is read; an unexpected exception (a bug) propagates.
    """
    if options.template:
        load_pack(options.template)  # pack errors come first; the workers inherit the cache
    if not options.isolate:
        for path in paths:
            try:
                yield path, check_file(path, options)
            except SheetcheckError as err:
                yield path, err
        return
    from .limits import DEFAULT_LIMITS
    from .pool import Failed, map_isolated

    _warm_up(options)
    check = functools.partial(check_file, options=replace(options, isolate=False))
    results = map_isolated(check, paths, limits=options.limits or DEFAULT_LIMITS, jobs=jobs)
    try:
        for path, result in zip(paths, results, strict=True):
            if isinstance(result, Failed):
                if not isinstance(result.error, SheetcheckError):
                    raise result.error
                yield path, result.error
            else:
                yield path, result
    finally:
        results.close()  # ends the workers however this loop ends


def _warm_up(options: CheckOptions) -> None:
    """Import the readers and load the packs once, before the workers are forked from us."""
    from . import readers

    if readers.has_calamine():
        import python_calamine  # noqa: F401  (imported for the workers to inherit)
    import jsonschema  # noqa: F401  (the engine's row rules; same reason)

    if options.template is None:
        for name in bundled_pack_names():
            load_pack(name)


def check_file(path: str | os.PathLike[str], options: CheckOptions) -> FileReport:
    """One file's report. Raises SheetcheckError when the file cannot be checked."""
    name = os.fspath(path)
    pack = load_pack(options.template) if options.template else None  # pack errors come first
    if not os.path.exists(name):
        raise InputError(name, "no such file")
    if os.path.isdir(name):
        raise InputError(name, "is a folder, not a spreadsheet")
    if options.isolate:
        from .isolate import run_isolated
        from .limits import DEFAULT_LIMITS

        child_options = replace(options, isolate=False)
        return run_isolated(
            _check_inline, name, pack, child_options, limits=options.limits or DEFAULT_LIMITS
        )
    return _check_inline(name, pack, options)


def _check_inline(path: str, pack: RulePack | None, options: CheckOptions) -> FileReport:
    # a sheet's million cell objects: see gc_paused
    with gc_paused():
        return _check_workbook(path, pack, options)


def _check_workbook(path: str, pack: RulePack | None, options: CheckOptions) -> FileReport:
    from .readers import open_workbook
    from .readers._ilr_xml import is_xml

    if is_xml(path):
        return _check_ilr_xml(path, pack, options)

    with open_workbook(path, options.limits) as book:
        return check_book(book, pack, options)


def check_book(book: WorkbookReader, pack: RulePack | None, options: CheckOptions) -> FileReport:
    """The report of an open workbook: the one path from a workbook's sheets to a FileReport.

    A saved file (:func:`check_file`) and a live Excel workbook (the Validate button hands its
    sheets over as a :class:`~sheetcheck.readers._memory.GridWorkbook`) both come here, so
    template detection, header search, related sheets, rules and import date are one code.
    """
    match, table = _locate(book, pack, options.sheet, options.limits)
    context = Context(
        import_date=options.import_date or dt.date.today(),
        related=_related_tables(match.pack, book, options),
        options=dict(options.params),
    )
    issues = check_table(match.pack, table, context)
    if options.sheet is None:  # the data could have been on a sheet that was not read
        issues += [
            sheet_not_read(match.sheet, match.header_row, name, kind)
            for name, kind in book.skipped_sheets
        ]
    return _file_report(book.path, match, table, issues, chosen=pack is None, extra=context.extra)


def _check_ilr_xml(path: str, pack: RulePack | None, options: CheckOptions) -> FileReport:
    """An ILR XML file: its learning deliveries as the table, its namespace's collection
    year and its file preparation date as the defaults of --collection-year and
    --import-date."""
    from .readers import SheetGrid
    from .readers._ilr_xml import read_ilr

    ilr = read_ilr(path, options.limits)
    table = ilr.table
    header = SheetGrid(table.sheet, table.header_row, 1, [list(table.header)])
    candidates = [pack] if pack is not None else [load_pack(n) for n in bundled_pack_names()]
    match = _best_match(candidates, header)
    if match is None:
        name = pack.name if pack is not None else "any bundled"
        raise InputError(
            path,
            f"is an ILR XML file, which the {name} template does not read",
            "check it with --template ilr-learners",
        )
    params = {"collection_year": ilr.year, **options.params}
    context = Context(
        import_date=options.import_date or ilr.file_preparation_date or dt.date.today(),
        related=_related_tables(match.pack, None, options),
        options=params,
    )
    issues = check_table(match.pack, table, context)
    extra = {**context.extra, "collection_year": params["collection_year"]}
    return _file_report(path, match, table, issues, chosen=pack is None, extra=extra)


def _file_report(
    path: str,
    match: HeaderMatch,
    table: Table,
    issues: list[Issue],
    *,
    chosen: bool,
    extra: Mapping[str, Any],
) -> FileReport:
    """The report of one checked table; ``chosen`` when the pack was detected from the header."""
    return FileReport(
        file=path,
        template=match.pack.name,
        sheet=match.sheet,
        header_row=match.header_row,
        rows=len(table),
        issues=sorted(issues, key=sort_key),
        template_reason=match.describe() if chosen else "",
        extra={**extra, "first_col": table.first_col},
    )


def _related_tables(
    pack: RulePack, book: WorkbookReader | None, options: CheckOptions
) -> dict[str, Table]:
    """Read the other sheets and input files the pack's checks compare against (an input
    file may be an ILR XML file: the old system's return). ``book`` is None for a file
    without sheets."""
    from .readers import open_workbook
    from .readers._ilr_xml import is_xml, read_ilr

    wanted = {sub.input_name for sub in pack.related.values() if sub.origin == "input"}
    unknown = sorted(set(options.inputs) - wanted)
    if unknown:
        raise UsageError(f"--{unknown[0]} is not used by the {pack.name} template")
    tables: dict[str, Table] = {}
    for name, sub in pack.related.items():
        if sub.origin == "sheet":
            if book is None:
                continue
            sheet = _sheet_named(book, sub.sheet_name or "", *sub.sheet_aliases)
            if sheet is not None:
                grid = book.read_sheet(sheet)
                found = find_header(sub, grid)
                tables[name] = build_table(grid, found.offset if found else 0)
            continue
        path = options.inputs.get(sub.input_name or "")
        if path is None:
            if sub.required:
                raise UsageError(f"the {pack.name} template needs --{sub.input_name} FILE")
            continue
        if not os.path.isfile(path):
            raise InputError(path, "no such file")
        if is_xml(path):
            tables[name] = read_ilr(path, options.limits).table
            continue
        with open_workbook(path, options.limits) as other:
            _match, tables[name] = _locate(other, sub, None, options.limits)
            tables[name].source = os.path.basename(path)
    return tables


def _sheet_named(book: WorkbookReader, name: str, *aliases: str) -> str | None:
    """The sheet called ``name`` or one of its ``aliases`` (ignoring case and spaces)."""
    wanted = {fold_text(n) for n in (name, *aliases)}
    for sheet in book.sheet_names:
        if fold_text(sheet) in wanted:
            return sheet
    return None


def check_grid(
    grid: SheetGrid, *, template: str | RulePack | None = None, context: Context | None = None
) -> FileReport:
    """Check one sheet's cells already in memory, as :func:`check_book` would."""
    from .readers._memory import GridWorkbook

    pack = load_pack(template) if isinstance(template, str) else template
    context = context or Context()
    options = CheckOptions(import_date=context.import_date, params=dict(context.options))
    return check_book(GridWorkbook(grid.name, [grid]), pack, options)


def _locate(
    book: WorkbookReader, pack: RulePack | None, sheet: str | None, limits: Limits | None
) -> tuple[HeaderMatch, Table]:
    """The sheet and header row to check, the first sheet with a matching header, and its
    table (a big xlsx sheet read through Arrow when the ``fast`` extra is installed)."""
    if sheet is not None and sheet not in book.sheet_names:
        kind = dict(book.skipped_sheets).get(sheet)
        if kind is not None:
            raise InputError(
                book.path,
                f"sheet {sheet!r} is {kind}, which sheetcheck does not read",
                "copy its data to an ordinary worksheet and check that sheet",
            )
        known = ", ".join(repr(s) for s in book.sheet_names)
        raise UsageError(f"{book.path}: no sheet named {sheet!r} (sheets: {known})")
    names = [sheet] if sheet is not None else list(book.sheet_names)
    candidates = [pack] if pack is not None else [load_pack(n) for n in bundled_pack_names()]
    window = max(p.header_search_rows for p in candidates)
    for name in names:
        found = _columnar_table(book, name, candidates, window, limits)
        if found is not None:
            match, table = found
            if match is None or table is None:
                continue  # its top rows, read exactly through Arrow, hold no header
            return match, table
        match = _best_match(candidates, book.read_sheet(name, nrows=window))
        if match is not None:
            grid = book.read_sheet(name)  # the header search read only the top rows
            return match, build_table(grid, match.offset)
    if not names:
        raise InputError(book.path, "the workbook has no sheets")
    error = _no_header(book.path, pack)
    if book.skipped_sheets:
        skipped = ", ".join(f"{n!r} ({kind})" for n, kind in book.skipped_sheets)
        error = InputError(
            book.path,
            f"{error.cause}; these sheets were not read because they are not worksheets: {skipped}",
            error.advice,
        )
    raise error


def _columnar_table(
    book: WorkbookReader,
    name: str,
    candidates: Sequence[RulePack],
    window: int,
    limits: Limits | None,
) -> tuple[HeaderMatch | None, Table | None] | None:
    """The sheet's match and table read through Arrow (:mod:`.readers._columnar`); (None,
    None) when its top rows hold no header (the next sheet is tried without parsing this one
    again); None when the ordinary path must read it: not a big xlsx sheet, no ``fast`` extra,
    anything the columnar reader cannot reproduce exactly, or a header that is not on row 1."""
    if book.format not in ("xlsx", "xlsm") or type(book).__name__ != "CalamineReader":
        return None  # the Excel front end's and Pyodide's books never load the module
    from .limits import DEFAULT_LIMITS
    from .readers import _columnar

    sheet = _columnar.load(book, name, limits or DEFAULT_LIMITS)
    if sheet is None:
        return None
    match = _best_match(candidates, sheet.top(window))
    if match is None:
        return None, None
    if match.offset != 0:
        return None
    return match, sheet.table()


def _best_match(packs: Sequence[RulePack], grid: SheetGrid) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    for pack in packs:
        match = find_header(pack, grid)
        if match is not None and (best is None or match.score > best.score):
            best = match
    return best


def _no_header(path: str, pack: RulePack | None) -> InputError:
    if pack is None:
        return InputError(
            path,
            "no sheet has a header row that matches a known template",
            "put the template's column headings in one of the first 20 rows, "
            "or name the template with --template",
        )
    expected = ", ".join(c.name for c in pack.columns if not c.optional_column)
    return InputError(
        path,
        f"no header row for {pack.name} in the first {pack.header_search_rows} rows of any sheet",
        f"the header needs the columns {expected}",
    )
