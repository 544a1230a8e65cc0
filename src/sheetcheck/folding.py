"""How two texts are compared as "the same": one helper for every place that folds text.

:func:`fold_text` is for headers, listed values, keys and references: surrounding spaces and
repeated inner whitespace do not count, nor (unless ``case=False``) does case.
:func:`fold_name` is for people's names: accents, case, spaces and punctuation do not count.

A neutral module: it imports nothing of sheetcheck, so the packs, the engine, the check
functions and the outputs all fold the same way without importing one another.
"""

from __future__ import annotations

import unicodedata


def fold_text(text: object, *, case: bool = True) -> str:
    """'  Start   DATE ' -> 'start date' (``case=False``: 'Start DATE')."""
    value = str(text)
    # Most values are already tidy: skip the split/join (a measurable share of a big check).
    if "  " in value or not value.isprintable() or value != value.strip():
        value = " ".join(value.split())
    return value.casefold() if case else value


def fold_name(text: object) -> str:
    """'  Zoë  O'Brien-Smith ' -> 'zoeobriensmith': no accents, case, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    letters = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in "".join(letters).casefold() if c.isalnum())


__all__ = ["fold_name", "fold_text"]
