"""sheetcheck: validate learner-record migration spreadsheets before the upload.

``sheetcheck.check(path, template=...)`` returns a :class:`~sheetcheck.model.Report`;
``sheetcheck.main()`` is what the Excel add-in's Validate button calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .checker import check
    from .model import FileReport, Issue, Report

__all__ = ["FileReport", "Issue", "Report", "__version__", "check", "main"]


def __getattr__(name: str) -> Any:
    # Imported on first use so `import sheetcheck` stays light (Excel add-in start-up, Pyodide).
    if name == "check":
        from .checker import check

        return check
    if name in ("FileReport", "Issue", "Report"):
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'sheetcheck' has no attribute {name!r}")


def main() -> None:
    """Validate the active Excel workbook (the add-in's Validate button calls this)."""
    from .excel import main as excel_main

    excel_main()
