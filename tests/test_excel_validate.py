"""Validate and Clear against xlwings' remote engine (the engine behind xlwings Lite).

Each test builds a payload shaped like the one Excel sends, runs ``sheetcheck.excel.validate``
on ``xw.Book(json=payload)``, and checks the actions queued in ``book.json()``: which ranges,
which sheets and values. ``ExcelModel`` then applies those actions the way the Office.js
client would (refusing any action the client lacks), so the tests can also assert on what the
user sees afterwards. Most workbooks here carry the Validate rig that ``sheetcheck template``
writes (:func:`excel_payloads.files.with_rig`); workbooks without it are listed, not lit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import sheetcheck
from excel_payloads import (
    HEADER,
    IMPORT_DATE,
    book_payload,
    clean_row,
    enrollment_values,
    iso,
    remote_book,
    sheet_payload,
)
from excel_payloads.files import with_rig
from excel_payloads.model import ExcelModel
from sheetcheck import excel
from sheetcheck.excel import painter
from sheetcheck.model import FileReport, Issue
from sheetcheck.style import FILLS

ERROR_FILL = FILLS["error"]
MAX_ACTIONS = 25


@pytest.fixture(autouse=True)
def _xlwings_license(monkeypatch: pytest.MonkeyPatch) -> None:
    """The remote engine is part of xlwings PRO: the noncommercial key unlocks it."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")


def run(payload: dict[str, Any], action: str = "validate") -> tuple[Any, list[dict[str, Any]]]:
    book = remote_book(payload)
    if action == "validate":
        result = excel.validate(book, import_date=IMPORT_DATE)
    else:
        result = excel.clear(book)
    return result, book.json()["actions"]


def funcs(actions: list[dict[str, Any]]) -> list[str]:
    return [a["func"] for a in actions]


def rigged(values: list[list[Any]], name: str = "Enrollments") -> tuple[dict[str, Any], ExcelModel]:
    """One data sheet with the rig of a generated template."""
    return with_rig(book_payload([sheet_payload(name, values)]), [name])


def page_of(actions: list[dict[str, Any]]) -> list[list[Any]]:
    """The Issues sheet's values: the setValues on the sheet added last."""
    added = max(i for i, a in enumerate(actions) if a["func"] == "addSheet")
    return next(a for a in actions[added:] if a["func"] == "setValues")["values"]  # type: ignore[no-any-return]


def user_formatted(values: list[list[Any]]) -> tuple[dict[str, Any], ExcelModel]:
    """The enrollments sheet (with the rig) and the user's own fills, notes, number formats."""
    _, model = rigged(values)
    sheet = model.sheet("Enrollments")
    for col in range(1, 8):
        sheet.fills[(1, col)] = "1F4E78"  # a styled header
    sheet.fills[(6, 3)] = "92D050"  # the user's green on a cell that will be flagged
    sheet.fills[(4, 1)] = "FFFF00"  # and yellow on a clean one
    sheet.notes[(6, 3)] = "ask Maria about this status"
    sheet.number_formats[(2, 5)] = "d/m/yyyy"
    return model.payload(), model


# --------------------------------------------------------------------------- first Validate


def test_first_validate_writes_values_only() -> None:
    """On a workbook with the rig: empty the codes, write the codes list, add the Issues
    sheet with values, bold, a table, autofit, severity fills, show it. Nothing else."""
    values, expected = enrollment_values(8, 2)
    assert expected == [(6, 3, "unknown-status"), (11, 4, "invalid-score")]
    payload, _ = rigged(values)
    report, actions = run(payload)

    assert funcs(actions) == [
        "sheetClearContents",
        "setValues",
        "addSheet",
        "setValues",
        "setFontProperty",
        "setFontProperty",
        "addTable",
        "setAutofit",
        "setAutofit",
        "setRangeColor",
        "setRangeColor",
        "activateSheet",
    ]
    clear, codes = actions[:2]
    assert clear["sheet_position"] == codes["sheet_position"] == 1  # SheetCheck codes 1
    # one row per flagged cell, sorted by key, nothing for the clean rows
    assert codes["values"] == [
        [6 * 16384 + 3, "E"],
        [11 * 16384 + 4, "E"],
    ]
    assert actions[2]["args"] == [2, "Issues"]
    table = next(a for a in actions if a["func"] == "addTable")
    assert (table["sheet_position"], table["args"]) == (
        2,
        ["$A$8:$H$10", True, "TableStyleLight1", None],
    )
    fills = [
        (a["start_row"], a["row_count"], a["args"]) for a in actions if a["func"] == "setRangeColor"
    ]
    assert fills == [(4, 2, ["#FFC7CE"]), (8, 2, ["#FFC7CE"])]  # counts, then the issues
    assert actions[-1]["args"] == [2]
    assert report.errors == 2


