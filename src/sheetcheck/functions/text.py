"""Built-in checks of free text cells: spaces a person cannot see.

A name or a course title with a space before it, two spaces inside it or a non-breaking space
(pasted from a web page or a PDF) looks right on screen, but the target compares text exactly:
"Fire  Safety" is not the course "Fire Safety", and a learner's name with a trailing space is
a different name in a search.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from . import Context, Finding, TableView, check_function

_SPACES = re.compile(r"[ \u00a0]+")


def without_extra_spaces(text: str) -> str:
    """``text`` with non-breaking spaces as spaces, runs of spaces as one, none around it."""
    return _SPACES.sub(" ", text).strip(" \u00a0")


def _what(text: str) -> str:
    found = []
    if text != text.strip(" \u00a0"):
        found.append("spaces before or after the text")
    if re.search(r"\S[ \u00a0]{2,}\S", text):
        found.append("doubled spaces")
    if "\u00a0" in text:
        found.append("non-breaking spaces")
    return " and ".join(found) or "extra spaces"


@check_function(
    "extra-spaces",
    "table",
    {
        "type": "object",
        "required": ["columns"],
        "properties": {"columns": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
        "additionalProperties": False,
    },
    columns_from=("columns",),
)
def extra_spaces(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """Text cells with spaces around them, doubled inside, or non-breaking spaces.

    Each distinct value is looked at once, and the rows holding a spaced one are found at C
    speed; ``spaces`` names what was found.
    """
    for column in args["columns"]:
        if not view.has(column):
            continue
        raw = view.raw(column)
        spaced = {}
        for value in set(raw):
            if value.__class__ is str:
                cleaned = without_extra_spaces(value)
                if cleaned and cleaned != value:
                    spaced[value] = _what(value)
        if not spaced:
            continue
        rows = view.rows
        if isinstance(rows, range) and rows == range(len(raw)):
            found: Iterable[int] = itertools.compress(rows, map(spaced.__contains__, raw))
        else:
            found = [i for i in rows if raw[i] in spaced]
        for index in found:
            value = raw[index]
            if value.__class__ is str:  # (a value of another type never equals a text)
                yield Finding(index, column, {"spaces": spaced[value]})


__all__ = ["extra_spaces", "without_extra_spaces"]
