"""People's names compared the way a person would: accents, case and small typos aside.

Used to warn that a "new" student is probably someone the platform already has. Everything is
standard library: ``unicodedata`` strips accents, ``casefold`` handles case, and a bounded
edit distance (adjacent swaps count as one edit) catches small typos. :class:`NameIndex` finds
candidates without comparing every pair: each name part is indexed under itself and every
one-letter deletion of it, so two parts within one edit share an index key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from .folding import fold_name

# Parts shorter than this must match exactly (after accents and case): "Al" and "Ali" are
# different people far more often than typos of each other; "Lee" and "Leo" may be a typo.
MIN_TYPO_LENGTH = 3


def plain_name(text: object) -> str:
    """Case and inner spaces as a person reads them: ' Zoë   Smith ' -> 'Zoë Smith'."""
    return " ".join(str(text).split())


def edit_distance(a: str, b: str, bound: int = 1) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``a`` to ``b``.

    Returns ``bound + 1`` as soon as the distance is known to exceed ``bound``, so comparing
    two unrelated names costs little.
    """
    if a == b:
        return 0
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > bound:
            return bound + 1
        previous2, previous = previous, current
    return min(previous[-1], bound + 1)


def parts_close(a: str, b: str) -> bool:
    """Two folded name parts that are the same, or one small typo apart (long enough parts)."""
    if a == b:
        return True
    if min(len(a), len(b)) < MIN_TYPO_LENGTH:
        return False
    return edit_distance(a, b, 1) <= 1


def _keys(part: str) -> set[str]:
    """The part and every one-letter deletion of it: parts within one edit share a key."""
    keys = {part}
    if len(part) >= MIN_TYPO_LENGTH:
        keys.update(part[:i] + part[i + 1 :] for i in range(len(part)))
    return keys


@dataclass(frozen=True, slots=True)
class Likeness:
    """How a candidate's name resembles the name looked up; ``rank`` orders them (lower wins)."""

    rank: int
    text: str


def likeness(given: str, family: str, other_given: str, other_family: str) -> Likeness | None:
    """How (given, family) resembles the other name, all arguments as written; None if unlike."""
    g, f, og, of = (fold_name(x) for x in (given, family, other_given, other_family))
    if not (g and f and og and of):
        return None
    if (plain_name(given), plain_name(family)) == (
        plain_name(other_given),
        plain_name(other_family),
    ):
        return Likeness(0, "same name")
    if (g, f) == (og, of):
        return Likeness(1, "same name apart from accents, case or punctuation")
    if (g, f) == (of, og):
        return Likeness(2, "same name with given and family name swapped")
    if parts_close(g, og) and parts_close(f, of):
        return Likeness(3, "name one letter different")
    if parts_close(g, of) and parts_close(f, og):
        return Likeness(4, "name one letter different, given and family name swapped")
    return None


class NameIndex:
    """Names grouped by block (a class, a year...), searchable for close matches.

    ``add(item, given, family, blocks)`` files an item under each of its blocks;
    ``search(given, family, blocks)`` returns (likeness, item) for every item sharing a block
    whose name is close, best first. Only items sharing an index key on both parts are
    compared, which keeps 5,000 x 5,000 students to well under a second.
    """

    def __init__(self) -> None:
        self._given: dict[tuple[Hashable, str], set[int]] = defaultdict(set)
        self._family: dict[tuple[Hashable, str], set[int]] = defaultdict(set)
        self._items: list[tuple[object, str, str]] = []

    def add(self, item: object, given: str, family: str, blocks: Iterable[Hashable]) -> None:
        g, f = fold_name(given), fold_name(family)
        if not (g and f):
            return
        number = len(self._items)
        self._items.append((item, given, family))
        for block in blocks:
            for key in _keys(g):
                self._given[block, key].add(number)
            for key in _keys(f):
                self._family[block, key].add(number)

    def search(
        self, given: str, family: str, blocks: Iterable[Hashable]
    ) -> list[tuple[Likeness, object]]:
        g, f = fold_name(given), fold_name(family)
        if not (g and f):
            return []
        g_keys, f_keys = _keys(g), _keys(f)
        candidates: set[int] = set()
        for block in blocks:
            by_given = self._hits(self._given, block, g_keys)
            by_family = self._hits(self._family, block, f_keys)
            candidates |= by_given & by_family
            swapped_given = self._hits(self._family, block, g_keys)
            swapped_family = self._hits(self._given, block, f_keys)
            candidates |= swapped_given & swapped_family
        found: list[tuple[Likeness, int]] = []
        for number in candidates:
            _, other_given, other_family = self._items[number]
            like = likeness(given, family, other_given, other_family)
            if like is not None:
                found.append((like, number))
        found.sort(key=lambda pair: (pair[0].rank, pair[1]))
        return [(like, self._items[number][0]) for like, number in found]

    @staticmethod
    def _hits(
        index: dict[tuple[Hashable, str], set[int]], block: Hashable, keys: set[str]
    ) -> set[int]:
        hits: set[int] = set()
        for key in keys:
            hits |= index.get((block, key), set())
        return hits
