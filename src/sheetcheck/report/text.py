"""The text report: grouped by rule, most severe first, readable in a terminal."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TextIO

from ..model import SEVERITY_ORDER, FileReport, Issue, Report
from ..safety import cell_text

WIDTH = 100


def summary_line(item: FileReport, strict: bool = False) -> str:
    """'file.xlsx: 12 errors, 3 warnings, 1 info in 412 rows (enrollment-history): NOT READY'."""
    if item.error is not None:
        return f"{item.file}: could not be checked: {item.error}"
    counts = f"{_plural(item.errors, 'error')}, {_plural(item.warnings, 'warning')}, {_plural(item.infos, 'info')}"
    verdict = "ready to upload" if item.is_valid(strict) else "NOT READY to upload"
    return f"{_name(item)}: {counts} in {_plural(item.rows, 'row')} ({item.template}): {verdict}"


def upload_of(item: FileReport) -> list[str] | None:
    """The files a --merge entry judges together (None for an ordinary file's entry)."""
    files = item.extra.get("upload_of")
    return files if isinstance(files, list) else None


def _name(item: FileReport) -> str:
    files = upload_of(item)
    return item.file if files is None else f"the {len(files)} files as one upload"


def _plural(count: int, word: str) -> str:
    if word == "info":
        return f"{count:,} info"
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def write_text(report: Report, out: TextIO, *, quiet: bool = False) -> None:
    checked = [f for f in report.files if f.error is None]
    for item in checked:
        if quiet:
            out.write(summary_line(item, report.strict) + "\n")
        else:
            _write_file(item, out, report.strict)
    inputs = [f for f in report.files if upload_of(f) is None]
    if len(inputs) > 1:
        ready = sum(1 for f in inputs if f.error is None and f.is_valid(report.strict))
        failed = sum(1 for f in inputs if f.error is not None)
        line = f"{len(inputs)} files: {ready} ready, {len(inputs) - ready - failed} with problems to fix"
        if failed:
            line += f", {failed} could not be checked"
        for whole in report.files:
            if upload_of(whole) is not None:
                verdict = "ready" if whole.is_valid(report.strict) else "NOT READY"
                line += f"; as one upload: {verdict}"
        out.write(line + "\n")


def _write_file(item: FileReport, out: TextIO, strict: bool) -> None:
    files = upload_of(item)
    if files is None:
        out.write(f"{item.file}\n")
    else:  # nothing of this entry exists yet: it is the files' rows taken together
        out.write(f"{_name(item).capitalize()}: {', '.join(files)}\n")
    template = item.template or "?"
    if item.template_reason:
        template += f" (chosen because {item.template_reason})"
    out.write(f"  template: {template}\n")
    if files is None:
        out.write(
            f"  sheet:    {item.sheet!r}, header on row {item.header_row}, {_plural(item.rows, 'data row')}\n"
        )
    else:
        out.write(
            f"  rows:     {_plural(item.rows, 'data row')} in the {len(files)} files together "
            f"(to be merged into {item.file} when nothing blocks it)\n"
        )
    for key, value in item.extra.items():
        if isinstance(value, str) and not key.startswith("_"):
            out.write(f"  {key}: {value}\n")
    out.write("\n")
    whole = "upload" if files is not None else "sheet"
    for group in _groups(item.issues):
        _write_group(group, out, item.sheet, whole)
    sections = item.extra.get("sections", [])
    for title, lines in sections if isinstance(sections, list) else []:
        out.write(f"{title}\n")
        for line in lines:
            out.write(f"  {line}\n")
        out.write("\n")
    out.write(summary_line(item, strict) + "\n\n")


def _groups(issues: Iterable[Issue]) -> list[list[Issue]]:
    by_rule: dict[str, list[Issue]] = {}
    for issue in issues:
        by_rule.setdefault(issue.rule, []).append(issue)
    return sorted(by_rule.values(), key=lambda g: (SEVERITY_ORDER[g[0].severity], g[0].rule))


def where(issue: Issue, data_sheet: str | None, whole: str = "sheet") -> str:
    """'A14' on the data sheet; 'Licenses!A14' (Excel's own notation) on any other sheet;
    ``whole`` ('sheet', or 'upload' for --merge) for a problem of no row or column (no-rows,
    a student the platform has and the upload lacks)."""
    if issue.location is not None:  # a file without cells (ILR XML): the element's line
        return f"line {issue.location.line}"
    if issue.cell is None and issue.column is None:
        return whole
    place = issue.cell or f"row {issue.row}"
    if not issue.sheet or issue.sheet == data_sheet:
        return place
    sheet = issue.sheet
    if not sheet.replace("_", "").isalnum():
        sheet = "'" + sheet.replace("'", "''") + "'"
    return f"{sheet}!{place}" if issue.cell else f"{sheet} {place}"


def _write_group(group: list[Issue], out: TextIO, data_sheet: str | None, whole: str) -> None:
    first = group[0]
    out.write(f"{first.severity.upper()}  {first.rule}  ({len(group):,})\n")
    common_why = first.why if all(i.why == first.why for i in group) else ""
    if common_why:
        out.write(_wrap(f"why: {common_why}", "  ", "       "))
    common_fix = first.fix if all(i.fix == first.fix for i in group) else ""
    if common_fix:
        out.write(_wrap(f"fix: {common_fix}", "  ", "       "))
    for issue in group:
        place = where(issue, data_sheet, whole)
        out.write(_wrap(cell_text(issue.what or issue.message), f"  {place:<7} ", " " * 10))
        if not common_why and issue.why:  # the rule says different things on different rows
            out.write(_wrap(f"why: {issue.why}", " " * 10, " " * 15))
        if not common_fix and issue.fix:
            out.write(_wrap(f"fix: {issue.fix}", " " * 10, " " * 15))
    out.write("\n")


def _wrap(text: str, first: str, rest: str) -> str:
    """``text`` wrapped to WIDTH columns after the indents, as ``textwrap.fill`` wraps it
    (without breaking on hyphens), and a newline."""
    lines = _lines(text, WIDTH - len(first), WIDTH - len(rest))
    if lines is None:
        return (
            textwrap.fill(
                text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
            )
            + "\n"
        )
    if not lines:
        return "\n"
    return "".join([(rest if n else first) + line + "\n" for n, line in enumerate(lines)])


def _lines(text: str, first: int, rest: int) -> list[str] | None:
    """textwrap's lines of ``text``, ``first`` columns wide and then ``rest``, found by slicing
    at spaces instead of chunk by chunk. Only for words between single spaces, the usual
    text: None for anything else (other whitespace, a space at either end or two together,
    a word longer than its line, an indent as wide as the line), which textwrap wraps."""
    if min(first, rest) < 1 or " ".join(text.split()) != text:
        return None
    lines: list[str] = []
    pos, end = 0, len(text)
    width = first
    while end - pos > width:
        edge = pos + width
        if text[edge] == " ":  # a word ends at the edge
            cut, resume = edge, edge + 1
        elif text[edge - 1] == " ":  # a word starts at the edge
            cut, resume = edge - 1, edge
        else:  # the line ends before the word across the edge
            cut = text.rfind(" ", pos, edge)
            if cut < pos:
                return None
            resume = cut + 1
        following = text.find(" ", resume)
        if (end if following < 0 else following) - resume > width:
            return None  # textwrap would start the long word on this line
        lines.append(text[pos:cut])
        pos, width = resume, rest
    if pos < end:
        lines.append(text[pos:])
    return lines
