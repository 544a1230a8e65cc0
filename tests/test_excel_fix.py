"""The Fix and Undo fixes buttons against xlwings' remote engine (the engine of xlwings Lite).

Each press runs on ``xw.Book(json=payload)``; :class:`ExcelModel` applies the queued actions as
Excel would and hands the next payload back, so the tests follow the user through: Fix
(proposal), Fix again (the cells change, the Changes sheet records them, Validate runs), Undo
fixes (the Before values come back). Every action Fix and Undo send is one the Office.js
client executes, and their number is bounded whatever the number of cells.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

import sheetcheck.excel
from excel_payloads import HEADER, IMPORT_DATE, book_payload, iso, remote_book, sheet_payload
from excel_payloads.client_actions import OFFICE_JS_ACTIONS
from excel_payloads.files import from_xlsx, with_rig
from excel_payloads.model import ExcelModel
from sheetcheck.excel import fix as excel_fix
from sheetcheck.excel.lite import lite_files

FIXABLE = {  # (row, col) -> (before, after)
    (2, 3): ("Complete", "Completed"),
    (3, 5): ("2025-03-01", "1/3/2025"),
    (4, 2): (" Fire  Safety 101", "Fire Safety 101"),
    (5, 4): ("85%", 85),
}


def planted_values() -> list[list[Any]]:
    return [
        list(HEADER),
        ["a@x.org", "Fire Safety 101", "Complete", "", iso(dt.date(2025, 2, 1)),
         iso(dt.date(2025, 2, 3)), iso(dt.date(2025, 2, 10))],
        ["b@x.org", "Data Protection", "In Progress", "", "2025-03-01", iso(dt.date(2025, 3, 3)), ""],
        ["c@x.org", " Fire  Safety 101", "In Progress", "", "1/3/2025", "2/3/2025", ""],
        ["d@x.org", "Manual Handling", "Passed", "85%", "1/3/2025", "2/3/2025", "9/3/2025"],
        ["e@x.org", "Manual Handling", "Done", "", "1/3/2025", "2/3/2025", ""],
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _xlwings_license(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Where in the action list Validate started, each time Fix or Undo called it."""
    marks: list[int] = []
    real = sheetcheck.excel.validate

    def recording(book: Any, template: str | None = None, **kwargs: Any) -> Any:
        marks.append(len(book.json()["actions"]))
        return real(book, template, **kwargs)

    monkeypatch.setattr(sheetcheck.excel, "validate", recording)
    return marks


def press(model: ExcelModel, button: str) -> tuple[int, list[dict[str, Any]]]:
    book = remote_book(model.payload())
    handler = excel_fix.fix if button == "fix" else excel_fix.undo
    result = handler(book, import_date=IMPORT_DATE)
    actions = book.json()["actions"]
    model.apply(actions)
    return result, actions


def own(actions: list[dict[str, Any]], marks: list[int]) -> list[dict[str, Any]]:
    """The actions Fix/Undo sent themselves (Validate's follow from the mark on)."""
    return actions[: marks[-1]] if marks else actions


def test_fix_proposes_then_changes_then_undo_restores(validations: list[int]) -> None:
    # a workbook from a template: it carries the Validate rig, so Validate lights cells
    _, model = with_rig(book_payload([sheet_payload("Enrollments", planted_values())]),
                        ["Enrollments"])  # fmt: skip
    data = model.sheet("Enrollments")
    original = dict(data.values)

    # first press: the proposal, nothing of the user's changes
    changed, actions = press(model, "fix")
    assert changed == 0 and not validations
    assert [a["func"] for a in actions] == ["addSheet", "setValues", "activateSheet", "alert"]
    assert model.alerts[-1].startswith("Fix will change 4 cells")
    assert data.values == original
    states = {v for (r, c), v in model.sheet("Changes").values.items() if c == 7 and r > 1}
    assert states == {"proposed"}

    # second press: the confirmation
    changed, actions = press(model, "fix")
    assert changed == 4 and len(validations) == 1
    mine = own(actions, validations)
    assert {a["func"] for a in mine} <= OFFICE_JS_ACTIONS
    for (row, col), (_before, after) in FIXABLE.items():
        assert data.values[(row, col)] == after
    assert {k: v for k, v in data.values.items() if k not in FIXABLE} == {
        k: v for k, v in original.items() if k not in FIXABLE
    }
    log = model.sheet("Changes").values
    listed = {(log[(r, 2)], log[(r, 4)], log[(r, 5)], log[(r, 7)]) for r in range(2, 6)}
    assert listed == {
        ("C2", "Complete", "Completed", "changed"),
        ("E3", "2025-03-01", "1/3/2025", "changed"),
        ("B4", " Fire  Safety 101", "Fire Safety 101", "changed"),
        ("D5", "85%", 85, "changed"),
    }
    assert log[(2, 6)].startswith("=HYPERLINK(\"#'Enrollments'!")
    # Validate ran on the fixed values: only the unknown status is left highlighted
    assert set(model.highlighted("Enrollments")) == {(6, 3)}

    # Undo fixes: every Before value back, and Validate again
    undone, actions = press(model, "undo")
    assert undone == 4 and len(validations) == 2
    assert {a["func"] for a in own(actions, validations)} <= OFFICE_JS_ACTIONS
    assert data.values == original
    states = {v for (r, c), v in model.sheet("Changes").values.items() if c == 7 and r > 1}
    assert states == {"undone"}
    assert set(model.highlighted("Enrollments")) == {(2, 3), (3, 5), (4, 2), (5, 4), (6, 3)}


