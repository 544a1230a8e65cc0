"""Big xlsx/xlsm data sheets read column by column through fastexcel and Arrow (the ``fast`` extra).

python-calamine hands a sheet over as one Python object per cell, row by row; the checker then
turns the rows into columns. For a big sheet (the worksheet part is ``MIN_PART_BYTES`` or more
once inflated) this module reads it with fastexcel into Arrow instead, dictionary-encodes every
column so that repeated values become one shared Python object, and builds the
:class:`~sheetcheck.model.Table` straight from the columns. The Excel error cells and the
formulas saved without a value still come from the streaming XML scan
(:func:`~sheetcheck.readers._xlsx_scan.scan_sheet`), run before fastexcel parses: a stray cell
at XFD1048576 (whatever ``<dimension>`` claims) makes calamine, inside fastexcel too, size the
sheet at 17 billion cells and abort the process, so the scan refuses such a sheet first.

The result must be exactly what the calamine path (:mod:`._calamine`, then
:func:`sheetcheck.tables.build_table`) makes of the same sheet; property tests check it on
generated workbooks and on the corpus. Whenever exactness is in doubt this module answers
None and the caller reads the sheet the ordinary way. The fallbacks:

* the ``fast`` extra (fastexcel, pyarrow) is not installed, or ``enabled`` is False;
* not an xlsx/xlsm file read from disk as it is (decrypted or converted in memory);
* the sheet part is smaller than ``MIN_PART_BYTES`` or is missing;
* the process's address-space limit is under what the sheet may need through Arrow
  (``ADDRESS_SPACE_BASE`` plus ``ADDRESS_SPACE_PER_PART_BYTE`` per byte of sheet XML);
* the first row is not a plain header: not sheet row 1, no text in A1, a cell that is not
  text (numbers, dates, booleans, errors, formulas), or header texts fastexcel renames
  (duplicates, which it suffixes ``_1``);
* any column whose cells are not all text, all numbers or all booleans (mixed types, dates,
  times, durations, 1904 dates: fastexcel's strict type check refuses them), or a cell that
  did not convert to its column's type (fastexcel takes text such as "N/A" for a null when it
  infers the type, then reports the cell), or a NaN (it parses the text "NaN" as a number);
* an error cell or a bare formula in the header row or outside the loaded rectangle;
* the header row the checker finds is not row 1 (title rows above it).

Nothing here is imported by ``import sheetcheck`` or by the Excel front end; fastexcel and
pyarrow are imported only when a big sheet is about to be read.
"""

from __future__ import annotations

import contextlib
import logging
import operator
import os
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sheetcheck.limits import GIB, MIB, Limits
from sheetcheck.model import CellError, CellValue, Table, UncachedFormula
from sheetcheck.readers._base import SheetGrid
from sheetcheck.readers._xlsx_scan import SheetScan, scan_sheet

if TYPE_CHECKING:
    from sheetcheck.readers._base import WorkbookReader

#: Switch the columnar path off (tests compare both paths; a user never needs to).
enabled = True
#: Worksheet parts at least this big once inflated are read through Arrow.
MIN_PART_BYTES = 16 * MIB
#: The address space (what RLIMIT_AS limits) the columnar path may need for a sheet part of
#: N bytes: BASE + PER_PART_BYTE * N. Measured peaks (VmPeak): 1.36 GB for a 37 MB part
#: (100,000 rows), 2.0 GB for a 396 MB part (1,048,575 rows x 7), against 0.79 GB for the
#: calamine path; pyarrow's allocator (mimalloc) reserves about 1 GB as soon as it is used.
#: Under a tighter limit the calamine path reads the sheet and pyarrow is never imported.
ADDRESS_SPACE_BASE = 3 * GIB // 2
ADDRESS_SPACE_PER_PART_BYTE = 4

