"""A small model of a workbook that applies the actions xlwings' remote engine emits.

It stands in for Excel in tests: it keeps what the payload carries (sheets, values, names,
notes) plus the user's own formatting that Excel never sends (fills, number formats), applies
``book.json()["actions"]`` the way Office.js would, evaluates sheetcheck's conditional-format
formulas to tell which fill a cell shows, and turns its state back into the next payload.

Only the actions the public Office.js client executes are accepted
(:data:`excel_payloads.client_actions.OFFICE_JS_ACTIONS`); any other action fails the test, as
it would throw in real Excel. Where Office.js behaves in a way that matters, the model does
too: ``namesAdd`` of an existing name fails, a name whose sheet was deleted is left out of the
next payload. Every action that could change the user's formatting (fills, notes, number
formats, clearing) is modelled faithfully, so a painter that touched them would show up as
changed state. ``fail_at`` makes the N-th action throw (0-based), the way a real client would
stop mid-way, to prove that a failure leaves nothing behind.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from . import book_payload, sheet_payload
from .client_actions import OFFICE_JS_ACTIONS

Cell = tuple[int, int]  # 1-based (row, column)

_CODES_RULE = re.compile(
    r"=LEFT\(INDEX\('((?:[^']|'')+)'!\$1:\$1048576,ROW\(\),COLUMN\(\)\),1\)=\"([EWI])\""
)
_SEVERITY_RULE = re.compile(r"=INDEX\(\$([A-Z]+):\$\1,ROW\(\)\)=\"(\w+)\"")
# The rig's rule (sheetcheck.issues_layout.codes_rule_formula): key lookup in a codes list.
_LOOKUP_RULE = re.compile(
    r"=?IFERROR\(AND\(VLOOKUP\(ROW\(\)\*16384\+COLUMN\(\),'((?:[^']|'')+)'!\$A:\$B,1,TRUE\)"
    r"=ROW\(\)\*16384\+COLUMN\(\),LEFT\(VLOOKUP\(ROW\(\)\*16384\+COLUMN\(\),'(?:[^']|'')+'"
    r"!\$A:\$B,2,TRUE\),1\)=\"([EWI])\"\),FALSE\)"
)


@dataclass
class Rule:
    top: int
    left: int
    rows: int
    cols: int
    formula: str
    fill: str | None
    font: str | None
    stop_if_true: bool

    def covers(self, cell: Cell) -> bool:
        r, c = cell
        return self.top <= r < self.top + self.rows and self.left <= c < self.left + self.cols


@dataclass
class Sheet:
    name: str
    visible: bool = True
    values: dict[Cell, Any] = field(default_factory=dict)
    fills: dict[Cell, str] = field(default_factory=dict)  # the user's own fills
    notes: dict[Cell, str] = field(default_factory=dict)
    number_formats: dict[Cell, str] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)  # priority order: first wins
    bold: set[Cell] = field(default_factory=set)
    column_widths: dict[str, float] = field(default_factory=dict)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (address, style)
    autofit: list[str] = field(default_factory=list)  # "columns" / "rows", as asked

    def set_value(self, cell: Cell, value: Any) -> None:
        if isinstance(value, str) and value.startswith("'"):
            value = value[1:]  # Excel's text prefix: the cell holds the text after it
        if value in ("", None):
            self.values.pop(cell, None)
        else:
            self.values[cell] = value


class ClientError(Exception):
    """An action that throws in the client (Office.js stops there; what ran before stays)."""


class ExcelModel:
    """Sheets, names, the active sheet and the alerts shown."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.book_name = payload["book"]["name"]
        self.active = payload["book"]["active_sheet_index"]
        self.sheets: list[Sheet] = []
        for data in payload["sheets"]:
            sheet = Sheet(data["name"], data.get("visibility", "Visible") == "Visible")
            for r, row in enumerate(data["values"], start=1):
                for c, value in enumerate(row, start=1):
                    sheet.set_value((r, c), value)
            for note in data.get("notes", []):
                sheet.notes[_cell(note["address"])] = note.get("text", "note")
            self.sheets.append(sheet)
        self.names: dict[str, str] = {}
        for name in payload.get("names", []):
            sheet_name = self.sheets[name["sheet_index"]].name
            self.names[name["name"]] = f"='{sheet_name}'!$" + "$".join(
                re.fullmatch(r"([A-Z]+)(\d+)", name["address"]).groups()  # type: ignore[union-attr]
            )
        self.alerts: list[str] = []

    # ------------------------------------------------------------------ reading state

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name.casefold() == name.casefold():
                return sheet
        raise KeyError(name)

    def displayed_fill(self, sheet: Sheet, cell: Cell) -> str | None:
        for rule in sheet.rules:
            if rule.covers(cell) and self._matches(sheet, rule.formula, cell):
                return rule.fill
        return sheet.fills.get(cell)

    def codes_list(self, codes_sheet: str) -> dict[int, str]:
        """A codes sheet's key -> code list (column A keys, column B codes)."""
        try:
            source = self.sheet(codes_sheet)
        except KeyError:
            return {}
        out: dict[int, str] = {}
        for (r, c), value in source.values.items():
            if c == 1 and isinstance(value, (int, float)):
                out[int(value)] = str(source.values.get((r, 2), ""))
        return out

    def _matches(self, sheet: Sheet, formula: str, cell: Cell) -> bool:
        lookup = _LOOKUP_RULE.fullmatch(formula)
        if lookup:
            code = self.codes_list(lookup[1].replace("''", "'")).get(cell[0] * 16384 + cell[1])
            return code is not None and code[:1] == lookup[2]
        codes = _CODES_RULE.fullmatch(formula)
        if codes:
            try:
                source = self.sheet(codes[1].replace("''", "'"))
            except KeyError:
                return False  # #REF!: a rule that errors formats nothing
            return str(source.values.get(cell, ""))[:1] == codes[2]
        severity = _SEVERITY_RULE.fullmatch(formula)
        if severity:
            col = _col_index(severity[1])
            return sheet.values.get((cell[0], col)) == severity[2]
        raise AssertionError(f"the model cannot evaluate the formula {formula!r}")

    def view(self) -> dict[str, Any]:
        """What the user sees and owns: visible sheets with values, displayed fills, notes
        and number formats, and the active sheet."""
        seen: dict[str, Any] = {}
        for sheet in self.sheets:
            if not sheet.visible:
                continue
            cells = set(sheet.values) | set(sheet.fills) | set(sheet.notes)
            cells |= set(sheet.number_formats)
            seen[sheet.name] = {
                cell: (
                    sheet.values.get(cell),
                    self.displayed_fill(sheet, cell),
                    sheet.notes.get(cell),
                    sheet.number_formats.get(cell),
                )
                for cell in sorted(cells)
            }
        seen["<active>"] = self.sheets[self.active].name
        return seen

    def highlighted(self, name: str) -> dict[Cell, str]:
        """Cells of a sheet whose displayed fill comes from one of sheetcheck's rules."""
        sheet = self.sheet(name)
        lit: dict[Cell, str] = {}
        for rule in sheet.rules:
            lookup = _LOOKUP_RULE.fullmatch(rule.formula)
            if not lookup:
                continue
            for key, code in self.codes_list(lookup[1].replace("''", "'")).items():
                cell = divmod(key, 16384)
                if code[:1] == lookup[2] and rule.covers(cell) and cell not in lit:
                    lit[cell] = rule.fill or ""
        return lit

    def payload(self) -> dict[str, Any]:
        """The payload Excel would send on the next button press."""
        sheets = []
        for sheet in self.sheets:
            rows = max((r for r, _ in sheet.values), default=0)
            cols = max((c for _, c in sheet.values), default=0)
            values = [[""] * cols for _ in range(rows)]
            for (r, c), value in sheet.values.items():
                values[r - 1][c - 1] = value
            data = sheet_payload(sheet.name, values, visible=sheet.visible)
            data["notes"] = [{"address": _ref(cell)} for cell in sorted(sheet.notes)]
            sheets.append(data)
        names = []
        for label, refers_to in self.names.items():
            match = re.fullmatch(r"='((?:[^']|'')+)'!\$([A-Z]+)\$(\d+)", refers_to)
            if match is None:
                continue  # #REF!: Office.js sends only names that refer to a range
            index = [s.name for s in self.sheets].index(match[1].replace("''", "'"))
            names.append(
                {
                    "name": label,
                    "sheet_index": index,
                    "address": f"{match[2]}{match[3]}",
                    "book_scope": True,
                    "scope_sheet_name": None,
                    "scope_sheet_index": None,
                }
            )
        return book_payload(sheets, active=self.active, names=names, book_name=self.book_name)

    # ------------------------------------------------------------------ applying actions

    fail_at: int | None = None  # the index of the action that throws, for failure tests

    def apply(self, actions: list[dict[str, Any]]) -> None:
        for index, action in enumerate(copy.deepcopy(actions)):
            func = action["func"]
            if func not in OFFICE_JS_ACTIONS:
                raise AssertionError(f"the Office.js client has no action {func!r}")
            if index == self.fail_at:
                raise ClientError(f"{func} failed (planted by the test)")
            handler = getattr(self, f"_do_{func}", None)
            if handler is None:
                raise AssertionError(f"the model does not know the action {func!r}")
            handler(action)

    def _target(self, action: dict[str, Any]) -> Sheet:
        return self.sheets[action["sheet_position"]]

    @staticmethod
    def _cells(action: dict[str, Any]) -> list[Cell]:
        top, left = action["start_row"] + 1, action["start_column"] + 1
        return [
            (top + r, left + c)
            for r in range(action["row_count"])
            for c in range(action["column_count"])
        ]

    def _do_addSheet(self, action: dict[str, Any]) -> None:
        index, name = action["args"]
        assert name.casefold() not in {s.name.casefold() for s in self.sheets}, name
        self.sheets.insert(index, Sheet(name))

    def _do_sheetDelete(self, action: dict[str, Any]) -> None:
        gone = self.sheets.pop(action["sheet_position"])
        quoted = "'" + gone.name.replace("'", "''") + "'!"
        for label, refers_to in self.names.items():
            if quoted in refers_to:
                self.names[label] = "=#REF!$A$1"
        self.active = min(self.active, len(self.sheets) - 1)

    def _do_activateSheet(self, action: dict[str, Any]) -> None:
        self.active = action["args"][0]

    def _do_sheetClearContents(self, action: dict[str, Any]) -> None:
        self._target(action).values.clear()

    def _do_setValues(self, action: dict[str, Any]) -> None:
        sheet = self._target(action)
        top, left = action["start_row"] + 1, action["start_column"] + 1
        for r, row in enumerate(action["values"]):
            for c, value in enumerate(row):
                sheet.set_value((top + r, left + c), value)

    def _do_namesAdd(self, action: dict[str, Any]) -> None:
        label, refers_to = action["args"]
        assert label not in self.names, f"Excel refuses a second name {label!r}"
        self.names[label] = refers_to

    def _do_addTable(self, action: dict[str, Any]) -> None:
        address, has_headers, style, _name = action["args"]
        assert has_headers is True, action
        self._target(action).tables.append((address, style))

    def _do_nameDelete(self, action: dict[str, Any]) -> None:
        label = action["args"][0]
        assert label in self.names, f"Excel has no name {label!r}"
        del self.names[label]

    def _do_setAutofit(self, action: dict[str, Any]) -> None:
        (axis,) = action["args"]
        assert axis in ("columns", "rows"), action
        self._target(action).autofit.append(axis)

    def _do_alert(self, action: dict[str, Any]) -> None:
        self.alerts.append(action["args"][0])

    def _do_setFontProperty(self, action: dict[str, Any]) -> None:
        prop, value = action["args"]
        if prop == "bold" and value:
            self._target(action).bold.update(self._cells(action))

    def _do_setRangeColor(self, action: dict[str, Any]) -> None:
        sheet = self._target(action)
        for cell in self._cells(action):
            if action["args"][0] is None:
                sheet.fills.pop(cell, None)
            else:
                sheet.fills[cell] = action["args"][0].lstrip("#").upper()

    def _do_rangeClear(self, action: dict[str, Any]) -> None:
        sheet = self._target(action)
        for cell in self._cells(action):
            for store in (sheet.values, sheet.fills, sheet.notes, sheet.number_formats):
                store.pop(cell, None)

    def _do_rangeClearFormats(self, action: dict[str, Any]) -> None:
        sheet = self._target(action)
        for cell in self._cells(action):
            sheet.fills.pop(cell, None)
            sheet.number_formats.pop(cell, None)

    def _do_setNumberFormat(self, action: dict[str, Any]) -> None:
        sheet = self._target(action)
        for cell in self._cells(action):
            sheet.number_formats[cell] = action["args"][0]


def _col_index(letters: str) -> int:
    value = 0
    for char in letters:
        value = value * 26 + ord(char) - 64
    return value


def _letters(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell(address: str) -> Cell:
    match = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", address.rsplit("!", maxsplit=1)[-1])
    assert match, address
    return int(match[2]), _col_index(match[1])


def _ref(cell: Cell) -> str:
    return f"{_letters(cell[1])}{cell[0]}"
