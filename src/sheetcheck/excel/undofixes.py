"""Entry point of the Undo fixes button of the desktop add-in
(``sheetcheck.excel.undofixes.xlam``); the work is :func:`sheetcheck.excel.fix.undo`."""

from __future__ import annotations


def main() -> None:
    """Write back every value Fix changed in the active workbook."""
    from .fix import undo_main

    undo_main()
