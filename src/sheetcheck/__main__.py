"""``python -m sheetcheck``: the same as the ``sheetcheck`` command."""

from .cli import run

run()
