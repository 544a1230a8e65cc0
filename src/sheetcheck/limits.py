"""Named, documented, configurable limits on what sheetcheck agrees to read.

Workbooks arrive from other organisations and are checked unattended, in batch. Every limit
here guards one way a hostile or broken file could exhaust the machine; each is generous enough
for a real template filled to Excel's 1,048,576-row limit. The pre-flight guard
(:mod:`sheetcheck.readers`) checks the cheap ones before any parser touches the file;
:func:`sheetcheck.isolate.run_isolated` enforces ``memory_bytes`` and ``timeout_seconds`` on
the child process that does the parsing, so whatever slips past the guard still ends as one
clear error for that one file.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, fields, replace

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# Excel's own sheet size: nothing a user can save in Excel is bigger than this.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384

# The compression-ratio check only applies to archive members bigger than this once inflated:
# small parts (styles, themes, an empty sheet) can compress 500:1 and are harmless.
RATIO_CHECK_FLOOR_BYTES = 8 * MIB


@dataclass(frozen=True)
class Limits:
    """What one input file may cost. Sizes are bytes, times seconds.

    ``max_file_bytes``: size of the file on disk.
    ``max_cells``: cells in a sheet's used rectangle (bounding box of cells holding values).
    ``max_columns`` / ``max_rows``: width and height of that rectangle (and of a CSV).
    ``max_zip_entries``: members in an xlsx/xlsm/xlsb/ods archive.
    ``max_uncompressed_bytes``: total declared inflated size of an archive.
    ``max_compression_ratio``: inflated / compressed size of any archive member over 8 MiB.
    ``max_shared_strings``: strings an xlsx/xlsb shared-strings table may declare.
    ``memory_bytes``: address-space limit of the child process that parses the file.
    ``timeout_seconds``: wall-clock time that child process may take.
    """

    max_file_bytes: int = 1 * GIB
    max_cells: int = 32 * EXCEL_MAX_ROWS  # a full-height sheet 32 columns wide
    max_columns: int = EXCEL_MAX_COLUMNS
    max_rows: int = EXCEL_MAX_ROWS
    max_zip_entries: int = 10_000
    max_uncompressed_bytes: int = 4 * GIB
    max_compression_ratio: int = 200
    max_shared_strings: int = 32 * EXCEL_MAX_ROWS
    memory_bytes: int = 4 * GIB
    timeout_seconds: float = 300.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"limit {item.name} must be a positive number, got {value!r}")


DEFAULT_LIMITS = Limits()

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": KIB, "m": MIB, "g": GIB, "t": 1024 * GIB}


def parse_size(text: str) -> int:
    """'4GB' -> 4294967296, '512M' -> 536870912, '1000' -> 1000 (binary units throughout)."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 500MB or 4GB)")
    number, unit = match.groups()
    value = int(float(number) * _UNITS[(unit or "")[:1].lower()])
    if value <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def format_size(size: int) -> str:
    """4294967296 -> '4 GB', 536870912 -> '512 MB' (binary units, as parse_size reads them)."""
    for unit, factor in (("TB", 1024 * GIB), ("GB", GIB), ("MB", MIB), ("KB", KIB)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value.is_integer() else f"{value:.1f} {unit}"
    return f"{size} bytes"


# (flag, Limits field, argparse type, help). The defaults are shown from DEFAULT_LIMITS.
_OPTIONS: tuple[tuple[str, str, object, str], ...] = (
    ("--max-file-size", "max_file_bytes", parse_size, "largest input file accepted"),
    ("--max-cells", "max_cells", _positive_int, "most cells in a sheet's used range"),
    ("--max-rows", "max_rows", _positive_int, "most rows in a sheet's used range"),
    ("--max-columns", "max_columns", _positive_int, "most columns in a sheet's used range"),
    ("--max-zip-entries", "max_zip_entries", _positive_int, "most members in an xlsx/ods archive"),
    (
        "--max-uncompressed-size",
        "max_uncompressed_bytes",
        parse_size,
        "largest total inflated size of an xlsx/ods archive (zip-bomb guard)",
    ),
    (
        "--max-compression-ratio",
        "max_compression_ratio",
        _positive_int,
        "highest inflated/compressed ratio of an archive member over 8 MB (zip-bomb guard)",
    ),
    (
        "--max-shared-strings",
        "max_shared_strings",
        _positive_int,
        "most shared strings an xlsx/xlsb may declare",
    ),
    ("--max-memory", "memory_bytes", parse_size, "memory limit of the process reading a file"),
    ("--timeout", "timeout_seconds", _positive_float, "seconds allowed to read and check a file"),
)


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``--max-*`` and ``--timeout`` options (an option group) to ``parser``."""
    group = parser.add_argument_group(
        "input limits", "guards against hostile or broken files; the defaults fit any real sheet"
    )
    for flag, name, kind, text in _OPTIONS:
        default = getattr(DEFAULT_LIMITS, name)
        shown = format_size(default) if kind is parse_size else f"{default:g}"
        group.add_argument(
            flag,
            dest=name,
            type=kind,  # type: ignore[arg-type]  # the table holds argparse type callables
            default=None,
            metavar="SIZE" if kind is parse_size else "N",
            help=f"{text} (default {shown})",
        )


def limits_from_args(ns: argparse.Namespace) -> Limits:
    """The :class:`Limits` given on the command line, defaults for the options not given."""
    given = {name: getattr(ns, name) for _, name, _, _ in _OPTIONS}
    return replace(DEFAULT_LIMITS, **{k: v for k, v in given.items() if v is not None})
