"""The Excel front end: Validate and Clear for the desktop add-in, xlwings Lite and tests.

:func:`validate` and :func:`clear` take an ``xlwings.Book`` of any engine (COM on Windows,
AppleScript on macOS, the remote engine behind xlwings Lite and the tests). Validate reads
every sheet's values (one call each), checks them with :func:`sheetcheck.checker.check_book`,
the very code ``sheetcheck check`` runs on the saved file, computes everything it will show
(:func:`sheetcheck.excel.painter.plan`) and only then talks to Excel, so a failure ends in one
readable alert instead of a half-painted sheet.

Nothing here imports xlwings, readers, python-calamine or openpyxl at import time.
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import InputError, SheetcheckError
from . import painter

if TYPE_CHECKING:
    from ..model import FileReport
    from .addin import install, register_cli, uninstall
    from .lite import lite_files

__all__ = [
    "clear",
    "install",
    "lite_files",
    "main",
    "register_cli",
    "uninstall",
    "validate",
]

ALERT_TITLE = "SheetCheck"
NO_HEADER_ADVICE = (
    "Put the template's column headings in one of the first 20 rows, then press Validate again."
)


def validate(
    book: Any, template: str | None = None, *, import_date: dt.date | None = None
) -> FileReport | None:
    """Check the workbook and show the result in it; returns the report (None on failure).

    The workbook is checked exactly as ``sheetcheck check`` checks it once saved: the first
    sheet whose header matches a template, its related sheets, the same rules (sheetcheck's
    own sheets are skipped). ``template`` names a bundled
    template or a rule-pack file (default: matched from the header); ``import_date`` fixes the
    date rules compare against (default: today).
    """
    with _status_bar(book, "SheetCheck: reading the workbook...") as status:
        try:
            state = painter.read_state(book, can_rig=not _is_remote(book))
            report = _check(book, state, template, import_date, status)
            todo = painter.plan(report, state, checked_at=dt.datetime.now())
        except InputError as err:  # no template header: the engine's advice is for the CLI
            _alert(book, f"{err.cause}. {NO_HEADER_ADVICE}")
            return None
        except SheetcheckError as err:
            _alert(book, str(err))
            return None
        except Exception as err:  # the button's boundary: an alert, never a traceback
            traceback.print_exc(file=sys.stderr)
            _alert(book, f"SheetCheck could not check this workbook: {_describe(err)}")
            return None
        status.say(f"SheetCheck: showing {len(report.issues):,} issues...")
        if not _apply(book, todo):
            return None
    return report


def clear(book: Any) -> None:
    """Remove every highlight and the Issues sheet; the user's cells were never changed."""
    with _status_bar(book, "SheetCheck: clearing..."):
        try:
            todo = painter.clear_plan(painter.read_state(book))
        except Exception as err:  # the button's boundary: an alert, never a traceback
            traceback.print_exc(file=sys.stderr)
            _alert(book, f"SheetCheck could not clear this workbook: {_describe(err)}")
            return
        _apply(book, todo)


def main() -> None:
    """What the add-in's Validate button runs: check the active workbook."""
    import xlwings as xw

    validate(xw.Book.caller())


def _check(
    book: Any,
    state: painter.BookState,
    template: str | None,
    import_date: dt.date | None,
    status: _StatusBar,
) -> FileReport:
    return check_workbook(book, template, import_date=import_date, state=state, status=status)


def check_workbook(
    book: Any,
    template: str | None = None,
    *,
    import_date: dt.date | None = None,
    state: painter.BookState | None = None,
    status: _StatusBar | None = None,
) -> FileReport:
    """Every sheet of the workbook (but sheetcheck's own) checked as ``sheetcheck check``
    checks the saved file: the same :func:`sheetcheck.checker.check_book`. Validate and Fix
    both check through here, so they reach one verdict."""
    from ._engine import check_sheets

    own = (state or painter.read_state(book)).own_sheets()
    sheets = []
    for sheet in book.sheets:
        if sheet.name.casefold() in own:
            continue
        used = sheet.used_range
        values = used.options(ndim=2, err_to_str=True).value
        sheets.append((sheet.name, used.row, used.column, values or []))
    if status is not None:
        rows = sum(len(values) for *_, values in sheets)
        status.say(f"SheetCheck: checking {rows:,} rows...")
    return check_sheets(book.name, sheets, template=template, import_date=import_date)


def _apply(book: Any, todo: painter.Plan) -> bool:
    """Carry out the plan; on failure, undo what is still undoable and alert."""
    mark = _queued(book)
    try:
        with _screen_frozen(book):
            painter.apply(book, todo)
    except Exception as err:  # the button's boundary: an alert, never a traceback
        traceback.print_exc(file=sys.stderr)
        if mark is not None:  # remote engine: nothing has reached Excel yet, drop it all
            del book.json()["actions"][mark:]
            message = "Nothing was changed."
        else:
            message = "Press Clear to remove what was shown."
        _alert(book, f"SheetCheck could not show the result: {_describe(err)}. {message}")
        return False
    return True


def _describe(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _is_remote(book: Any) -> bool:
    return bool(book.app.engine.type == "remote")


def _queued(book: Any) -> int | None:
    """Number of actions queued on a remote-engine book (None on desktop engines)."""
    return len(book.json()["actions"]) if _is_remote(book) else None


def _alert(book: Any, message: str) -> None:
    book.app.alert(message, title=ALERT_TITLE)


class _StatusBar:
    """Progress in desktop Excel's status bar; Office.js has none, so nothing is shown there."""

    def __init__(self, book: Any) -> None:
        self.app = None if _is_remote(book) else book.app

    def say(self, text: str) -> None:
        if self.app is not None:
            self.app.status_bar = text


@contextmanager
def _status_bar(book: Any, text: str) -> Iterator[_StatusBar]:
    """Show progress while the block runs; always hand the status bar back to Excel."""
    status = _StatusBar(book)
    status.say(text)
    try:
        yield status
    finally:
        if status.app is not None:
            status.app.status_bar = False


@contextmanager
def _screen_frozen(book: Any) -> Iterator[None]:
    """No redraw while painting on desktop; the remote engine batches everything anyway."""
    if _is_remote(book):
        yield
        return
    app = book.app
    before = app.screen_updating
    app.screen_updating = False
    try:
        yield
    finally:
        app.screen_updating = before


def __getattr__(name: str) -> Any:
    # install/uninstall/lite_files/register_cli live in modules that need the file system or
    # argparse; load them on first use only.
    if name in ("install", "uninstall", "register_cli", "build_addins"):
        from . import addin

        return getattr(addin, name)
    if name == "lite_files":
        from .lite import lite_files

        return lite_files
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
