"""The Fix and Undo fixes buttons: the safe fixes of ``sheetcheck fix``, inside Excel.

**Fix** checks the workbook as Validate does, takes the fixes the engine proposes
(:func:`sheetcheck.fix.plan`, the same plan as the command line) and asks before changing
anything: desktop Excel shows an OK/Cancel alert saying how many cells will change. The Office.js
client (xlwings Lite, and the remote engine the tests use) cannot wait for an answer: its
``alert`` action only reports the button pressed to a JavaScript callback registered in the
add-in, which a Lite ``main.py`` cannot register. There the first press lists the proposed
changes on the **Changes** sheet and its alert says how many cells will change and to press Fix
again; the second press, when the plan is still the same, is the confirmation. Then the changed
cells are written, the Changes sheet records each change (Sheet, Cell, Rule, Before, After, a
link to the cell, State) and Validate runs again.

**Undo fixes** writes every Before value back from the Changes sheet (Excel's own undo does not
cover changes made by code), except in cells edited since the fix, which it names.

Only actions the Office.js client executes are used: ``setValues`` (the changed cells, in runs
of adjacent rows, and the Changes sheet in one rectangle), ``addSheet``, ``sheetClearContents``,
``activateSheet`` and ``alert``. The number of actions is bounded: at most :data:`MAX_WRITES`
runs of cells per press; more scattered changes take another press, and the alert says so.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InputError, SheetcheckError
from ..fix import CHANGES_SHEET, Change, FixPlan, plan
from ..model import FileReport

ALERT_TITLE = "SheetCheck"
COLUMNS = ("Sheet", "Cell", "Rule", "Before", "After", "Link", "State")
PROPOSED, CHANGED, UNDONE, KEPT = "proposed", "changed", "undone", "kept: edited since the fix"
MAX_WRITES = 40  # runs of changed cells written per press (each one setValues action)
# Text Excel would read as something else when typed in: a formula, a number, a date, a time,
# a percentage, TRUE/FALSE, or a date with a month name.
_PARSEABLE = re.compile(
    r"(?i)^[=+\-@]|^[\d\s./:,%$£€()+\-]+(am|pm)?$|^(true|false)$"
    r"|\d.*\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b.*\d"
)
_CELL = re.compile(r"([A-Z]{1,3})([0-9]+)")


@dataclass(frozen=True)
class Entry:
    """One row of the Changes sheet."""

    change: Change
    state: str


def fix(book: Any, template: str | None = None, *, import_date: dt.date | None = None) -> int:
    """The Fix button. Returns the number of cells changed by this press (0: none, or only
    proposed, or the user said no)."""
    try:
        report = _check(book, template, import_date)
        todo = plan(report)
        log = read_log(book)
        changes = [c for c in todo.changes if _has_sheet(book, c.sheet)]
    except SheetcheckError as err:
        _alert(book, str(err))
        return 0
    except Exception as err:  # the button's boundary: an alert, never a traceback
        traceback.print_exc(file=sys.stderr)
        _alert(book, f"SheetCheck could not fix this workbook: {_describe(err)}")
        return 0
    if not changes:
        _alert(book, _nothing_to_fix(report, todo))
        return 0
    if _is_remote(book):
        proposed = [e.change for e in log if e.state == PROPOSED]
        if _same(proposed, changes):
            return _apply(book, changes, log, template, import_date)
        history = [e for e in log if e.state != PROPOSED]
        write_log(book, [*history, *(Entry(c, PROPOSED) for c in changes)], bool(log))
        book.sheets[CHANGES_SHEET].activate()
        _alert(
            book,
            f"Fix will change {_cells(len(changes))} ({_by_rule(changes)}). They are listed on "
            "the Changes sheet. Press Fix again to change them; Undo fixes puts them back.",
        )
        return 0
    answer = book.app.alert(
        f"Fix will change {_cells(len(changes))} ({_by_rule(changes)}). "
        "Every change is listed on the Changes sheet, and Undo fixes puts them back. "
        "Change them now?",
        title=ALERT_TITLE,
        buttons="ok_cancel",
    )
    if str(answer).lower() != "ok":
        return 0
    return _apply(book, changes, log, template, import_date)


def undo(book: Any, template: str | None = None, *, import_date: dt.date | None = None) -> int:
    """The Undo fixes button: every Before value back, except where the cell was edited since.
    Returns the number of cells written back."""
    try:
        log = read_log(book)
    except SheetcheckError as err:
        _alert(book, str(err))
        return 0
    done = [e for e in log if e.state == CHANGED]
    if not done:
        _alert(book, "Nothing to undo: the Changes sheet lists no change made by Fix.")
        return 0
    back: list[Change] = []
    kept: list[Change] = []
    for entry in done:
        change = entry.change
        current = book.sheets[change.sheet].range(change.cell).value
        (back if _same_value(current, change.after) else kept).append(change)
    runs = list(_runs(back))
    now, later = runs[:MAX_WRITES], runs[MAX_WRITES:]
    restored = [c for run in now for c in run]
    _write(book, now, before=True)
    states = {id(c): UNDONE for c in restored} | {id(c): KEPT for c in kept}
    write_log(book, [replace(e, state=states.get(id(e.change), e.state)) for e in log], True)
    message = f"Wrote back {_cells(len(restored))} as they were before Fix."
    if kept:
        names = ", ".join(c.cell for c in kept[:10]) + ("..." if len(kept) > 10 else "")
        message += f" {_cells(len(kept))} edited since the fix were left as they are: {names}."
    if later:
        message += f" Press Undo fixes again for the other {_cells(sum(map(len, later)))}."
    _alert(book, message)
    _revalidate(book, template, import_date)
    return len(restored)


# --------------------------------------------------------------------------- checking


def _check(book: Any, template: str | None, import_date: dt.date | None) -> FileReport:
    """The workbook's report, as Validate and ``sheetcheck check`` on the saved file reach it
    (the first sheet whose header matches a template, its related sheets, the import date)."""
    from . import NO_HEADER_ADVICE, check_workbook

    try:
        return check_workbook(book, template, import_date=import_date)
    except InputError as err:  # no template header: the engine's advice is for the CLI
        raise SheetcheckError(f"{err.cause}. {NO_HEADER_ADVICE}") from err


def _nothing_to_fix(report: FileReport, todo: FixPlan) -> str:
    left = len(todo.left)
    text = "Nothing SheetCheck can fix safely"
    text += (
        f": {left:,} problems are left for a person (press Validate to see them)." if left else "."
    )
    for blocked in todo.blocked:
        text += f" {blocked.describe().capitalize()}."
    return text


# --------------------------------------------------------------------------- writing cells


def _apply(
    book: Any,
    changes: list[Change],
    log: list[Entry],
    template: str | None,
    import_date: dt.date | None,
) -> int:
    runs = list(_runs(changes))
    now, later = runs[:MAX_WRITES], runs[MAX_WRITES:]
    written = [c for run in now for c in run]
    _write(book, now, before=False)
    history = [e for e in log if e.state != PROPOSED]
    pending = [c for run in later for c in run]
    entries = [
        *history,
        *(Entry(c, CHANGED) for c in written),
        *(Entry(c, PROPOSED) for c in pending),
    ]
    write_log(book, entries, bool(log))
    message = (
        f"Changed {_cells(len(written))} ({_by_rule(written)}); the Changes sheet lists each one. "
        "Undo fixes puts them back."
    )
    if pending:
        message += f" Press Fix again for the other {_cells(len(pending))}."
    _alert(book, message)
    _revalidate(book, template, import_date)
    return len(written)


def _runs(changes: Sequence[Change]) -> Iterator[list[Change]]:
    """Changes grouped into runs of vertically adjacent cells (one setValues each)."""
    ordered = sorted(changes, key=lambda c: (c.sheet, c.col, c.row))
    run: list[Change] = []
    for change in ordered:
        if run and (change.sheet, change.col, change.row) == (
            run[-1].sheet,
            run[-1].col,
            run[-1].row + 1,
        ):
            run.append(change)
            continue
        if run:
            yield run
        run = [change]
    if run:
        yield run


def _write(book: Any, runs: Sequence[list[Change]], *, before: bool) -> None:
    for run in runs:
        first = run[0]
        sheet = book.sheets[first.sheet]
        values = [[cell_literal(c.before if before else c.after)] for c in run]
        sheet.range((first.row, first.col), (first.row + len(run) - 1, first.col)).value = values
        _mirror(book, sheet, first.row, first.col, [c.before if before else c.after for c in run])


def _mirror(book: Any, sheet: Any, row: int, col: int, values: list[Any]) -> None:
    """Make the remote engine's copy of the sheet show what was just written.

    The remote engine queues writes for the client and keeps answering reads from the values
    Excel sent with the call, so Validate, run next in the same call, would check the old
    values. Desktop engines write at once and need nothing.
    """
    if not _is_remote(book):
        return
    grid = sheet.impl.api["values"]
    for offset, value in enumerate(values):
        line = grid[row - 1 + offset]
        line[col - 1] = _payload_value(value)


def _payload_value(value: Any) -> Any:
    """A value as the Office.js client sends it (dates as ISO text with a Z)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    return "" if value is None else value


