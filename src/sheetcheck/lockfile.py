"""Excel's lock files: ``~$Budget.xlsx`` beside ``Budget.xlsx`` while the workbook is open.

Excel writes a small owner file (the user's name, 165 bytes) under the workbook's name with
``~$`` in front, and deletes it when the workbook is closed. ``check *.xlsx`` picks it up; it is
not a spreadsheet and there is nothing to check in it, so it is skipped with a note, and named
for what it is when given on its own.
"""

from __future__ import annotations

import os

PREFIX = "~$"
MAX_BYTES = 4096  # Excel's owner files are 162-165 bytes; a real workbook is never this small


def locked_workbook(path: str | os.PathLike[str]) -> str | None:
    """The name of the workbook ``path`` is Excel's lock file for, or None if it is not one."""
    name = os.path.basename(os.fspath(path))
    if not name.startswith(PREFIX) or len(name) <= len(PREFIX):
        return None
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return None
    if size > MAX_BYTES or head.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
        return None  # a real workbook someone named ~$...: check it like any other
    return name[len(PREFIX) :]


def lock_file_cause(workbook: str) -> str:
    """What a lock file means, in the words of the error line and the note."""
    return f"Excel's lock file: {workbook} is open in Excel"


LOCK_FILE_ADVICE = (
    "nothing to check in it (Excel deletes it when the workbook is closed); "
    "check the workbook itself, after saving it in Excel"
)