def test_issues_sheet_lists_counts_and_every_issue_as_values() -> None:
    """Title, template, counts per rule, then one row per issue with its sheet and cell:
    values only, no formula (15.4: the payload grows with issues, not formula text)."""
    values, _ = enrollment_values(8, 2)
    _, actions = run(rigged(values)[0])
    page = page_of(actions)
    assert page[0][0].startswith("SheetCheck: 2 errors, 0 warnings in 10 rows, checked ")
    assert page[1][0] == "Template: enrollment-history   Sheet: Enrollments   Header row: 1"
    assert page[2][0] == ""  # every sheet with issues is lit: no note
    assert page[3][:4] == ["Severity", "Rule", "Count", "Why it matters and how to fix"]
    assert [row[:3] for row in page[4:6]] == [
        ["error", "invalid-score", 1],
        ["error", "unknown-status", 1],
    ]
    assert page[5][3] == (
        "The import accepts only these five statuses and rejects the row otherwise. "
        "Choose one of the five statuses from the dropdown."
    )  # once per rule; each issue's Message says what is wrong
    assert page[7] == list(painter.ISSUE_COLUMNS)
    assert [tuple(row[:7]) for row in page[8:]] == [
        ("error", "unknown-status", "Enrollments", "C6", 6, "Enrollment Status", "Done"),
        ("error", "invalid-score", "Enrollments", "D11", 11, "Enrollment Score", 101),
    ]
    assert page[8][7] == (
        'Enrollment Status "Done" in C6 is not one of Not Started, In Progress, Completed, '
        "Passed, Failed."
    )
    assert all(row[7] for row in page[8:]), "every issue carries its message"
    assert not any(isinstance(v, str) and v.startswith("=") for row in page for v in row)


@pytest.mark.parametrize(
    ("title_row", "clean", "bad"),
    [(False, 30, 3), (True, 30, 3), (False, 1, 1), (True, 200, 20)],
)
def test_highlights_exactly_the_flagged_cells(title_row: bool, clean: int, bad: int) -> None:
    """Every (row, column) the engine flags shows the error fill, and no other cell does."""
    values, expected = enrollment_values(clean, bad, title=title_row)
    payload, model = rigged(values)
    report, actions = run(payload)
    model.apply(actions)
    found = sorted((i.row, painter.issue_position(i, 1)[1], i.rule) for i in report.issues)  # type: ignore[index]
    assert found == sorted(expected)
    assert model.highlighted("Enrollments") == {(r, c): ERROR_FILL for r, c, _ in expected}


def test_warning_and_info_cells_get_their_own_colours() -> None:
    """A future date is a warning, an old completion an info: each in its severity's fill."""
    future = clean_row(1)  # In Progress
    future[4] = iso(dt.date(2025, 7, 15))  # created after the import date
    future[5] = iso(dt.date(2025, 7, 20))
    archived = clean_row(0)  # Passed
    archived[4], archived[5], archived[6] = (iso(dt.date(2020, 1, d)) for d in (1, 2, 3))
    payload, model = rigged([list(HEADER), clean_row(2), future, archived])
    report, actions = run(payload)
    model.apply(actions)
    rules = {(i.row, i.cell, i.rule, i.severity) for i in report.issues}
    assert (3, "E3", "future-date", "warning") in rules
    assert (4, "G4", "archived-enrollment", "info") in rules
    lit = model.highlighted("Enrollments")
    assert lit[(3, 5)] == FILLS["warning"]
    assert lit[(4, 7)] == FILLS["info"]


