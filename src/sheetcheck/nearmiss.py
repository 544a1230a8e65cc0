"""Which header most likely meant a missing column: 'Enrolment Startd Date' for 'Enrollment
Started Date'.

A small function of its own (not the header matching, which stays exact on the pack's names and
aliases): it only ever suggests, so a typo is named in the report instead of being guessed into
the data.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

CUTOFF = 0.75  # difflib ratio; 'Enrolment Startd Date' vs 'Enrollment Started Date' is 0.93


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def likely_header(
    names: Iterable[str], headers: Sequence[tuple[int, str]]
) -> tuple[int, str] | None:
    """The (position, text) of the header in ``headers`` most like one of ``names`` (a column's
    name and aliases), or None when none is close enough. ``headers`` are the header cells no
    column claimed."""
    wanted = [_fold(n) for n in names]
    best: tuple[float, int, str] | None = None
    for position, text in headers:
        folded = _fold(text)
        if not folded:
            continue
        score = max(difflib.SequenceMatcher(None, folded, w).ratio() for w in wanted)
        if score >= CUTOFF and (best is None or score > best[0]):
            best = (score, position, text)
    return None if best is None else (best[1], best[2])