def cell_literal(value: Any) -> Any:
    """A value written through ``setValues`` as itself: Excel reads text typed into a cell
    (a date, a number, a formula), so text it could read as something else is written with
    the apostrophe that keeps it text. 1/3/2025 stays the text d/m/yyyy, never a date in the
    user's locale."""
    if isinstance(value, str) and value.strip() and _PARSEABLE.search(value.strip()):
        return "'" + value
    return "" if value is None else value


def _revalidate(book: Any, template: str | None, import_date: dt.date | None) -> None:
    from . import validate

    validate(book, template, import_date=import_date)


# --------------------------------------------------------------------------- the Changes sheet


def read_log(book: Any) -> list[Entry]:
    """The rows of the Changes sheet ([] when there is none). A sheet of that name that is not
    ours is left alone: the user is asked to rename it."""
    if not _has_sheet(book, CHANGES_SHEET):
        return []
    sheet = book.sheets[CHANGES_SHEET]
    values = sheet.used_range.options(ndim=2).value or []
    if not values or tuple(values[0][: len(COLUMNS)]) != COLUMNS:
        raise SheetcheckError(
            f"This workbook already has a sheet called {CHANGES_SHEET} that SheetCheck did not "
            "write. Rename it, then press the button again."
        )
    entries = []
    for line in values[1:]:
        name, cell, rule, before, after, _link, state = (list(line) + [None] * 7)[:7]
        if not name or not cell or not _CELL.fullmatch(str(cell)):
            continue
        entries.append(
            Entry(Change(str(name), str(cell), str(rule or ""), before, after), str(state or ""))
        )
    return entries


