"""The built-in fixers: for a finding a pack marks fixable, the value the cell should hold.

A fixer returns the corrected value only when it is certain, otherwise None, and the finding is
left for a person. The engine checks the proposed value against the column's own rules before
it is offered, and puts it on the issue (``fix_value``): the report's "did you mean", the
annotated copy's notes, the Excel Issues sheet and ``sheetcheck fix`` all show that one value.

Dates are written through :func:`date_text`, the one place that knows how a pack wants a date
written (today d/m/yyyy for every bundled pack).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..dates import CERTAIN_KINDS, format_dmy
from . import FixRequest, fixer
from .text import without_extra_spaces

MONTH_FIRST = "looks month/day/year: every date in it may be swapped"


def date_text(day: dt.date) -> str:
    """A date as the fixed cell holds it (the pack's date format; d/m/yyyy today)."""
    return format_dmy(day)


def _month_first(params: Mapping[str, Any]) -> str | None:
    return MONTH_FIRST if params.get("kind") == "month-first" else None


@fixer("dmy-date", veto=_month_first)
def fix_date(request: FixRequest) -> str | None:
    """A date with a time of day, year-month-day, or day-first with dots or dashes -> d/m/yyyy.

    The suggestion of the ``dmy-date`` check is reused (never computed twice); it is taken only
    for the certain ways of writing a date.
    """
    params = request.params
    suggestion = params.get("suggestion")
    if params.get("kind") not in CERTAIN_KINDS or not suggestion:
        return None
    day, month, year = (int(part) for part in str(suggestion).split("/"))
    return date_text(dt.date(year, month, day))


def _folded(text: str) -> str:
    """Text compared ignoring case, spaces, hyphens and underscores."""
    return re.sub(r"[\s\-_\u00a0]+", "", text).casefold()


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@fixer("allowed-value")
def fix_allowed_value(request: FixRequest) -> Any:
    """Text that is one allowed value ignoring case, spaces and hyphens, or one letter away from
    exactly one allowed value -> that value as the pack spells it."""
    allowed: Sequence[Any] = request.allowed or ()
    if not isinstance(request.value, str) or not allowed:
        return None
    folded = _folded(request.value)
    if len(folded) < 3:
        return None
    same = [m for m in allowed if _folded(str(m)) == folded]
    if len(same) == 1:
        return same[0]
    if same:
        return None
    close = [m for m in allowed if _one_edit_apart(folded, _folded(str(m)))]
    return close[0] if len(close) == 1 else None


@fixer("extra-spaces")
def fix_spaces(request: FixRequest) -> str | None:
    """Spaces around the text, doubled spaces and non-breaking spaces removed."""
    if not isinstance(request.value, str):
        return None
    cleaned = without_extra_spaces(request.value)
    return cleaned if cleaned and cleaned != request.value else None


_PERCENT = re.compile(r"([+-]?\d+(?:[.,]\d+)?)\s*%")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,(\d+)")


@fixer("number-text")
def fix_number_text(request: FixRequest) -> int | float | None:
    """A number written as text with a percent sign ("85%") or a decimal comma ("85,0").

    A comma followed by exactly three digits ("1,234") may be a thousands separator: not certain,
    never fixed.
    """
    if not isinstance(request.value, str):
        return None
    text = request.value.strip()
    match = _PERCENT.fullmatch(text)
    if match:
        text = match.group(1)
        if "," in text and not _comma_is_decimal(text):
            return None
    elif _DECIMAL_COMMA.fullmatch(text):
        if not _comma_is_decimal(text):
            return None
    else:
        return None
    number = float(text.replace(",", "."))
    return int(number) if number.is_integer() else number


def _comma_is_decimal(text: str) -> bool:
    return len(text.rsplit(",", 1)[1]) != 3


__all__ = [
    "MONTH_FIRST",
    "date_text",
    "fix_allowed_value",
    "fix_date",
    "fix_number_text",
    "fix_spaces",
]
