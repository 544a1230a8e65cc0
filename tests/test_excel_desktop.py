"""Desktop Excel in any language (issue 10, point 3), against a fake COM layer.

On Windows, ``FormatConditions.Add`` (xlwings' ``conditional_formats.add_custom``) reads its
formula in the user's language: a German Excel wants ``=WENNFEHLER(...;...)`` and rejects
``=IFERROR(...,...)``. ``Names.Add`` and ``Range.Formula`` always read English. The fake COM
layer below records every call Validate makes on a desktop book and behaves like a German
Excel: a locale-sensitive call given an English function name or a comma separator fails, as
it would there. On macOS, xlwings' ``Sheet.visible`` setter hands a boolean to AppleScript,
whose worksheet ``visible`` takes an enumeration; the fake Mac sheet accepts only that.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from sheetcheck.excel import painter
from sheetcheck.issues_layout import codes_rule_formula
from sheetcheck.model import FileReport, Issue

ENGLISH_FUNCTIONS = re.compile(r"\b(IFERROR|AND|VLOOKUP|LEFT|ROW|COLUMN|INDEX|TRUE|FALSE)\b")
LOCALE_SENSITIVE = ("conditional_formats.add_custom", "FormatConditions.Add")


class GermanExcelError(Exception):
    """What COM raises when a locale-sensitive call gets an English formula."""


class FakeCom:
    """Any attribute, call, index or assignment is recorded in ``log``; locale-sensitive
    calls accept German formulas only, English-only calls (Names.Add) English only."""

    def __init__(self, log: list[tuple[str, tuple[Any, ...]]], path: str = "book") -> None:
        object.__setattr__(self, "log", log)
        object.__setattr__(self, "path", path)

    def __getattr__(self, name: str) -> FakeCom:
        return FakeCom(self.log, f"{self.path}.{name}")

    def __getitem__(self, key: Any) -> FakeCom:
        return FakeCom(self.log, f"{self.path}[{key!r}]")

    def __len__(self) -> int:
        return 2

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, str) and value.startswith("=") and name in ("value", "Value"):
            raise GermanExcelError(f"Range.Value read {value!r} as a formula in German")
        self.log.append((f"{self.path}.{name}=", (value,)))

    def __call__(self, *args: Any, **kwargs: Any) -> FakeCom:
        formulas = [a for a in (*args, *kwargs.values()) if isinstance(a, str) and a[:1] == "="]
        if self.path.endswith(LOCALE_SENSITIVE):
            for formula in formulas:
                if ENGLISH_FUNCTIONS.search(formula) or "," in formula:
                    raise GermanExcelError(f"{self.path}: {formula!r} is not German")
        if self.path.endswith("names.add"):
            for formula in formulas:
                if ";" in formula or "WENNFEHLER" in formula:
                    raise GermanExcelError(f"Names.Add reads English: {formula!r}")
        self.log.append((self.path, (*args, *kwargs.values())))
        return FakeCom(self.log, f"{self.path}()")


def _report() -> FileReport:
    issues = [
        Issue("unknown-status", "error", "Enrollments", 6, "Enrollment Status", "C6", "Done", "m"),
        Issue("future-date", "warning", "Enrollments", 7, "Created", "E7", "x", "m"),
    ]
    return FileReport(file="f.xlsx", template="enrollment-history", sheet="Enrollments",
                      header_row=1, rows=9, issues=issues)  # fmt: skip


def _desktop_plan() -> painter.Plan:
    state = painter.BookState(sheets=("Enrollments",), can_rig=True)
    return painter.plan(_report(), state, checked_at=dt.datetime(2026, 1, 1))


def test_validate_on_a_german_excel_builds_the_rig_with_english_names_only() -> None:
    """A workbook without the rig on desktop Excel: the rig is built, every formula goes
    through Names.Add (English), the conditional formats are bare names (any language)."""
    todo = _desktop_plan()
    assert [w.new for w in todo.codes] == [True]
    log: list[tuple[str, tuple[Any, ...]]] = []
    painter.apply(FakeCom(log), todo)
    names = {args[0]: args[1] for path, args in log if path.endswith("names.add")}
    assert names == {
        "SheetCheck_codes_1": "='Enrollments'!$A$1",
        "SheetCheck_I_1": "=" + codes_rule_formula("SheetCheck codes 1", "info"),
        "SheetCheck_W_1": "=" + codes_rule_formula("SheetCheck codes 1", "warning"),
        "SheetCheck_E_1": "=" + codes_rule_formula("SheetCheck codes 1", "error"),
    }
    rules = [args[0] for path, args in log if path.endswith("add_custom")]
    assert rules == ["=SheetCheck_I_1", "=SheetCheck_W_1", "=SheetCheck_E_1"]
    assert ("book.sheets.add().api.Visible=", (2,)) in log  # very hidden


def test_the_fake_german_excel_rejects_the_english_formula() -> None:
    """The fake is strict: today's direct formula would fail in a German Excel."""
    log: list[tuple[str, tuple[Any, ...]]] = []
    rules = FakeCom(log).sheets["Enrollments"].cells.conditional_formats
    with pytest.raises(GermanExcelError):
        rules.add_custom("=" + codes_rule_formula("SheetCheck codes 1", "error"))
    rules.add_custom("=SheetCheck_E_1")


def test_a_second_validate_on_desktop_writes_values_only() -> None:
    """With the rig in place (a template, or after the first desktop Validate), desktop
    Excel gets no formula at all."""
    state = painter.BookState(sheets=("Enrollments", "SheetCheck codes 1"),
                              codes={1: "Enrollments"}, can_rig=True)  # fmt: skip
    todo = painter.plan(_report(), state, checked_at=dt.datetime(2026, 1, 1))
    log: list[tuple[str, tuple[Any, ...]]] = []
    painter.apply(FakeCom(log), todo)
    assert not [p for p, _ in log if p.endswith(("names.add", "add_custom"))]


class _MacSheet:
    """An AppleScript worksheet reference: ``visible.set`` takes the enumeration only."""

    def __init__(self, constants: Any) -> None:
        self.constants = constants
        self.states: list[Any] = []
        self.api = types.SimpleNamespace(visible=types.SimpleNamespace(set=self._set))

    def _set(self, value: Any) -> None:
        allowed = {self.constants.sheet_visible, self.constants.sheet_hidden,
                   self.constants.sheet_very_hidden}  # fmt: skip
        if value not in allowed:
            raise TypeError(f"visible takes sheet visible/hidden/very hidden, not {value!r}")
        self.states.append(value)


def test_hiding_on_macos_uses_the_applescript_enumeration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """xlwings' own ``_xlmac.Sheet.visible`` setter passes the boolean through, while its
    getter compares with ``kw.sheet_visible``: the property is an enumeration. ``hide``
    sets ``sheet very hidden`` through the sheet's AppleScript reference."""
    import xlwings

    source = (Path(xlwings.__file__).parent / "_xlmac.py").read_text(encoding="utf-8")
    assert "self.xl.visible.get() == kw.sheet_visible" in source
    assert "self.xl.visible.set(value)" in source  # the boolean, as given

    constants = types.SimpleNamespace(
        sheet_visible="visible", sheet_hidden="hidden", sheet_very_hidden="very hidden"
    )
    monkeypatch.setitem(sys.modules, "appscript", types.SimpleNamespace(k=constants))
    sheet = _MacSheet(constants)
    with pytest.raises(TypeError):
        sheet.api.visible.set(False)  # what `sheet.visible = False` would send
    painter.hide(sheet, platform="darwin")
    assert sheet.states == ["very hidden"]
