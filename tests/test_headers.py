"""Header matching and detection: aliases, spacing, title rows, blank rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment import HEADER
from sheetcheck.engine import map_header
from sheetcheck.packs import load_pack
from sheetcheck.readers import SheetGrid
from sheetcheck.tables import build_table, find_header

PACK = load_pack("enrollment-history")


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("Login ID", "Login ID"),
        ("  login   id ", "Login ID"),
        ("LOGIN ID", "Login ID"),
        ("E-mail", "Login ID"),
        ("user  email", "Login ID"),
        ("Course title", "Course Name"),
        ("status", "Enrollment Status"),
        ("grade", "Enrollment Score"),
        ("Date Created", "Enrollment Created Date"),
        ("start date", "Enrollment Started Date"),
        ("Completion Date", "Enrollment Completed Date"),
        ("Completion", None),
        ("Login-ID", None),
    ],
)
def test_header_aliases(text: str, column: str | None) -> None:
    """Case, surrounding and repeated inner spaces are ignored; aliases are accepted."""
    mapped = map_header(PACK, [text])
    assert (next(iter(mapped.positions), None)) == column


_space = st.sampled_from([" ", "  ", "\t"])


@given(
    st.sampled_from(HEADER),
    st.lists(_space, max_size=3),
    st.lists(_space, max_size=3),
    st.booleans(),
)
def test_spacing_and_case_never_matter(
    name: str, before: list[str], after: list[str], upper: bool
) -> None:
    text = (
        "".join(before)
        + (name.upper() if upper else name.lower()).replace(" ", "  ")
        + "".join(after)
    )
    assert list(map_header(PACK, [text]).positions) == [name]


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=12))
def test_random_headers_map_without_error(cells: list[str | None]) -> None:
    """Any header row maps; every matched position holds text that names that column."""
    mapped = map_header(PACK, cells)
    for name, pos in mapped.positions.items():
        assert " ".join(str(cells[pos]).split()).casefold() in PACK.column(name).names


def grid(rows: list[list[object]], first_row: int = 1, first_col: int = 1) -> SheetGrid:
    return SheetGrid(name="Sheet1", first_row=first_row, first_col=first_col, rows=rows)


def test_title_rows_above_the_header_and_data_not_at_a1() -> None:
    """The header is found below titles; row and column numbers stay those of the sheet."""
    rows = [
        ["Enrollment export", None, None],
        [None, None, None],
        [None, *HEADER],
        [None, "ann@x.org", "Course", "Completed", None, "1/1/2025", None, "2/1/2025"],
        [None, None, None, None],
        [None, "  ", None],
        [None, "bob@x.org", "Course", "In Progress"],
    ]
    g = grid(rows, first_row=3, first_col=2)
    match = find_header(PACK, g)
    assert match is not None and match.header_row == 5
    table = build_table(g, match.offset)
    assert table.first_col == 3
    assert table.row_numbers == [6, 9]
    assert list(table.columns[0]) == ["ann@x.org", "bob@x.org"]
    assert list(table.columns[6]) == ["2/1/2025", None]


def test_no_header_in_the_first_20_rows() -> None:
    rows = [[f"note {i}"] for i in range(20)] + [HEADER]
    assert find_header(PACK, grid(rows)) is None
    assert find_header(PACK, grid(rows[1:])) is not None


def test_a_row_naming_one_column_is_not_a_header() -> None:
    """'Status' alone in a title row does not make it the header."""
    rows = [["Status", "of the export"], HEADER]
    match = find_header(PACK, grid(rows))
    assert match is not None and match.offset == 1


def test_the_search_window_is_sheet_rows_1_to_20() -> None:
    """A header on sheet row 20 is found, on row 21 it is not, wherever the data starts."""
    assert find_header(PACK, grid([HEADER], first_row=20)) is not None
    assert find_header(PACK, grid([HEADER], first_row=21)) is None
    assert find_header(PACK, grid([["title"], HEADER], first_row=20)) is None
