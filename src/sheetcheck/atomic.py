"""Writing a file so that it is never half-written: a temporary file beside it, then a rename.

Every writer (reports, annotated copies, merged workbooks, templates, exports, add-ins) goes
through :func:`replacing` (text files through :func:`write_atomically`), so an interrupted run leaves either the old file or the complete new
one, and the new file gets the permissions an ordinary new file would (not ``mkstemp``'s 0600).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from .errors import UsageError


def file_mode(target: Path) -> int:
    """The permissions ``target`` has, or those a new file gets under the current umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def check_target(target: str | os.PathLike[str]) -> Path:
    """``target`` as a Path if a file can be written there; otherwise one clear line (exit 2).

    Commands call it before they start work, so a typo in ``-o`` is reported at once, not
    after a long check; :func:`replacing` calls it again as the last word.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path()
    if target.is_dir():
        raise UsageError(f"{target}: is a folder; give the name of the file to write")
    if not folder.is_dir():
        raise UsageError(
            f"{target}: the folder {folder} does not exist; create it or write elsewhere"
        )
    return target


def check_new_target(target: str | os.PathLike[str], *, force: bool) -> Path:
    """:func:`check_target`, and an existing file only with ``force`` (``--force``).

    Nothing is overwritten by accident: commands call it before they start work, so the
    refusal is one line on stderr and exit 2 with nothing done.
    """
    target = check_target(target)
    if target.exists() and not force:
        raise UsageError(f"{target}: {EXISTS}")
    return target


def check_not_input(source: Path, target: Path, what: str) -> None:
    """Refuse ``target`` when it is ``source`` under any path (relative, symlink, hard link):
    sheetcheck never writes over its input. ``what`` names the output ("the fixed copy")."""
    same = target.resolve() == source.resolve()
    if not same and target.exists():
        same = source.samefile(target)
    if same:
        raise UsageError(
            f"{target}: is the input file; sheetcheck never writes over its input, "
            f"give another name for {what}"
        )


EXISTS = "already exists; nothing written. Give another name, or add --force to replace it"
"""The one wording of every refusal to overwrite a file (``template -o`` adds what it may hold)."""


@contextlib.contextmanager
def replacing(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; when the block succeeds, it replaces
    ``target`` in one rename. On any failure the temporary file is removed and ``target`` is
    left as it was."""
    target = check_target(target)
    folder = target.parent if str(target.parent) else Path()
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise UsageError(f"{target}: cannot write there ({err.strerror or err})") from None
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        temp.chmod(file_mode(target))
        temp.replace(target)
    except OSError as err:  # disk full, permissions: one line, and the old file as it was
        temp.unlink(missing_ok=True)
        raise UsageError(f"{target}: cannot write there ({err.strerror or err})") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, write: Callable[[TextIO], None]) -> None:
    """Write a UTF-8 text file via a temporary file in the same folder, then rename it into place."""
    with replacing(target) as temp, temp.open("w", encoding="utf-8", newline="") as out:
        write(out)
