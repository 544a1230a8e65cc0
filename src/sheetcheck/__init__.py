"""sheetcheck: validate learner-record migration spreadsheets before the upload."""

from __future__ import annotations

__version__ = "0.1.0"
