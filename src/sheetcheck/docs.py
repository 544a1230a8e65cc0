"""Documentation derived from rule packs: the README's column and rule tables.

The README embeds these tables between ``<!-- BEGIN rules:NAME -->`` and
``<!-- END rules:NAME -->`` markers; a test fails when they drift from the packs, and
``make docs`` rewrites them.
"""

from __future__ import annotations

import re
from pathlib import Path

from .engine import rule_catalogue
from .packs import RulePack, bundled_pack_names, load_pack
from .wording import rule_why

_BLOCK = re.compile(
    r"(<!-- BEGIN rules:(?P<name>[a-z0-9-]+) -->\n)(?P<body>.*?)(<!-- END rules:(?P=name) -->)",
    re.S,
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown(pack: RulePack) -> str:
    """The columns and the rules of a pack as Markdown tables."""
    lines = ["| column | also accepted | what to enter |", "|---|---|---|"]
    tables = [(None, pack), *pack.related.items()]
    for name, table in tables:
        for col in table.columns:
            label = (
                col.name
                if name is None
                else f"{col.name} ({table.sheet_name or name} {table.origin})"
            )
            optional = " (optional column)" if col.optional_column else ""
            lines.append(
                f"| {_cell(label)}{optional} | {_cell(', '.join(col.aliases))} | {_cell(col.description)} |"
            )
    catalogue = rule_catalogue(pack).values()
    if any(getattr(rule, "esfa", ()) for rule in catalogue):
        # A pack that cites the funding body's rule ids shows them, so a finding can be
        # looked up in the ESFA's own list.
        lines += [
            "",
            "| rule id | ESFA rule | severity | what it catches | why it matters |",
            "|---|---|---|---|---|",
        ]
        for rule in catalogue:
            esfa = ", ".join(getattr(rule, "esfa", ())) or "—"
            why = rule_why(pack, rule)
            lines.append(
                f"| `{rule.id}` | {_cell(esfa)} | {rule.severity} | {_cell(rule.title)} | {_cell(why)} |"
            )
        return "\n".join(lines) + "\n"
    lines += ["", "| rule id | severity | what it catches | why it matters |", "|---|---|---|---|"]
    for rule in catalogue:
        why = rule_why(pack, rule)
        lines.append(f"| `{rule.id}` | {rule.severity} | {_cell(rule.title)} | {_cell(why)} |")
    return "\n".join(lines) + "\n"


def refresh(text: str) -> str:
    """``text`` (the README) with every rules block regenerated from its pack."""

    def replace(match: re.Match[str]) -> str:
        return match.group(1) + rules_markdown(load_pack(match.group("name"))) + match.group(4)

    return _BLOCK.sub(replace, text)


def blocks(text: str) -> dict[str, str]:
    """Pack name -> the rules block's body as written in ``text``."""
    return {m.group("name"): m.group("body") for m in _BLOCK.finditer(text)}


def main() -> None:
    """Rewrite the rules blocks of README.md in place (``make docs``)."""
    readme = Path("README.md")
    readme.write_text(refresh(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(
        f"refreshed rule tables for: {', '.join(sorted(blocks(readme.read_text(encoding='utf-8'))))}"
    )
    missing = set(bundled_pack_names()) - set(blocks(readme.read_text(encoding="utf-8")))
    if missing:
        print(f"no README block yet for: {', '.join(sorted(missing))}")


if __name__ == "__main__":
    main()
