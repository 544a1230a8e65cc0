"""One folding helper: every comparison that ignores case and spacing goes through it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sheetcheck import folding, names
from sheetcheck.functions import reconcile
from sheetcheck.packs import normalize_header

SRC = Path(__file__).resolve().parent.parent / "src" / "sheetcheck"


@pytest.mark.parametrize(
    ("text", "case", "folded"),
    [
        ("Start Date", True, "start date"),
        ("  Start   DATE ", True, "start date"),
        ("Start\tDate\n", True, "start date"),
        ("Straße", True, "strasse"),
        ("  Start   DATE ", False, "Start DATE"),
        ("tidy", False, "tidy"),
        ("", True, ""),
        (12, True, "12"),
    ],
)
def test_fold_text(text: object, case: bool, folded: str) -> None:
    assert folding.fold_text(text, case=case) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [("  Zoë  O'Brien-Smith ", "zoeobriensmith"), ("ANNA", "anna"), ("José", "jose")],
)
def test_fold_name(text: str, folded: str) -> None:
    assert folding.fold_name(text) == folded


def test_one_definition_each() -> None:
    """The names that used to be separate functions are now the one helper."""
    assert names.fold_name is reconcile.fold_name is folding.fold_name
    assert normalize_header("  Start   DATE ") == folding.fold_text("  Start   DATE ")


def test_no_module_folds_text_by_hand() -> None:
    """Outside folding.py, no ``" ".join(x.split())`` followed by casefold, and no accent
    stripping with unicodedata."""
    by_hand = re.compile(r"\.split\(\)\)\s*\.casefold\(\)|\.split\(\)\)\s*\n\s*return .*casefold")
    for path in SRC.rglob("*.py"):
        if path.name == "folding.py":
            continue
        source = path.read_text(encoding="utf-8")
        assert not by_hand.search(source), path
        assert "unicodedata.combining" not in source, path
