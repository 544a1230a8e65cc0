"""Entry point of the Fix button of the desktop add-in (``sheetcheck.excel.fixbutton.xlam``).

The xlwings ribbon add-in runs ``import NAME; NAME.main()`` with NAME its file name, one
callback per file (see addin.py); the work is :func:`sheetcheck.excel.fix.fix`.
"""

from __future__ import annotations


def main() -> None:
    """Apply the safe fixes to the active workbook, after an OK/Cancel alert."""
    from .fix import fix_main

    fix_main()
