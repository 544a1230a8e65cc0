"""The related-input options are generated from the packs' declarations, one generator for
``check`` and ``export``; no command spells an option, its help or a pack name by hand."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

import pytest

from sheetcheck.cli import build_parser
from sheetcheck.errors import UsageError
from sheetcheck.inputs import add_input_options, command_packs, declared_inputs, require_inputs
from sheetcheck.packs import bundled_pack_names

SRC = Path(__file__).resolve().parent.parent / "src" / "sheetcheck"
PACK_FILE = str(Path(__file__).resolve().parent / "packs" / "clinic-visits.json")


def test_the_bundled_declarations() -> None:
    """Each bundled input option, the packs that read it and the settings that need it."""
    found = {
        o.flag: (o.metavar, [p for p, _ in o.helps], [s.flag for s in o.settings])
        for o in declared_inputs(command_packs(None))
    }
    assert found == {
        "--against": ("OLD.xlsx", ["ilr-learners"], ["--cutoff"]),
        "--baseline": (
            "CURRENT.xlsx",
            ["enrollment-history", "student-roster"],
            ["--allow-deletions"],
        ),
    }


@pytest.mark.parametrize("module", ["cli.py", "export.py"])
def test_no_command_spells_an_input_option_or_a_pack_name(module: str) -> None:
    source = (SRC / module).read_text(encoding="utf-8")
    for name in bundled_pack_names():
        assert name not in source, name
    for option in ("--against", "--baseline", "--cutoff", "--allow-deletions"):
        assert not re.search(rf"[\"']{option}[\"']", source), option


@pytest.mark.parametrize("command", ["check", "export"])
def test_check_and_export_offer_the_same_options(command: str) -> None:
    parser = build_parser([command, "-t", PACK_FILE])  # the command named first is built
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    offered = {s for a in sub.choices[command]._actions for s in a.option_strings}
    assert {"--against", "--baseline", "--cutoff", "--allow-deletions", "--registry"} <= offered


@pytest.mark.parametrize(
    ("argv", "inputs", "params"),
    [
        ([], {}, {}),
        (["--against", "old.xlsx"], {"against": "old.xlsx"}, {}),
        (
            ["--against", "old.xlsx", "--cutoff", "2025-07-31"],
            {"against": "old.xlsx"},
            {"cutoff": dt.date(2025, 7, 31)},
        ),
        (
            ["--baseline", "b.csv", "--allow-deletions"],
            {"baseline": "b.csv"},
            {"allow_deletions": True},
        ),
    ],
)
def test_values_land_in_inputs_and_params(
    argv: list[str], inputs: dict[str, str], params: dict[str, object]
) -> None:
    parser = argparse.ArgumentParser()
    packs = command_packs(None)
    add_input_options(parser, packs)
    args = parser.parse_args(argv)
    assert (args.inputs, args.params) == (inputs, params)
    require_inputs(args, packs)


def test_a_setting_without_its_file_is_a_usage_error() -> None:
    parser = argparse.ArgumentParser()
    packs = command_packs(None)
    add_input_options(parser, packs)
    with pytest.raises(UsageError, match="--cutoff only applies with --against FILE"):
        require_inputs(parser.parse_args(["--cutoff", "2025-07-31"]), packs)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "x.xlsx", "-t", PACK_FILE],
        ["check", "x.xlsx", f"--template={PACK_FILE}"],
        ["export", "x.xlsx", "--template", PACK_FILE, "-o", "y.csv"],
    ],
)
def test_a_pack_file_named_on_the_command_line_adds_its_inputs(argv: list[str]) -> None:
    assert [o.flag for o in declared_inputs(command_packs(argv))][-1] == "--registry"


@pytest.mark.parametrize(
    "template", ["no-such.json", "tests/packs", "ilr-learners", str(Path(__file__))]
)
def test_anything_else_adds_nothing(template: str) -> None:
    """Bundled names, missing files and broken JSON: the command reports those itself."""
    assert len(command_packs(["check", "-t", template])) == len(bundled_pack_names())


def test_a_declaration_that_collides_is_left_out() -> None:
    """An input named like a built-in option, or a setting declared twice, never breaks the
    command line: the first declaration wins."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheet")
    declared = {
        "x-sheetcheck": {
            "name": "odd",
            "related": {
                "a": {"source": "input", "input": "sheet", "title": "A"},
                "b": {
                    "source": "input",
                    "input": "other",
                    "title": "B",
                    "settings": {"cutoff": {"type": "flag", "help": "again"}},
                },
            },
        }
    }
    add_input_options(parser, [*command_packs(None), declared])
    args = parser.parse_args(["--sheet", "S", "--other", "o.csv", "--cutoff", "2025-01-02"])
    assert (args.sheet, args.inputs, args.params) == (
        "S",
        {"other": "o.csv"},
        {"cutoff": dt.date(2025, 1, 2)},
    )