def test_a_workbook_without_the_rig_is_listed_not_lit() -> None:
    """xlwings Lite cannot add conditional formats or hide a sheet: a workbook that did not
    come from our templates gets the Issues sheet (with a note saying why no cell is lit) and
    no helper sheet at all; the user's cells and formatting are untouched."""
    values, _ = enrollment_values(8, 2)
    payload = book_payload([sheet_payload("Enrollments", values)])
    model = ExcelModel(payload)
    before = model.view()["Enrollments"]
    report, actions = run(payload)
    model.apply(actions)
    assert "sheetClearContents" not in funcs(actions)
    assert [s.name for s in model.sheets] == ["Enrollments", "Issues"]
    assert all(s.visible for s in model.sheets)
    assert model.view()["Enrollments"] == before
    assert page_of(actions)[2][0].startswith("Cells are not highlighted on Enrollments: ")
    assert report.errors == 2


# --------------------------------------------------------------------------- restoring


def test_fixing_everything_and_validating_again_restores_the_original() -> None:
    """User fills, notes and number formats come back exactly; the Issues sheet goes; an
    alert says there is nothing to fix."""
    values, expected = enrollment_values(8, 2)
    payload, model = user_formatted(values)
    original = model.view()
    _, actions = run(payload)
    model.apply(actions)
    painted = model.view()
    assert painted["Enrollments"][(6, 3)][1] == ERROR_FILL  # the user's green is covered
    assert "Issues" in painted

    sheet = model.sheet("Enrollments")
    for row, col, _ in expected:  # the user fixes the two cells
        sheet.values[(row, col)] = "Passed" if col == 3 else 90
    fixed = {**original["Enrollments"]}
    for row, col, _ in expected:
        fixed[(row, col)] = (sheet.values[(row, col)], *fixed[(row, col)][1:])

    report, actions = run(model.payload())
    model.apply(actions)
    assert report.issues == []
    after = model.view()
    assert after["Enrollments"] == fixed
    assert after["Enrollments"][(6, 3)][1:] == ("92D050", "ask Maria about this status", None)
    assert set(after) == set(original)  # no Issues sheet, nothing else visible
    assert after["<active>"] == "Enrollments"
    assert model.alerts == [
        "Nothing to fix: 10 rows checked against enrollment-history on sheet Enrollments."
    ]
    assert funcs(actions) == ["sheetClearContents", "sheetDelete", "activateSheet", "alert"]


def test_clear_restores_the_original() -> None:
    """Clear after Validate: the sheet looks exactly as before, the Issues sheet is gone."""
    values, _ = enrollment_values(8, 2)
    payload, model = user_formatted(values)
    original = model.view()
    _, actions = run(payload)
    model.apply(actions)
    assert model.view() != original

    _, actions = run(model.payload(), "clear")
    model.apply(actions)
    assert model.view() == original | {"<active>": "Enrollments"}
    assert funcs(actions) == ["sheetClearContents", "sheetDelete", "activateSheet"]
    assert model.alerts == []


def test_clear_on_an_unpainted_workbook_does_nothing() -> None:
    """Clear before any Validate only empties the (empty) codes sheet; without a rig it sends
    no action at all."""
    values, _ = enrollment_values(3, 1)
    _, actions = run(book_payload([sheet_payload("Enrollments", values)]), "clear")
    assert actions == []


def test_second_validate_rewrites_the_codes_and_the_issues_sheet() -> None:
    """Validating again adds no rule and no name: codes are emptied and written again, the
    Issues sheet replaced."""
    values, _ = enrollment_values(8, 2)
    payload, model = rigged(values)
    _, actions = run(payload)
    model.apply(actions)
    model.sheet("Enrollments").values[(6, 3)] = "Passed"  # one of two fixed

    _, actions = run(model.payload())
    model.apply(actions)
    assert funcs(actions)[:4] == ["sheetClearContents", "setValues", "sheetDelete", "addSheet"]
    assert "namesAdd" not in funcs(actions)
    assert len(model.sheet("Enrollments").rules) == 3
    assert model.highlighted("Enrollments") == {(11, 4): ERROR_FILL}
    assert [s.name for s in model.sheets if s.visible] == ["Enrollments", "Issues"]


