"""Entry point of the Clear button of the desktop add-in.

The xlwings ribbon add-in runs ``import NAME; NAME.main()`` where NAME is the add-in's file
name, and it has one callback only; the Clear button therefore lives in a second add-in file,
``sheetcheck.excel.unpaint.xlam``, whose ribbon joins the same SheetCheck tab (see addin.py).
"""

from __future__ import annotations


def main() -> None:
    """Remove SheetCheck's highlights and Issues sheet from the active workbook."""
    import xlwings as xw

    from . import clear

    clear(xw.Book.caller())
