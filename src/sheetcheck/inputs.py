"""The command-line options for related input files, generated from the packs that declare them.

A rule pack's related entry with ``"source": "input"`` names the option that reads the file
(``"input": "baseline"`` -> ``--baseline FILE``), its help and metavar, and the settings that
only mean something with that file (``"settings": {"cutoff": {"type": "date", ...}}`` ->
``--cutoff YYYY-MM-DD``). Every command that checks a file (``check``, ``export``) adds the
options of every bundled pack, plus those of a pack file named with ``--template``, from here:
no option, help text or pack name is written by hand in the commands.

Values land in two dicts of the parsed arguments, which go to
:class:`~sheetcheck.checker.CheckOptions`: ``args.inputs`` (option -> file path) and
``args.params`` (setting -> value: a ``datetime.date`` for a date, True for a flag).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dates import iso_date_argument
from .errors import UsageError

EXT = "x-sheetcheck"  # as packs.EXT: this module reads pack JSON without compiling it


@dataclass(frozen=True)
class Setting:
    """A pack setting given on the command line, meaningful only with its input file."""

    name: str  # key in params ("allow_deletions")
    kind: str  # "date" or "flag"
    help: str
    input: str  # the option naming the file it needs ("baseline")

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class InputOption:
    """One file option (``--baseline``) and what each pack that declares it reads with it."""

    name: str
    metavar: str
    helps: tuple[tuple[str, str], ...]  # (pack name, what the file is for that pack)
    settings: tuple[Setting, ...]

    @property
    def flag(self) -> str:
        return "--" + self.name

    @property
    def help(self) -> str:
        return "; ".join(f"{text} ({pack})" for pack, text in self.helps)


def declared_inputs(packs: Iterable[Mapping[str, Any]]) -> list[InputOption]:
    """Every input option the packs (as parsed JSON) declare, merged by option name, in
    first-seen order. Read from the JSON, not the compiled packs, so building the command
    line stays cheap; a pack's shape is checked by the meta-schema when it is loaded."""
    found: dict[str, dict[str, Any]] = {}
    for data in packs:
        ext = data.get(EXT) if isinstance(data, Mapping) else None
        if not isinstance(ext, Mapping) or not isinstance(ext.get("related"), Mapping):
            continue
        for entry in ext["related"].values():
            if not isinstance(entry, Mapping) or entry.get("source") != "input":
                continue
            name = entry.get("input")
            if not isinstance(name, str) or not name:
                continue
            merged = found.setdefault(
                name, {"metavar": entry.get("metavar", "FILE"), "helps": [], "settings": {}}
            )
            text = (str(ext.get("name", "")), str(entry.get("help") or entry.get("title", "")))
            if text not in merged["helps"]:
                merged["helps"].append(text)
            settings = entry.get("settings", {})
            for key, spec in settings.items() if isinstance(settings, Mapping) else ():
                if isinstance(spec, Mapping):
                    setting = Setting(key, str(spec.get("type")), str(spec.get("help", "")), name)
                    merged["settings"].setdefault(key, setting)
    return [
        InputOption(name, e["metavar"], tuple(e["helps"]), tuple(e["settings"].values()))
        for name, e in found.items()
    ]


class Into(argparse.Action):
    """Store an option's value under its name in a dict attribute of the namespace.

    ``into="inputs"`` collects files a rule pack reads (``--against OLD.xlsx`` ->
    ``args.inputs["against"]``), ``into="params"`` pack settings (``--cutoff``); both go
    to :class:`~sheetcheck.checker.CheckOptions`. With ``nargs=0`` the value is ``const``
    (a flag such as ``--allow-deletions``).
    """

    def __init__(
        self, option_strings: Sequence[str], dest: str, *, into: str, **kwargs: Any
    ) -> None:
        self.into = into
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        bucket = dict(getattr(namespace, self.into, None) or {})
        bucket[self.dest] = self.const if self.nargs == 0 else values
        setattr(namespace, self.into, bucket)


def add_input_options(parser: argparse.ArgumentParser, packs: Iterable[Mapping[str, Any]]) -> None:
    """Add each declared input option and its settings to ``parser`` (``check``, ``export``).

    A declaration whose option the command already has (``--sheet``, or a setting two inputs
    both declare) is left out rather than breaking the whole command line: the first wins.
    """
    taken = set(parser._option_string_actions)  # argparse keeps no public list of options
    for option in declared_inputs(packs):
        if option.flag in taken:
            continue
        taken.add(option.flag)
        parser.add_argument(
            option.flag,
            dest=option.name,
            action=Into,
            into="inputs",
            metavar=option.metavar,
            help=option.help,
        )
        for setting in option.settings:
            if setting.flag in taken:
                continue
            taken.add(setting.flag)
            kwargs: dict[str, Any] = {"nargs": 0, "const": True}
            if setting.kind == "date":
                kwargs = {"type": iso_date_argument, "metavar": "YYYY-MM-DD"}
            parser.add_argument(
                setting.flag,
                dest=setting.name,
                action=Into,
                into="params",
                help=f"with {option.flag}: {setting.help}",
                **kwargs,
            )
    parser.set_defaults(inputs={}, params={})


def require_inputs(args: argparse.Namespace, packs: Iterable[Mapping[str, Any]]) -> None:
    """A setting given without the file it needs is a usage error (exit code 2)."""
    params: Mapping[str, Any] = getattr(args, "params", None) or {}
    inputs: Mapping[str, Any] = getattr(args, "inputs", None) or {}
    for option in declared_inputs(packs):
        for setting in option.settings:
            if setting.name in params and option.name not in inputs:
                raise UsageError(f"{setting.flag} only applies with {option.flag} FILE")


def command_packs(argv: Sequence[str] | None) -> list[Mapping[str, Any]]:
    """The packs (parsed JSON) whose inputs the command line offers: every bundled pack, plus
    a pack file named with ``-t``/``--template`` (a broken one is skipped here and reported
    by the command that loads it)."""
    from .packs import bundled_pack_names, schemas_dir

    paths = [schemas_dir() / f"{name}.json" for name in bundled_pack_names()]
    named = _template_argument(argv or ())
    if named is not None and _is_pack_file(named):
        paths.append(Path(named))
    packs: list[Mapping[str, Any]] = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue  # the command loads the pack again and reports the problem in one line
        if isinstance(data, Mapping):
            packs.append(data)
    return packs


def _is_pack_file(text: str) -> bool:
    """``--template`` names a pack file (as :func:`sheetcheck.packs.resolve_pack_path` reads it)."""
    return ("/" in text or "\\" in text or text.endswith(".json")) and Path(text).is_file()


def _template_argument(argv: Sequence[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg in ("-t", "--template") and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--template="):
            return arg.split("=", 1)[1]
        if arg.startswith("-t") and len(arg) > 2 and not arg.startswith("--"):
            return arg[2:]
    return None


__all__ = [
    "InputOption",
    "Into",
    "Setting",
    "add_input_options",
    "command_packs",
    "declared_inputs",
    "require_inputs",
]