def test_a_users_own_issues_sheet_is_left_alone() -> None:
    """When the workbook already has a sheet called Issues, ours gets another name."""
    values, _ = enrollment_values(4, 1)
    theirs = sheet_payload("Issues", [["ticket", "owner"], ["#12", "Ana"]])
    payload, model = with_rig(book_payload([sheet_payload("Enrollments", values), theirs]),
                              ["Enrollments"])  # fmt: skip
    _, actions = run(payload)
    model.apply(actions)
    assert model.sheet("Issues").values == {(1, 1): "ticket", (1, 2): "owner", (2, 1): "#12",
                                            (2, 2): "Ana"}  # fmt: skip
    assert model.sheets[model.active].name == "SheetCheck issues"

    _, actions = run(model.payload())  # again: ours is found and replaced, theirs kept
    model.apply(actions)
    assert [s.name for s in model.sheets if s.visible] == ["Enrollments", "Issues",
                                                          "SheetCheck issues"]  # fmt: skip

    _, actions = run(model.payload(), "clear")
    model.apply(actions)
    assert [s.name for s in model.sheets if s.visible] == ["Enrollments", "Issues"]


def test_sheet_names_with_quotes_and_spaces() -> None:
    """The rig's formula and name quote the sheet name the way Excel does."""
    values, expected = enrollment_values(4, 1)
    payload, model = rigged(values, "Learner's data")
    _, actions = run(payload)
    model.apply(actions)
    assert model.names["SheetCheck_codes_1"] == "='Learner''s data'!$A$1"
    (row, _col, _rule) = expected[0]
    assert page_of(actions)[-1][2:4] == ["Learner's data", f"C{row}"]
    assert model.highlighted("Learner's data") == {(r, c): ERROR_FILL for r, c, _ in expected}


def test_text_that_looks_like_a_formula_is_written_as_text() -> None:
    """A cell value starting with '=' is echoed on the Issues sheet with the text prefix."""
    row = clean_row(1)
    row[2] = "=status"
    _, actions = run(rigged([list(HEADER), row])[0])
    page = page_of(actions)
    assert (page[-1][1], page[-1][6]) == ("unknown-status", "'=status")


# --------------------------------------------------------------------------- which sheet


def test_the_first_matching_sheet_is_checked_as_the_saved_file_would_be() -> None:
    """Two data sheets: the first one whose header matches is checked, whichever is active,
    exactly as ``sheetcheck check`` picks it in the saved file; a notes sheet is skipped."""
    values_a, _ = enrollment_values(4, 1)
    values_b, _expected_b = enrollment_values(6, 2)
    notes = sheet_payload("Read me", [["Fill in one row per enrollment"]])
    for active in (0, 1, 2):
        payload = book_payload(
            [notes, sheet_payload("2024", values_a), sheet_payload("2025", values_b)],
            active=active,
        )
        report, _ = run(payload)
        assert (report.sheet, report.errors) == ("2024", 1)


# --------------------------------------------------------------------------- failures


def test_no_matching_header_ends_in_one_alert() -> None:
    """A workbook without a template header: one alert with the engine's message, nothing
    else."""
    payload = book_payload([sheet_payload("Budget", [["Item", "Cost"], ["Chairs", 120]])])
    report, actions = run(payload)
    assert report is None
    assert funcs(actions) == ["alert"]
    assert actions[0]["args"][0] == (
        "no sheet has a header row that matches a known template. Put the "
        "template's column headings in one of the first 20 rows, then press Validate again."
    )
    assert actions[0]["args"][1] == "SheetCheck"


def test_an_error_while_checking_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in Python before painting ends in a readable alert and no other action."""

    def broken(*args: Any, **kwargs: Any) -> FileReport:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("sheetcheck.excel._engine.check_sheets", broken)
    values, _ = enrollment_values(4, 1)
    report, actions = run(book_payload([sheet_payload("Enrollments", values)]))
    assert report is None
    assert funcs(actions) == ["alert"]
    assert actions[0]["args"][0] == (
        "SheetCheck could not check this workbook: RuntimeError: disk on fire"
    )


def test_an_error_while_painting_is_rolled_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure half-way through painting drops every queued action: never half-painted."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Notes require ExcelApi 1.18")

    monkeypatch.setattr(painter, "_write_issues", broken)
    values, _ = enrollment_values(4, 1)
    report, actions = run(rigged(values)[0])
    assert report is None
    assert funcs(actions) == ["alert"]
    assert actions[0]["args"][0] == (
        "SheetCheck could not show the result: NotImplementedError: Notes require ExcelApi "
        "1.18. Nothing was changed."
    )


# --------------------------------------------------------------------------- entry points


def test_sheetcheck_main_validates_the_calling_workbook(monkeypatch: pytest.MonkeyPatch) -> None:
    """The add-in's callback runs ``sheetcheck.main()``: it checks ``xw.Book.caller()``."""
    import xlwings as xw

    values, _ = enrollment_values(4, 1)
    book = remote_book(rigged(values)[0])
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    sheetcheck.main()
    assert "addSheet" in funcs(book.json()["actions"])


