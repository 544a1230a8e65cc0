"""Text that leaves sheetcheck for a spreadsheet: never a formula, never too long.

A CSV cell or workbook cell starting with ``=``, ``+``, ``-``, ``@``, tab, CR or LF can be run
as a formula when the file is opened (CSV injection). Every writer passes user text through
here.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
EXCEL_CELL_LIMIT = 32_767
_TRUNCATED = "… [truncated]"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def neutralize(text: str) -> str:
    """Prefix an apostrophe when ``text`` would start a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell_text(text: str) -> str:
    """Text a workbook cell can hold: no control characters, at most 32,767 characters."""
    text = _CONTROL.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(_TRUNCATED)] + _TRUNCATED
    return text
