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


def file_mode(target: Path) -> int:
    """The permissions ``target`` has, or those a new file gets under the current umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def replacing(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; when the block succeeds, it replaces
    ``target`` in one rename. On any failure the temporary file is removed and ``target`` is
    left as it was."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path()
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        temp.chmod(file_mode(target))
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, write: Callable[[TextIO], None]) -> None:
    """Write a UTF-8 text file via a temporary file in the same folder, then rename it into place."""
    with replacing(target) as temp, temp.open("w", encoding="utf-8", newline="") as out:
        write(out)
