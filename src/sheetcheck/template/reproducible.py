"""Templates that are the same bytes when their content is the same.

openpyxl stamps ``docProps/core.xml`` with the time of saving and every zip member with the
time of writing, so the committed workbooks (``make templates``) would change on every run.
:func:`pin_timestamps` rewrites a saved workbook with one fixed time in both places; the time
is :func:`build_time`: ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention),
else :data:`FIXED_TIME`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

FIXED_TIME = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
CORE_PROPERTIES = "docProps/core.xml"
_STAMP = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def build_time() -> dt.datetime:
    """``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) when set and valid, else FIXED_TIME."""
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text), tz=dt.timezone.utc)
    return FIXED_TIME


def pin_timestamps(path: Path, when: dt.datetime) -> None:
    """Rewrite the xlsx at ``path`` (a file of ours, not yet in place) with ``when`` as its
    created/modified times and as the time of every zip member; the members keep their
    order, names, content and compression."""
    stamp = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    member_time = max(
        when.astimezone(dt.timezone.utc), dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)
    )
    date_time = member_time.timetuple()[:6]
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as out:
        for info, content in members:
            data = content
            if info.filename == CORE_PROPERTIES:
                data = _STAMP.sub(lambda m: m.group(1) + stamp + m.group(3), content)
            pinned = zipfile.ZipInfo(info.filename, date_time=date_time)
            pinned.compress_type = info.compress_type
            pinned.external_attr = info.external_attr
            out.writestr(pinned, data)


__all__ = ["FIXED_TIME", "build_time", "pin_timestamps"]