def write_log(book: Any, entries: Sequence[Entry], exists: bool) -> None:
    """The Changes sheet, written in one rectangle (added at the end the first time)."""
    if exists:
        sheet = book.sheets[CHANGES_SHEET]
        sheet.clear_contents()
    else:
        sheet = book.sheets.add(name=CHANGES_SHEET, after=book.sheets[len(book.sheets) - 1])
    rows: list[list[Any]] = [list(COLUMNS)]
    for entry in entries:
        c = entry.change
        rows.append(
            [
                c.sheet,
                c.cell,
                c.rule,
                cell_literal(c.before),
                cell_literal(c.after),
                _link(c.sheet, c.cell),
                entry.state,
            ]
        )
    sheet.range((1, 1), (len(rows), len(COLUMNS))).value = rows


def _link(sheet: str, cell: str) -> str:
    """=HYPERLINK("#'Data'!C12","C12"): a click jumps to the cell, on every client."""
    target = "#'" + sheet.replace("'", "''") + "'!" + cell
    return f'=HYPERLINK("{target.replace(chr(34), chr(34) * 2)}","{cell}")'


# --------------------------------------------------------------------------- helpers


def _same(proposed: Sequence[Change], changes: Sequence[Change]) -> bool:
    def key(c: Change) -> tuple[str, str, str]:
        return (c.sheet, c.cell, _text(c.after))

    return bool(proposed) and sorted(map(key, proposed)) == sorted(map(key, changes))


def _same_value(current: Any, expected: Any) -> bool:
    return _text(current) == _text(expected)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


def _has_sheet(book: Any, name: str) -> bool:
    return any(s.name == name for s in book.sheets)


def _cells(count: int) -> str:
    return f"{count:,} cell" + ("" if count == 1 else "s")


def _by_rule(changes: Sequence[Change]) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.rule] = counts.get(change.rule, 0) + 1
    return ", ".join(f"{n:,} {rule}" for rule, n in sorted(counts.items()))


def _is_remote(book: Any) -> bool:
    return bool(book.app.engine.type == "remote")


def _alert(book: Any, message: str) -> None:
    book.app.alert(message, title=ALERT_TITLE)


def _describe(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def fix_main() -> None:
    """What the desktop add-in's Fix button runs."""
    import xlwings as xw

    fix(xw.Book.caller())


def undo_main() -> None:
    """What the desktop add-in's Undo fixes button runs."""
    import xlwings as xw

    undo(xw.Book.caller())


__all__ = ["COLUMNS", "MAX_WRITES", "cell_literal", "fix", "read_log", "undo", "write_log"]
