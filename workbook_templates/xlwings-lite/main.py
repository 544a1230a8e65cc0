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


@script(name="Validate", button="[SheetCheckValidate]Instructions!A3", show_taskpane=False)
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