def test_dates_are_written_as_text_excel_cannot_reinterpret(validations: list[int]) -> None:
    """1/3/2025 goes out with the apostrophe that keeps it text (never 3 January in a US
    locale); plain words go out as they are."""
    model = ExcelModel(book_payload([sheet_payload("Enrollments", planted_values())]))
    press(model, "fix")
    _, actions = press(model, "fix")
    written = {
        (a["start_row"] + 1, a["start_column"] + 1): a["values"][0][0]
        for a in own(actions, validations)
        if a["func"] == "setValues" and a["sheet_position"] == 0
    }
    assert written == {
        (2, 3): "Completed",
        (3, 5): "'1/3/2025",  # the apostrophe: text, not a date
        (4, 2): "Fire Safety 101",
        (5, 4): 85,
    }


def test_undo_leaves_cells_edited_since(validations: list[int]) -> None:
    model = ExcelModel(book_payload([sheet_payload("Enrollments", planted_values())]))
    press(model, "fix")
    press(model, "fix")
    model.sheet("Enrollments").values[(2, 3)] = "Passed"  # the user changed it since
    undone, _ = press(model, "undo")
    assert undone == 3
    assert model.sheet("Enrollments").values[(2, 3)] == "Passed"
    assert "C2" in model.alerts[-1] and "edited since" in model.alerts[-1]
    log = model.sheet("Changes").values
    assert {log[(r, 2)]: log[(r, 7)] for r in range(2, 6)}["C2"] == "kept: edited since the fix"


def test_a_changed_plan_is_proposed_again(validations: list[int]) -> None:
    """The second press applies only the plan the user was shown."""
    model = ExcelModel(book_payload([sheet_payload("Enrollments", planted_values())]))
    press(model, "fix")
    model.sheet("Enrollments").values[(6, 3)] = "Faild"  # a new fixable cell since
    changed, _ = press(model, "fix")
    assert changed == 0 and model.alerts[-1].startswith("Fix will change 5 cells")
    assert model.sheet("Enrollments").values[(2, 3)] == "Complete"


def test_nothing_to_fix_says_so() -> None:
    values = [*planted_values()[:1], planted_values()[5]]
    model = ExcelModel(book_payload([sheet_payload("Enrollments", values)]))
    changed, actions = press(model, "fix")
    assert changed == 0 and [a["func"] for a in actions] == ["alert"]
    assert model.alerts[-1].startswith("Nothing SheetCheck can fix safely: 1 problems")


def test_number_of_actions_is_bounded(validations: list[int]) -> None:
    """200 scattered fixable cells: one press writes at most MAX_WRITES runs, says how many are
    left, and the next press does the rest."""
    values = [list(HEADER)]
    for k in range(400):
        status = "Complete" if k % 2 == 0 else "Completed"
        values.append(
            [f"l{k}@x.org", "Fire Safety 101", status, "", "1/2/2025", "3/2/2025", "10/2/2025"]
        )
    model = ExcelModel(book_payload([sheet_payload("Enrollments", values)]))
    press(model, "fix")
    changed, actions = press(model, "fix")
    mine = own(actions, validations)
    assert changed == excel_fix.MAX_WRITES
    assert len(mine) <= excel_fix.MAX_WRITES + 4
    assert {a["func"] for a in mine} <= OFFICE_JS_ACTIONS
    assert "Press Fix again for the other 160 cells" in model.alerts[-1]
    total = changed
    while total < 200:
        changed, actions = press(model, "fix")
        assert 0 < changed <= excel_fix.MAX_WRITES
        assert len(own(actions, validations)) <= excel_fix.MAX_WRITES + 4
        total += changed
    assert all(model.sheet("Enrollments").values[(r, 3)] == "Completed" for r in range(2, 402))


