"""Every command in the README works as written in PowerShell, cmd and a POSIX shell.

A user copies commands from the README into whatever shell they have. What breaks in one of
them: single quotes (cmd passes them through, so pip sees ``'sheetcheck[excel]'``), a
backslash continuation (cmd and PowerShell take the backslash as an argument and run half the
command), a trailing ``# comment`` (cmd passes it as arguments), an unquoted ``[extra]`` (zsh
expands it as a pattern), and a ``NAME=value command`` prefix (POSIX only).
"""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

COMMAND = re.compile(r"(sheetcheck|pip|python|py|make|npm|git|\.venv/\S+)(\s|$)")
ENV_PREFIX = re.compile(r"[A-Z_][A-Z0-9_]*=\S*\s+\S")
SHELL_FENCES = {"", "sh", "shell", "bash", "console", "powershell", "bat", "cmd"}


def command_lines(markdown: str) -> list[tuple[int, str]]:
    """(line number, command) for commands in indented blocks, shell fences and `code`."""
    found: list[tuple[int, str]] = []
    fence: str | None = None
    continued = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            continue
        block = (fence is not None and fence in SHELL_FENCES) or (
            fence is None and line.startswith("    ")
        )
        text = line.strip()
        if block and (continued or COMMAND.match(text) or ENV_PREFIX.match(text)):
            found.append((number, text))
            continued = text.endswith("\\")
            continue
        continued = False
        if fence is None:
            for span in re.findall(r"`([^`]+)`", line):
                if COMMAND.match(span) or ENV_PREFIX.match(span):
                    found.append((number, span))
    return found


def problems(command: str) -> list[str]:
    """What keeps ``command`` from working as written in one of the three shells."""
    found = []
    outside_quotes = re.sub(r'"[^"]*"', '""', command)
    if "'" in outside_quotes:
        found.append("single quotes")
    if command.rstrip().endswith("\\") or command.rstrip().endswith("^"):
        found.append("line continuation")
    if re.search(r"\s#", outside_quotes):
        found.append("trailing comment")
    if "[" in outside_quotes:
        found.append("unquoted brackets")
    if ENV_PREFIX.match(command):
        found.append("environment prefix")
    return found


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        ('pip install "sheetcheck[excel]"', []),
        ("pip install 'sheetcheck[excel]'", ["single quotes", "unquoted brackets"]),
        ("pip install sheetcheck[excel]", ["unquoted brackets"]),
        ("sheetcheck check a.xlsx \\", ["line continuation"]),
        ("make demo    # creates .venv", ["trailing comment"]),
        ("SHEETCHECK_FUZZ_CASES=5000 .venv/bin/pytest tests", ["environment prefix"]),
        ('sheetcheck check "O\'Brien #2.xlsx"', []),
        ("sheetcheck check enrollments.xlsx --template enrollment-history", []),
    ],
)
def test_problems(command: str, expect: list[str]) -> None:
    assert problems(command) == expect


def test_command_lines_finds_blocks_fences_and_code_spans() -> None:
    markdown = (
        "Intro `sheetcheck rules` and `the --template option`.\n"
        "\n"
        "    pip install 'x'\n"
        "    sheetcheck check a.xlsx \\\n"
        "        --template t\n"
        "\n"
        "```json\n"
        "sheetcheck not a command here\n"
        "```\n"
        "```\n"
        "make test\n"
        "Output line\n"
        "```\n"
    )
    assert command_lines(markdown) == [
        (1, "sheetcheck rules"),
        (3, "pip install 'x'"),
        (4, "sheetcheck check a.xlsx \\"),
        (5, "--template t"),
        (11, "make test"),
    ]


def test_every_readme_command_works_in_powershell_cmd_and_sh() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = command_lines(readme)
    assert len(commands) > 20  # the scan sees the README's commands
    assert any('pip install "sheetcheck[excel]"' in c for _, c in commands)
    bad = [(n, c, p) for n, c in commands if (p := problems(c))]
    assert bad == []