def test_the_clear_add_in_entry_point_clears_the_calling_workbook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``sheetcheck.excel.unpaint.main()`` (the Clear button) clears ``xw.Book.caller()``."""
    import xlwings as xw

    from sheetcheck.excel import unpaint

    values, _ = enrollment_values(4, 1)
    payload, model = rigged(values)
    _, actions = run(payload)
    model.apply(actions)
    book = remote_book(model.payload())
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    unpaint.main()
    assert funcs(book.json()["actions"]) == ["sheetClearContents", "sheetDelete", "activateSheet"]


# --------------------------------------------------------------------------- status text


def _report(errors: int, warnings: int, infos: int, rows: int) -> FileReport:
    issues = [
        Issue("r", severity, "S", 2, None, None, None, "m")
        for severity, n in (("error", errors), ("warning", warnings), ("info", infos))
        for _ in range(n)
    ]
    return FileReport(file="f", template="t", rows=rows, issues=issues)


@pytest.mark.parametrize(
    ("counts", "expect"),
    [
        ((12, 3, 0, 4210), "12 errors, 3 warnings in 4,210 rows"),
        ((1, 1, 0, 1), "1 error, 1 warning in 1 row"),
        ((0, 0, 2, 1500), "0 errors, 0 warnings, 2 info in 1,500 rows"),
    ],
)
def test_summary(counts: tuple[int, int, int, int], expect: str) -> None:
    """The status line's counts read like the issue's example."""
    assert painter.summary(_report(*counts)) == expect


# --------------------------------------------------------------------------- layouts


def test_data_away_from_a1_is_painted_where_it_is() -> None:
    """Title rows above and empty columns left of the table: cells keep their sheet
    addresses (the used range starts at C2)."""
    values, expected = enrollment_values(4, 1)
    shifted = [[""] * 9, ["", "", "Enrollment export", *[""] * 6]]
    shifted += [["", "", *row] for row in values]
    sheet = sheet_payload("Enrollments", shifted)
    sheet["used_range_address"] = f"C2:I{len(shifted)}"
    payload, model = with_rig(book_payload([sheet]), ["Enrollments"])
    report, actions = run(payload)
    model.apply(actions)
    assert report.header_row == 3
    assert model.highlighted("Enrollments") == {(r + 2, c + 2): ERROR_FILL for r, c, _ in expected}


def test_a_missing_column_marks_the_header_row() -> None:
    """A column-level issue has no cell: it is drawn on the header row's first cell."""
    values, _ = enrollment_values(3, 0)
    without_status = [[v for k, v in enumerate(row) if k != 2] for row in values]
    payload, model = rigged(without_status)
    report, actions = run(payload)
    model.apply(actions)
    assert [(i.row, i.cell, i.rule) for i in report.issues] == [(1, None, "missing-column")]
    assert model.highlighted("Enrollments") == {(1, 1): ERROR_FILL}
    assert page_of(actions)[-1][:5] == ["error", "missing-column", "Enrollments", "row 1", 1]


def test_only_information_still_says_nothing_to_fix() -> None:
    """Infos are listed and painted, and the alert says there is nothing to fix."""
    archived = clean_row(0)
    archived[4], archived[5], archived[6] = (iso(dt.date(2020, 1, d)) for d in (1, 2, 3))
    payload, model = rigged([list(HEADER), clean_row(3), archived])
    report, actions = run(payload)
    model.apply(actions)
    assert [(i.cell, i.rule) for i in report.issues] == [("G3", "archived-enrollment")]
    assert model.highlighted("Enrollments") == {(3, 7): FILLS["info"]}
    assert model.alerts == [
        "Nothing to fix: 2 rows checked against enrollment-history on sheet Enrollments. "
        "The Issues sheet lists 1 note for information."
    ]


