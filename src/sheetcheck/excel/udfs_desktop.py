"""The cell functions as classic xlwings UDFs, for desktop Excel on Windows.

``=SHEETCHECK_DATE(E2)``, ``=SHEETCHECK_ROW(A2:G2, A$1:G$1)``, ``=SHEETCHECK_ISSUES(A1:G5000)``:
the same functions as ``SHEETCHECK.DATE``... in xlwings Lite (classic UDF names cannot contain
a dot). The add-in lists this module under "UDF Modules" in its config sheet; run xlwings'
``ImportPythonUDFsToAddin`` once (see the README) to make them known to Excel.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from . import udfs


@xw.func
def sheetcheck_date(value: Any, date_format: Any = None) -> Any:
    """The date as a real date, or a short reason it is not a valid date in the format given
    (a format such as "yyyy-mm-dd" or a template's name; default d/m/yyyy)."""
    return udfs.check_date(value, date_format)


@xw.func
@xw.arg("values", ndim=2)
@xw.arg("header", ndim=2)
def sheetcheck_row(values: Any, header: Any, template: Any = None) -> str:
    """The issues of one row as text (empty when the row is clean)."""
    return udfs.row_issues(values, header, template or None)


@xw.func
@xw.arg("data", ndim=2)
def sheetcheck_issues(data: Any, template: Any = None) -> list[list[Any]]:
    """Every issue of the range, as a table that spills below the formula."""
    return udfs.issues_table(data, template or None)
