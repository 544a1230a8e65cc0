"""How a cell value reads to a person: one small neutral helper shared by the engine, the
check functions and the outputs (it imports nothing of them, so none of them has to import
another to print a value the same way)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .dates import DMY, DateFormat


def display_value(value: Any, dates: DateFormat = DMY) -> str:
    """A cell value as a person would recognise it in the sheet; dates in ``dates`` (the
    pack's date format)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return dates.format(value.date())
        return f"{dates.format(value.date())} {value.strftime('%H:%M')}"
    if isinstance(value, dt.date):
        return dates.format(value)
    return str(value).strip() if isinstance(value, str) else str(value)