# --------------------------------------------------------------------------- desktop progress


class DesktopApp:
    """The desktop engines' App as far as Validate uses it: a status bar and screen updating
    that record what they were set to; alerts go to the wrapped remote app."""

    engine = type("Engine", (), {"type": "desktop"})()

    def __init__(self, real: Any) -> None:
        self.real = real
        self.statuses: list[str | bool] = []
        self.screen: list[bool] = []

    @property
    def status_bar(self) -> str | bool:
        return self.statuses[-1] if self.statuses else False

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self.statuses.append(value)

    @property
    def screen_updating(self) -> bool:
        return self.screen[-1] if self.screen else True

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self.screen.append(value)

    def alert(self, *args: Any, **kwargs: Any) -> Any:
        return self.real.alert(*args, **kwargs)


class DesktopBook:
    """A remote-engine book that reports a desktop app (status bar, screen updating)."""

    def __init__(self, book: Any) -> None:
        self._book = book
        self.app = DesktopApp(book.app)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)


def test_desktop_progress_in_the_status_bar_is_handed_back() -> None:
    """On desktop Excel the status bar shows each phase and is reset; screen updating is off
    while painting and restored."""
    values, _ = enrollment_values(8, 2)
    book = DesktopBook(remote_book(rigged(values)[0]))
    excel.validate(book, import_date=IMPORT_DATE)
    assert book.app.statuses == [
        "SheetCheck: reading the workbook...",
        "SheetCheck: checking 11 rows...",
        "SheetCheck: showing 2 issues...",
        False,
    ]
    assert book.app.screen == [False, True]


def test_desktop_settings_are_restored_when_painting_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure while painting still resets the status bar and screen updating, and ends in
    an alert telling the user how to remove what was shown."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("Excel is busy")

    monkeypatch.setattr(painter, "_write_issues", broken)
    values, _ = enrollment_values(4, 1)
    payload, model = user_formatted(values)
    original = model.view()
    book = DesktopBook(remote_book(payload))
    assert excel.validate(book, import_date=IMPORT_DATE) is None
    assert book.app.statuses[-1] is False
    assert book.app.screen == [False, True]
    assert book.json()["actions"][-1]["args"][0] == (
        "SheetCheck could not show the result: RuntimeError: Excel is busy. "
        "Press Clear to remove what was shown."
    )
    model.apply(book.json()["actions"])  # desktop calls take effect one by one

    _, actions = run(model.payload(), "clear")  # ... and Clear does remove it all
    model.apply(actions)
    assert model.view() == original | {"<active>": "Enrollments"}


@pytest.mark.parametrize(
    ("refers_to", "sheet"),
    [
        ("='My Sheet'!$A$1", "My Sheet"),
        ("=Data!$A$1", "Data"),
        ("='Learner''s data'!$A$1", "Learner's data"),
        ("=#REF!$A$1", None),
        ("=Data!$B$2", None),
        ("=42", None),
        (None, None),
    ],
)
def test_sheet_of_a_name(refers_to: str | None, sheet: str | None) -> None:
    """Which sheet a SheetCheck name points at, as Excel writes the definition."""
    assert painter.sheet_of(refers_to) == sheet


def test_a_minimal_office_scripts_payload_works_too() -> None:
    """xlwings Server's Office Scripts client sends less (no used range, notes or visibility):
    Validate reads the values' extent instead and sends the same kind of actions."""
    values, expected = enrollment_values(6, 2)
    full = sheet_payload("Enrollments", values)
    minimal = {key: full[key] for key in ("name", "values", "pictures", "tables")}
    payload, model = with_rig(book_payload([minimal]), ["Enrollments"])
    payload["client"] = "Microsoft Office Scripts"
    payload["sheets"][0] = {key: payload["sheets"][0][key] for key in minimal}
    report, actions = run(payload)
    model.apply(actions)
    assert report.errors == len(expected)
    assert model.highlighted("Enrollments") == {(r, c): ERROR_FILL for r, c, _ in expected}