# (fastexcel's column infos, the RecordBatch, the (sheet row, column) of the cells that did
# not convert to their column's type)
_Loaded = tuple[list[Any], Any, set[tuple[int, int]]] | None
_ALLOWED_DTYPES = frozenset({"string", "float", "boolean", "null"})
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>(.*?)</(?:\w+:)?row>", re.DOTALL)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ATTR_T = re.compile(rb'\bt="([^"]*)"')
_DEDUPED = re.compile(r"^(.*)_\d+$", re.DOTALL)


class ColumnarSheet:
    """One sheet loaded as Arrow columns, with the header row (sheet row 1) beside them."""

    def __init__(
        self, name: str, header: list[CellValue], batch: Any, placed: dict[tuple[int, int], Any]
    ) -> None:
        self.name = name
        self.header = header  # row 1, one value per loaded column (None for empty cells)
        self._batch = batch
        self._placed = placed  # (sheet row, column) -> CellError / UncachedFormula

    @property
    def width(self) -> int:
        return len(self.header)

    def top(self, nrows: int) -> SheetGrid:
        """Sheet rows 1..nrows as the calamine reader's ``read_sheet(name, nrows)`` gives them."""
        body = self._batch.slice(0, max(0, nrows - 1))
        columns = [_plain(body.column(j).to_pylist()) for j in range(self.width)]
        rows = (
            [list(self.header)] + [list(r) for r in zip(*columns, strict=True)]
            if nrows >= 1
            else []
        )
        for (row, col), value in self._placed.items():
            if row <= len(rows):
                rows[row - 1][col - 1] = value
        return SheetGrid(self.name, 1, 1, rows)

    def table(self) -> Table:
        """The Table whose header is row 1, as :func:`sheetcheck.tables.build_table` makes it
        from the whole sheet's grid: header span, blank rows dropped, errors placed."""
        import pyarrow as pa
        import pyarrow.compute as pc

        # the header span and text exactly as build_table finds them
        filled = [i for i, v in enumerate(self.header) if v is not None and str(v).strip()]
        start, stop = (filled[0], filled[-1] + 1) if filled else (0, 0)
        header = [str(v) if v is not None else "" for v in self.header[start:stop]]
        placed = {
            (row, col): value for (row, col), value in self._placed.items() if start < col <= stop
        }
        encoded = []
        keep: Any = pa.array([False] * self._batch.num_rows, pa.bool_())
        for j in range(start, stop):
            values, indices, data = _encode(self._batch.column(j))
            encoded.append((values, indices))
            keep = pc.or_(keep, pc.take(pa.array(data, pa.bool_()), indices))
        if placed:  # an error cell or a bare formula makes its row a data row
            flags = keep.to_pylist()
            for row, _col in placed:
                flags[row - 2] = True
            keep = pa.array(flags, pa.bool_())
        kept = pc.indices_nonzero(keep)
        every_row = len(kept) == self._batch.num_rows
        columns: list[Sequence[CellValue]] = []
        for values, indices in encoded:
            chosen = indices if every_row else indices.take(kept)
            columns.append(_gather(values, chosen.to_pylist()))
        rows = kept.to_pylist()
        if placed:
            where = {k: n for n, k in enumerate(rows)}
            for (row, col), value in placed.items():
                column = list(columns[col - 1 - start])
                column[where[row - 2]] = value
                columns[col - 1 - start] = tuple(column)
        return Table(
            sheet=self.name,
            header_row=1,
            header=header,
            first_col=1 + start,
            row_numbers=[k + 2 for k in rows],
            columns=columns if header else [],
        )


def _gather(values: list[Any], indices: list[int]) -> tuple[Any, ...]:
    """``tuple(values[k] for k in indices)`` in one C call (itemgetter takes about half the
    time of ``tuple(map(values.__getitem__, indices))``)."""
    if len(indices) > 1:
        return operator.itemgetter(*indices)(values)
    return tuple(values[k] for k in indices)


def _plain(values: list[Any]) -> list[Any]:
    """Arrow values as the calamine reader leaves them: empty text is an empty cell."""
    return [None if v == "" else v for v in values]


def _encode(array: Any) -> tuple[list[Any], Any, list[bool]]:
    """(distinct values, one index per row into them, which values count as data).

    Nulls and empty text index the last value, None; "counts as data" is build_table's test
    (anything but nothing or whitespace-only text)."""
    if array.null_count == len(array):  # fastexcel's "null" type: a column with no values
        import pyarrow as pa

        return [None], pa.array([0] * len(array), pa.int32()), [False]
    encoded = array.dictionary_encode()
    values = _plain(encoded.dictionary.to_pylist())
    values.append(None)
    indices = encoded.indices.fill_null(len(values) - 1)
    data = [v is not None and (v.__class__ is not str or not v.isspace()) for v in values]
    return values, indices, data


def load(book: WorkbookReader, name: str, limits: Limits) -> ColumnarSheet | None:
    """The sheet ``name`` read through Arrow, or None when the calamine path must read it."""
    source = _source(book, name)
    if source is None:
        return None
    archive, part = source
    header_cells = _first_row_cells(archive, part)
    if header_cells is None:
        return None
    try:
        import fastexcel
        import pyarrow  # noqa: F401  (to_arrow needs it; a missing one is a fallback)
    except ImportError:
        return None
    # the scan checks the box before anything parses (see the module docstring)
    sheet_scan = scan_sheet(book.path, archive, part, limits)
    loaded = _load_arrow(fastexcel, book.path, name)
    _remember_scan(book, name, sheet_scan)
    if loaded is None:
        return None
    info, batch, failed = loaded
    header = _header(info, header_cells)
    if header is None:
        return None
    placed = _placements(sheet_scan, len(header), batch.num_rows + 1)
    if placed is None or not failed.issubset(placed):
        # a cell that did not fit its column's type and is not an Excel error the scan
        # puts back: fastexcel takes text such as "N/A" for a null when it infers a type
        return None
    return ColumnarSheet(name, header, batch, placed)


def _source(book: WorkbookReader, name: str) -> tuple[Any, str] | None:
    """(open archive, worksheet part) when ``book`` is
    an xlsx/xlsm file on disk, read by calamine, whose sheet ``name`` is big enough."""
    from sheetcheck.readers._calamine import CalamineReader

    if not enabled or not isinstance(book, CalamineReader) or book.format not in ("xlsx", "xlsm"):
        return None
    archive = book._archive
    part = book._parts.get(name, "")
    if archive is None or not part or book._inspection.content is not None:
        return None
    if name in book._charts:
        return None
    try:
        size = archive.getinfo(part).file_size
    except KeyError:
        return None
    if size < MIN_PART_BYTES or not _address_space_ok(size):
        return None
    return archive, part


def _address_space_ok(part_bytes: int) -> bool:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return True
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    needed = ADDRESS_SPACE_BASE + ADDRESS_SPACE_PER_PART_BYTE * part_bytes
    # what this process already maps counts against the limit (a reused pool worker)
    return soft == resource.RLIM_INFINITY or soft - _address_space_used() >= needed


def _address_space_used() -> int:
    """This process's virtual size in bytes; 0 where unknown."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _remember_scan(book: WorkbookReader, name: str, scan: SheetScan) -> None:
    """A fallback to calamine then needs no second scan of the same part."""
    scans = getattr(book, "_scans", None)
    if isinstance(scans, dict):
        scans.setdefault(name, scan)


def _first_row_cells(archive: Any, part: str) -> dict[int, bool] | None:
    """Column number -> the cell holds a value, for sheet row 1, when row 1 is the first row
    of the part, its A1 holds a value and every cell with a value is text with no formula.
    None otherwise (or when the row is not within the part's first 256 KiB)."""
    from sheetcheck.model import column_index
    from sheetcheck.readers._preflight import ZIP_ERRORS

    try:
        with archive.open(part) as stream:
            head = stream.read(256 * 1024)
    except ZIP_ERRORS:
        return None
    found = _ROW.search(head, head.find(b"sheetData"))
    if found is None or b"sheetData" not in head:
        return None
    attrs, body = found.groups()
    if not re.search(rb'\br="1"', attrs):
        return None
    cells: dict[int, bool] = {}
    for cell in _CELL.finditer(body):
        cell_attrs, content = cell.group(1), cell.group(2) or b""
        ref = _ATTR_R.search(cell_attrs)
        if ref is None or ref.group(2) != b"1":
            return None
        kind = _ATTR_T.search(cell_attrs)
        has_value = b"<v" in content or b"<is" in content or b":v" in content
        if b"<f" in content or b":f" in content:
            return None
        if has_value and (kind is None or kind.group(1) not in (b"s", b"inlineStr")):
            return None
        cells[column_index(ref.group(1).decode())] = has_value
    if not cells.get(1):
        return None
    return cells


@contextlib.contextmanager
def _fastexcel_quiet() -> Iterator[None]:
    """fastexcel logs through Python logging ("falling back to string" for an empty column),
    which would reach stderr through logging's last-resort handler, or the application's
    handlers: no library may write on our stderr. Its Rust panics are kept off fd 2 the way calamine's are."""
    from sheetcheck.readers._calamine import _rust_stderr_silenced

    logger = logging.getLogger("fastexcel")  # it logs on child loggers, which propagate here
    sink = logging.NullHandler()  # a handler, so that logging's last resort stays silent
    propagate = logger.propagate
    logger.addHandler(sink)
    logger.propagate = False
    try:
        with _rust_stderr_silenced():
            yield
    finally:
        logger.propagate = propagate
        logger.removeHandler(sink)


def _load_arrow(fastexcel: Any, path: str, name: str) -> _Loaded:
    """(column infos, RecordBatch) of the sheet with row 1 as the header, every column's type
    inferred from all its cells and mixed types refused; None when fastexcel refuses."""
    try:
        with _fastexcel_quiet():
            sheet = fastexcel.read_excel(path).load_sheet(
                name, header_row=0, schema_sample_rows=None, dtype_coercion="strict"
            )
            batch, errors = sheet.to_arrow_with_errors()
            columns = list(sheet.selected_columns)
    except fastexcel.FastExcelError:
        return None
    except BaseException as exc:
        if type(exc).__name__ == "PanicException":  # fastexcel's parser broke: calamine decides
            return None
        raise
    if any(c.dtype not in _ALLOWED_DTYPES for c in columns) or batch.num_columns != len(columns):
        return None
    if any(_has_nan(batch.column(j)) for j, c in enumerate(columns) if c.dtype == "float"):
        return None  # the text "NaN" in a number column: fastexcel turns it into a number
    cells = errors.errors if errors is not None else []
    failed = {(row + 1, col + 1) for row, col in (e.position for e in cells)}
    return columns, batch, failed


def _has_nan(array: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(pc.is_nan(array)).as_py())


def _header(columns: list[Any], cells: dict[int, bool]) -> list[CellValue] | None:
    """Row 1's values from fastexcel's column names, when they are exactly the cells' text."""
    names = [c.name for c in columns]
    header: list[CellValue] = []
    looked_up = {c.name for c in columns if c.column_name_from == "looked_up"}
    for number, column in enumerate(columns, start=1):
        if column.column_name_from != "looked_up":
            if cells.get(number):
                return None  # a text cell fastexcel did not name after its text
            header.append(None)
            continue
        if not cells.get(number):
            return None
        deduped = _DEDUPED.match(column.name)
        if deduped is not None and deduped.group(1) in looked_up:
            return None  # fastexcel renames a repeated header "X" to "X_1": not the cell's text
        header.append(column.name or None)
    if max(cells) > len(names):
        return None
    return header


def _placements(
    scan: SheetScan, width: int, last_row: int
) -> dict[tuple[int, int], CellError | UncachedFormula] | None:
    """The error cells, then the bare formulas, by (sheet row, column) as the calamine reader
    places them; None when one is in the header row or outside the loaded rectangle."""
    placed: dict[tuple[int, int], CellError | UncachedFormula] = {}
    for row, col, code in scan.errors:
        placed[row, col] = CellError(code)
    for row, col, formula in scan.formulas:
        placed[row, col] = UncachedFormula(formula)
    for row, col in placed:
        if row < 2 or row > last_row or not 1 <= col <= width:
            return None
    return placed
