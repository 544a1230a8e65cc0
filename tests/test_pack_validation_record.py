"""Bundled packs skip the meta-schema validation only as the very texts it accepted.

The command line loads every bundled pack on each run (to pick the one whose columns match),
and validating the four against the meta-schema cost about 0.2 s of CPU a run. The packs'
texts, hashed with the meta-schema's, are recorded in sheetcheck/_validated_packs.py; a text
not in the record (a changed pack, a changed meta-schema) is validated as before.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from unittest import mock

import pytest

from sheetcheck import packs
from sheetcheck.errors import PackError
from sheetcheck.packs import bundled_pack_names, load_pack, schemas_dir, validation_key


def pack_text(name: str) -> str:
    return (schemas_dir() / f"{name}.json").read_text(encoding="utf-8-sig")


def test_the_record_holds_exactly_the_bundled_packs_as_validated() -> None:
    """Each bundled pack passes the full validation and its key is recorded (nothing else is)."""
    keys = set()
    for name in bundled_pack_names():
        packs.compile_pack(json.loads(pack_text(name)), name)  # the full validation
        keys.add(validation_key(pack_text(name)))
    lines = "".join(f'        "{key}",\n' for key in sorted(keys))
    assert keys == set(packs.VALIDATED_PACKS), (
        "a bundled pack or the meta-schema changed: put this set in "
        f"src/sheetcheck/_validated_packs.py:\n    {{\n{lines}    }}"
    )


def loads_validating(path: str | Path) -> bool:
    """Whether loading ``path`` (fresh, not from the cache) runs the meta-schema validation."""
    packs._load_cached.cache_clear()
    try:
        with (
            mock.patch.object(packs, "_validate", wraps=packs._validate) as validate,
            contextlib.suppress(PackError),  # validated and refused
        ):
            load_pack(path)
        return validate.called
    finally:
        packs._load_cached.cache_clear()


@pytest.mark.parametrize("name", bundled_pack_names())
def test_a_bundled_pack_skips_the_validation(name: str) -> None:
    assert not loads_validating(name)


def test_a_changed_pack_is_validated(tmp_path: Path) -> None:
    """The same pack with one character changed: validated, and its error reported."""
    text = pack_text("enrollment-history")
    same = tmp_path / "same.json"
    same.write_text(text, encoding="utf-8")
    assert not loads_validating(same), "the same text elsewhere is the same validated pack"
    changed = tmp_path / "changed.json"
    changed.write_text(text.replace('"severity": "error"', '"severity": "fatal"', 1), "utf-8")
    assert loads_validating(changed)
    with pytest.raises(PackError, match="fatal"):
        load_pack(changed)
    spaced = tmp_path / "spaced.json"
    spaced.write_text(text + "\n", encoding="utf-8")
    assert loads_validating(spaced), "any other text is validated, even one equal as JSON"


def test_a_changed_meta_schema_validates_every_pack() -> None:
    packs._meta_schema_digest.cache_clear()
    try:
        with mock.patch.object(packs, "_meta_schema_digest", lambda: b"another meta-schema"):
            assert all(loads_validating(name) for name in bundled_pack_names())
    finally:
        packs._meta_schema_digest.cache_clear()
