"""Text as a spreadsheet cell or note stores it: legal XML, literal, and not too long."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

MAX_CELL_TEXT = 32_767  # Excel's limit for the text of one cell
TRUNCATED = " … [truncated]"

# XML 1.0 forbids these; Excel would refuse the file. Tab, line feed and return are kept.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# OOXML reads _xHHHH_ as an escaped character; a literal one must have its underscore escaped.
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def clean_text(value: object, limit: int = MAX_CELL_TEXT) -> str:
    """``value`` as text without control characters, cut to ``limit`` with a marker."""
    text = _ILLEGAL.sub("", str(value))
    if len(text) > limit:
        text = text[: limit - len(TRUNCATED)] + TRUNCATED
    return text


def xml_text(text: str) -> str:
    """Cleaned ``text`` escaped for an OOXML ``<t>`` element (``_xHHHH_`` kept literal)."""
    return escape(_ESCAPE_LIKE.sub(r"_x005F_\1", text))


def t_element(text: str, prefix: str = "") -> str:
    """A ``<t>`` element holding ``text`` literally, spaces and line breaks included."""
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f"<{prefix}t{space}>{xml_text(text)}</{prefix}t>"
