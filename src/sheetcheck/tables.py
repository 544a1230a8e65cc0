"""From a sheet's cells to a Table: find the header row, keep the data below it.

The header row is the first row, within the pack's search window (20 rows by default), whose
cells name enough of the pack's columns; title rows above it are fine. Blank rows are skipped
and do not end the data.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .engine import HeaderMap, map_header
from .model import CellValue, Table

if TYPE_CHECKING:
    from .packs import RulePack
    from .readers import SheetGrid


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """Where a pack's header sits in a sheet, and how well it matches."""

    pack: RulePack
    sheet: str
    offset: int  # index into grid.rows
    header_row: int  # sheet row number
    header: HeaderMap

    @property
    def score(self) -> tuple[float, int]:
        """Share of the pack's columns found, then their count: higher is better."""
        return (self.header.matched / len(self.pack.columns), self.header.matched)

    def describe(self) -> str:
        return (
            f"its header (row {self.header_row} of sheet {self.sheet!r}) names "
            f"{self.header.matched} of the {len(self.pack.columns)} columns of {self.pack.name}"
        )


def is_header(pack: RulePack, header: HeaderMap) -> bool:
    """Enough of the pack's columns to be its header: two or more, and half the required ones."""
    required = sum(1 for c in pack.columns if not c.optional_column)
    return header.matched >= min(2, len(pack.columns)) and header.matched * 2 >= required


def find_header(pack: RulePack, grid: SheetGrid) -> HeaderMatch | None:
    """The first row of ``grid`` within the search window (sheet rows 1 to 20 by default)
    that is ``pack``'s header."""
    window = max(0, pack.header_search_rows - grid.first_row + 1)
    for offset, row in enumerate(grid.rows[:window]):
        if not row:
            continue
        header = map_header(pack, [_text(v) for v in row])
        if is_header(pack, header):
            return HeaderMatch(pack, grid.name, offset, grid.first_row + offset, header)
    return None


def _text(value: CellValue) -> str | None:
    if value is None:
        return None
    return str(value)


def build_table(grid: SheetGrid, offset: int) -> Table:
    """The Table whose header is ``grid.rows[offset]``: header cells as written, data below.

    Rows are transposed into columns in one C-level ``zip``; blank rows (nothing but empty
    or whitespace-only cells within the header's span) are dropped with their numbers.
    """
    header_cells = grid.rows[offset]
    filled = [i for i, v in enumerate(header_cells) if v is not None and str(v).strip()]
    start, stop = (filled[0], filled[-1] + 1) if filled else (0, 0)
    header = [_text(v) or "" for v in header_cells[start:stop]]
    width = stop - start
    body: Sequence[Sequence[CellValue]] = grid.rows[offset + 1 :]
    if start or set(map(len, body)) - {stop}:
        body = [_span(r, start, stop, width) for r in body]
    first_row = grid.first_row + offset + 1
    columns: list[Sequence[CellValue]] = (
        list(zip(*body, strict=True)) if body and width else [() for _ in header]
    )
    numbers = range(first_row, first_row + len(body))
    keep = _rows_kept(body, columns[0] if body and width else None)
    if keep is None:
        row_numbers = list(numbers)
    else:
        columns = [tuple(itertools.compress(column, keep)) for column in columns]
        row_numbers = list(itertools.compress(numbers, keep))
    return Table(
        sheet=grid.name,
        header_row=grid.first_row + offset,
        header=header,
        first_col=grid.first_col + start,
        row_numbers=row_numbers,
        columns=columns,
    )


def _span(row: Sequence[CellValue], start: int, stop: int, width: int) -> Sequence[CellValue]:
    cells = row[start:stop]
    if len(cells) < width:
        cells = [*cells, *([None] * (width - len(cells)))]
    return cells


def _rows_kept(
    body: Sequence[Sequence[CellValue]], first: Sequence[CellValue] | None
) -> list[bool] | None:
    """Per row of ``body``: whether it has data; None when every row has (the usual case).

    The first cell settles almost every row (it holds the key): when each distinct value of
    the ``first`` column does, no row is blank and no row is looked at one by one.
    """
    try:
        if first is not None and all(map(_settles, set(first))):
            return None
    except TypeError:  # an unhashable cell value: no shortcut
        pass
    keep = [_has_data(row) for row in body]
    return None if all(keep) else keep


def _settles(first: CellValue) -> bool:
    """A row whose first cell holds ``first`` is not blank, whatever its other cells hold."""
    return bool(first) and (first.__class__ is not str or not first.isspace())


def _has_data(cells: Sequence[Any]) -> bool:
    """True when some cell holds something other than nothing or spaces.

    The first cell settles almost every row (it holds the key); only rows whose first cell
    is empty or blank are looked at one cell at a time.
    """
    first = cells[0] if cells else None
    if first and (first.__class__ is not str or not first.isspace()):
        return True
    for value in cells:
        if value is None:
            continue
        if value.__class__ is str:
            if value and not value.isspace():
                return True
        else:
            return True
    return False
