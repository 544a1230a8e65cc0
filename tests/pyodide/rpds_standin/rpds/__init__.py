"""A pure-Python stand-in for the parts of rpds-py that referencing and jsonschema use.

TEST INFRASTRUCTURE ONLY, never part of the sheetcheck package. Why it exists: jsonschema
needs referencing, which needs rpds-py, a Rust extension. PyPI serves no rpds-py wheel for
Pyodide, and the pyodide npm package ships no wheels at all (xlwings Lite gets rpds-py from
Pyodide's package repository on the CDN, which the offline test cannot reach). These classes
behave like rpds' persistent collections (every "change" returns a new object) for the calls
referencing and jsonschema make; they copy on write, which is fine for a test's small schemas.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["HashTrieMap", "HashTrieSet", "List"]


class HashTrieMap(Mapping[Any, Any]):
    def __init__(self, value: Any = (), **kwargs: Any) -> None:
        self._data = dict(value, **kwargs)

    @classmethod
    def convert(cls, value: Any) -> HashTrieMap:
        return value if isinstance(value, cls) else cls(value)

    @classmethod
    def fromkeys(cls, keys: Iterable[Any], value: Any = None) -> HashTrieMap:
        return cls(dict.fromkeys(keys, value))

    def _with(self, data: dict[Any, Any]) -> HashTrieMap:
        new = HashTrieMap()
        new._data = data
        return new

    def insert(self, key: Any, value: Any) -> HashTrieMap:
        return self._with({**self._data, key: value})

    def remove(self, key: Any) -> HashTrieMap:
        data = dict(self._data)
        del data[key]  # KeyError for a missing key, as rpds raises
        return self._with(data)

    def discard(self, key: Any) -> HashTrieMap:
        return self.remove(key) if key in self._data else self

    def update(self, *maps: Any) -> HashTrieMap:
        data = dict(self._data)
        for each in maps:
            data.update(each)
        return self._with(data)

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"HashTrieMap({self._data!r})"


class HashTrieSet:
    def __init__(self, value: Iterable[Any] = ()) -> None:
        self._data = frozenset(value)

    def insert(self, value: Any) -> HashTrieSet:
        return HashTrieSet(self._data | {value})

    def discard(self, value: Any) -> HashTrieSet:
        return HashTrieSet(self._data - {value})

    def remove(self, value: Any) -> HashTrieSet:
        if value not in self._data:
            raise KeyError(value)
        return self.discard(value)

    def update(self, *iterables: Iterable[Any]) -> HashTrieSet:
        return HashTrieSet(self._data.union(*iterables))

    union = update

    def __contains__(self, value: object) -> bool:
        return value in self._data

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HashTrieSet) and self._data == other._data

    def __hash__(self) -> int:
        return hash(self._data)

    def __repr__(self) -> str:
        return f"HashTrieSet({set(self._data)!r})"


class List:
    def __init__(self, value: Iterable[Any] = (), *more: Any) -> None:
        self._data = (value, *more) if more else tuple(value)

    def push_front(self, value: Any) -> List:
        return List((value, *self._data))

    @property
    def first(self) -> Any:
        if not self._data:
            raise IndexError("empty list has no first element")
        return self._data[0]

    @property
    def rest(self) -> List:
        return List(self._data[1:])

    def drop_first(self) -> List:
        return self.rest

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __reversed__(self) -> Iterator[Any]:
        return reversed(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, List) and self._data == other._data

    def __hash__(self) -> int:
        return hash(self._data)

    def __repr__(self) -> str:
        return f"List({list(self._data)!r})"
