"""Every writer's atomic replace: whole file or nothing, ordinary permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sheetcheck.atomic import replacing


def test_new_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "out.csv"
        with replacing(target) as temp:
            temp.write_text("a,b\n")
        assert target.read_text() == "a,b\n"
        assert target.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def test_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(0o640)
    with replacing(target) as temp:
        temp.write_text("new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), replacing(target) as temp:
        temp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
