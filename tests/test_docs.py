"""The README's rule tables are generated from the packs and must not drift."""

from __future__ import annotations

from conftest import ROOT
from sheetcheck.docs import blocks, refresh, rules_markdown
from sheetcheck.packs import load_pack


def test_readme_rule_tables_match_the_packs() -> None:
    """Run `make docs` when this fails."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "enrollment-history" in blocks(text)
    assert refresh(text) == text


def test_every_rule_id_appears_in_the_table() -> None:
    pack = load_pack("enrollment-history")
    table = rules_markdown(pack)
    for rule in pack.rules:
        assert f"| `{rule}` |" in table