@pytest.mark.parametrize(("answer", "expect"), [("cancel", 0), ("ok", 4)])
def test_desktop_asks_with_ok_cancel(
    monkeypatch: pytest.MonkeyPatch, validations: list[int], answer: str, expect: int
) -> None:
    """On desktop engines the alert waits for the answer: Cancel changes nothing, OK applies
    in the same press."""
    monkeypatch.setattr(excel_fix, "_is_remote", lambda book: False)
    book = remote_book(book_payload([sheet_payload("Enrollments", planted_values())]))
    asked: list[tuple[str, str]] = []

    def alert(self: Any, prompt: str, title: str = "", buttons: str = "ok", **_: Any) -> str:
        asked.append((prompt, buttons))
        return answer if buttons == "ok_cancel" else "ok"

    monkeypatch.setattr(type(book.app), "alert", alert)
    assert excel_fix.fix(book, import_date=IMPORT_DATE) == expect
    assert asked[0][1] == "ok_cancel" and "Fix will change 4 cells" in asked[0][0]
    writes = [a for a in book.json()["actions"] if a["func"] == "setValues"]
    assert bool(writes) == (answer == "ok")


def test_lite_main_has_fix_and_undo_scripts() -> None:
    """The generated main.py binds Fix and Undo fixes to the same functions."""
    main = lite_files()["main.py"]
    compile(main, "main.py", "exec")
    assert '@script(name="Fix")' in main and "excel_fix.fix(book)" in main
    assert '@script(name="Undo fixes")' in main and "excel_fix.undo(book)" in main


def _saved(path: Any, sheets: dict[str, list[list[Any]]], active: int) -> None:
    """The workbook saved as an .xlsx (the client's ISO date text as real dates)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, values in sheets.items():
        sheet = book.create_sheet(name)
        for line in values:
            sheet.append(
                [
                    dt.datetime.fromisoformat(v[:-1]) if isinstance(v, str) and v.endswith("Z")
                    else v
                    for v in line
                ]
            )  # fmt: skip
    book.active = active
    book.save(path)


def test_fix_proposes_what_sheetcheck_fix_lists_on_the_saved_file(
    tmp_path: Any, validations: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    """Fix checks the workbook as Validate and ``sheetcheck fix`` on the saved file do: the
    first sheet whose header matches, not the active one. Its proposal is the command line's
    plan on the same file: the same cells, the same after-values."""
    from sheetcheck.checker import CheckOptions, check_file
    from sheetcheck.cli import main
    from sheetcheck.fix import plan

    later = [list(HEADER)] + [
        [f"z{k}@x.org", "Fire Safety 101", "Complete", "", "1/3/2025", "2/3/2025", "9/3/2025"]
        for k in range(3)
    ]
    path = tmp_path / "two.xlsx"
    _saved(path, {"Enrollments": planted_values(), "Later": later}, active=1)
    payload, model = from_xlsx(path)
    assert payload["book"]["active_sheet_index"] == 1  # the active sheet is not the first

    cli = plan(check_file(path, CheckOptions(import_date=IMPORT_DATE))).changes
    expected = {(c.sheet, c.cell, c.after) for c in cli}
    # ... which is what `sheetcheck fix --dry-run` lists on the saved file
    main(["fix", str(path), "--dry-run", "--import-date", IMPORT_DATE.isoformat()])
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Sheet "))
    listed = set()
    for line in lines[start + 1 :]:
        if not line.startswith(("Enrollments ", "Later ")):
            break
        cells = re.split(r"\s{2,}", line.strip())
        listed.add((cells[0], cells[1], cells[-1]))
    assert listed == {(s, c, str(a)) for s, c, a in expected}
    assert expected == {
        ("Enrollments", "C2", "Completed"),
        ("Enrollments", "E3", "1/3/2025"),
        ("Enrollments", "B4", "Fire Safety 101"),
        ("Enrollments", "D5", 85),
    }

    changed, _ = press(model, "fix")
    assert changed == 0 and model.alerts[-1].startswith("Fix will change 4 cells")
    log = model.sheet("Changes").values
    proposed = {(log[(r, 1)], log[(r, 2)], log[(r, 5)]) for r in range(2, 6)}
    assert proposed == expected
    assert (6, 1) not in log or not log[(6, 1)]

    changed, _ = press(model, "fix")
    assert changed == 4
    assert model.sheet("Later").values[(2, 3)] == "Complete"  # not the sheet Validate checks
