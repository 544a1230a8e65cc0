"""A rule's why as a reader of the docs or the Instructions sheet should see it.

Most whys are one sentence. A rule split over several row-rule entries says different things on
different rows (score-status-mismatch: ``{consequence}`` on a Completed row is not that on an In
Progress row); outside a report there is no row, so every variant is shown.
"""

from __future__ import annotations

from .packs import Rule, RulePack


def rule_whys(pack: RulePack, rule: Rule) -> list[str]:
    """Each distinct way ``rule``'s why reads, its row-rule parameters filled in."""
    variants: list[str] = []
    for entry in pack.row_rules:
        if entry.rule == rule.id and entry.params:
            text = rule.why.format_map(_Keep(dict(entry.params)))
            if text not in variants:
                variants.append(text)
    return variants or [rule.why]


def rule_why(pack: RulePack, rule: Rule) -> str:
    """The why in one string: its variants joined with ' / '."""
    return " / ".join(rule_whys(pack, rule))


class _Keep(dict[str, str]):
    """Placeholders the row rules do not fill stay as written (the reports fill them)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
