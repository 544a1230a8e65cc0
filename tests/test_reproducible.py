"""``make templates`` is reproducible: the same content gives the same bytes."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from sheetcheck.packs import load_pack
from sheetcheck.template import build_template, regenerate_all
from sheetcheck.template.reproducible import FIXED_TIME, build_time


def test_regenerating_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    """Two runs, seconds apart (each takes that long): every workbook is byte-identical."""
    first = regenerate_all(tmp_path / "first")
    second = regenerate_all(tmp_path / "second")
    assert [p.relative_to(tmp_path / "first") for p in first] == [
        p.relative_to(tmp_path / "second") for p in second
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_times_are_pinned(tmp_path: Path) -> None:
    (path, *_) = regenerate_all(tmp_path)
    with zipfile.ZipFile(path) as book:
        core = book.read("docProps/core.xml").decode()
        assert {info.date_time for info in book.infolist()} == {(2025, 1, 1, 0, 0, 0)}
    assert core.count("2025-01-01T00:00:00Z") == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, FIXED_TIME),
        ("1700000000", dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)),
        ("not a number", FIXED_TIME),
    ],
)
def test_source_date_epoch(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: dt.datetime
) -> None:
    if value is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert build_time() == expected


def test_a_users_template_keeps_the_time_it_was_made(tmp_path: Path) -> None:
    """Only the committed workbooks are pinned: ``sheetcheck template`` stamps today."""
    target = tmp_path / "t.xlsx"
    build_template(load_pack("student-roster"), target)
    with zipfile.ZipFile(target) as book:
        core = book.read("docProps/core.xml").decode()
    assert "2025-01-01T00:00:00Z" not in core
