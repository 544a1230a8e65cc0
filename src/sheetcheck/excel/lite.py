"""The ``main.py`` and ``requirements.txt`` to paste into xlwings Lite.

xlwings Lite runs Python in the browser (Pyodide) inside Excel on Windows, macOS and the web.
``main.py`` defines the scripts (Validate, Clear, Fix, Undo fixes) and the cell functions; it
only calls :mod:`sheetcheck.excel`, so the behaviour is the desktop add-in's. python-calamine is not
installed there (the package marks it for non-Emscripten platforms), which the Excel front
end never needs: the workbook's values arrive with the script call.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .. import button
from ..errors import UsageError
from ..version import __version__

# The shape named SheetCheckValidate, whose hyperlink points at the cell it covers, runs
# Validate when clicked (xlwings Lite's sheet-button binding). Every generated template and
# sample draws it on the Instructions sheet (sheetcheck.template.button).
VALIDATE_BUTTON = button.BINDING

MAIN_PY = '''\
"""SheetCheck for xlwings Lite: validate this workbook before the migration upload.

Scripts: Validate (also bound to the SheetCheckValidate button on the Instructions sheet),
Clear, Fix and Undo fixes. Cell functions: =SHEETCHECK.DATE(E2), =SHEETCHECK.ROW(A2:G2, A$1:G$1),
=SHEETCHECK.ISSUES(A1:G5000).
"""

from typing import Any

import xlwings as xw
from xlwings import func, script

from sheetcheck import excel
from sheetcheck.excel import udfs


@script(name="Validate", button="{button}", show_taskpane=False)
def validate(book: xw.Book):
    """Check the workbook against its migration template and highlight every problem."""
    excel.validate(book)


@script(name="Clear")
def clear(book: xw.Book):
    """Remove SheetCheck's highlights and Issues sheet (your own formatting is untouched)."""
    excel.clear(book)


# --- Fix and Undo fixes (sheetcheck.excel.fix) ---
from sheetcheck.excel import fix as excel_fix


@script(name="Fix")
def fix(book: xw.Book):
    """Apply the safe fixes: the first press lists them on the Changes sheet, the second
    changes the cells and validates again."""
    excel_fix.fix(book)


@script(name="Undo fixes")
def undo_fixes(book: xw.Book):
    """Write back every value Fix changed (Excel's own undo does not cover them)."""
    excel_fix.undo(book)
# --- end of Fix and Undo fixes ---


@func(name="DATE", namespace="SHEETCHECK")
def sheetcheck_date(value: Any) -> Any:
    """The date as a real date, or a short reason it is not a valid d/m/yyyy date."""
    return udfs.check_date(value)


@func(name="ROW", namespace="SHEETCHECK")
def sheetcheck_row(values: Any, header: Any) -> str:
    """The issues of one row as text (empty when the row is clean)."""
    return udfs.row_issues(values, header)


@func(name="ISSUES", namespace="SHEETCHECK")
def sheetcheck_issues(data: Any) -> Any:
    """Every issue of the range, one row each, below a header row."""
    return udfs.issues_table(data)
'''

# The lowest xlwings the Excel front end is tested with (the `excel` extra says the same).
MIN_XLWINGS = "0.37.5"


def requirements_txt(wheel: str | None = None) -> str:
    """The requirements.txt for xlwings Lite: one requirement a line, nothing else (Lite hands
    every line to micropip, Pyodide's installer). The xlwings line replaces the one Lite puts
    there; the sheetcheck line is the PyPI pin, or the web address of a wheel (micropip
    installs a line that is a URL ending in .whl directly, and its dependencies from PyPI)."""
    return f"xlwings>={MIN_XLWINGS}\n{wheel_line(wheel)}\n"


def wheel_line(wheel: str | None) -> str:
    """The sheetcheck line; raises UsageError (exit 2) for a source Lite cannot install."""
    if wheel is None:
        return f"sheetcheck=={__version__}"
    url = urlsplit(wheel)
    name = url.path.rsplit("/", 1)[-1]
    if url.scheme not in ("http", "https") or not url.netloc:
        raise UsageError(
            f"--wheel {wheel}: give the web address (https://...) of the wheel; xlwings Lite "
            "runs in Excel and downloads it, it cannot read a file on this computer"
        )
    expected = f"sheetcheck-{__version__}-py3-none-any.whl"
    if name != expected:
        raise UsageError(
            f"--wheel {wheel}: the address must end in {expected} (the wheel `make dist` "
            f"builds; main.py is written for sheetcheck {__version__})"
        )
    return wheel


def lite_files(button: str = VALIDATE_BUTTON, wheel: str | None = None) -> dict[str, str]:
    """{'main.py': ..., 'requirements.txt': ...} for xlwings Lite.

    ``button`` is the sheet-button binding of the Validate script, ``[shape]Sheet!Cell``;
    ``wheel`` the web address of a sheetcheck wheel to install instead of the PyPI release.
    """
    return {
        "main.py": MAIN_PY.replace("{button}", button.replace('"', '\\"')),
        "requirements.txt": requirements_txt(wheel),
    }
