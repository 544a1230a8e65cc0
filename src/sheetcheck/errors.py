"""The one exception family sheetcheck raises when input cannot be used at all.

Every problem *inside* a usable file is an :class:`~sheetcheck.model.Issue`, collected and
reported. An exception is raised only when a file, a rule pack or the command line cannot be
used; its message is one line a user can act on, and the exit code lives on the class.
"""

from __future__ import annotations


class SheetcheckError(Exception):
    """Input that cannot be used. ``str(err)`` is the whole user-facing line."""

    exit_code = 2


class UsageError(SheetcheckError):
    """The command line or API call is wrong (unknown option value, conflicting paths...)."""


class PackError(SheetcheckError):
    """A rule pack cannot be loaded: bad JSON, fails the meta-schema, unknown function."""

    def __init__(self, source: str, pointer: str, reason: str) -> None:
        self.source = source
        self.pointer = pointer
        self.reason = reason
        where = f"{source} at {pointer}" if pointer else source
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[type[PackError], tuple[str, str, str]]:
        # Pickled when raised in the child process that parses a file (sheetcheck.isolate).
        return (type(self), (self.source, self.pointer, self.reason))


class InputError(SheetcheckError):
    """A workbook cannot be read: missing, not a spreadsheet, encrypted, truncated, too big.

    ``cause`` is a short phrase ("password-protected"), ``advice`` what to do about it.
    """

    def __init__(self, path: str, cause: str, advice: str = "") -> None:
        self.path = path
        self.cause = cause
        self.advice = advice
        text = f"{path}: {cause}"
        if advice:
            text += f": {advice}"
        super().__init__(text)

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        # Pickled when raised in the child process that parses a file (sheetcheck.isolate).
        return (type(self), (self.path, self.cause, self.advice))
