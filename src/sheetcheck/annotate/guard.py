"""Before writing anything: is this a file we can annotate, and what could we not keep?

The surgical edit keeps every part we do not touch byte for byte, so charts, pivot tables,
shapes, images and VBA survive by construction. What remains are the few cases where our
edit itself would spoil something or could not be done completely; those are refused with
a message naming them, unless the caller passes ``force=True``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, UsageError
from . import notes
from .package import SAVE_AS_XLSX, Package

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


class AnnotationRefused(UsageError):
    """Annotating would spoil or leave out something; ``problems`` names each one."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{path}: annotating would not keep {'; '.join(problems)}. "
            "Use --force to annotate anyway."
        )


def sniff(path: Path) -> None:
    """Refuse what is not an OOXML zip (.xls, .csv, text, encrypted) with a useful line."""
    if not path.exists():
        raise InputError(str(path), "file not found")
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a workbook")
    with path.open("rb") as stream:
        head = stream.read(8)
        if head == _OLE:
            rest = stream.read(4_000_000)
            if _ENCRYPTED in rest:
                raise InputError(
                    str(path),
                    "is password-protected",
                    "remove the password in Excel (File > Info > Protect Workbook), "
                    "save it as .xlsx, then annotate",
                )
            raise InputError(
                str(path),
                "is an Excel 97-2003 (.xls) workbook, which cannot be annotated",
                SAVE_AS_XLSX,
            )
    if not head.startswith(b"PK"):
        kind = (
            "a CSV or text file"
            if path.suffix.lower() in (".csv", ".txt", ".tsv")
            else ("not an Excel workbook")
        )
        raise InputError(str(path), f"is {kind}, which cannot carry highlights", SAVE_AS_XLSX)


def refuse_foreign_zip(pkg: Package) -> None:
    """An .xlsb or .ods is a zip too, but not one we can write."""
    if pkg.has("xl/workbook.bin"):
        raise InputError(
            pkg.path, "is an Excel Binary (.xlsb) workbook, which cannot be annotated", SAVE_AS_XLSX
        )
    if pkg.has("mimetype") and b"opendocument" in pkg.parts[pkg.find("mimetype") or ""]:
        raise InputError(
            pkg.path,
            "is an OpenDocument (.ods) spreadsheet, which cannot be annotated",
            SAVE_AS_XLSX,
        )


@dataclass(slots=True)
class Skips:
    """What ``force=True`` leaves out: sheets without highlights, sheets without notes."""

    highlights: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)


def inspect(pkg: Package, sheets: dict[str, str | None]) -> tuple[list[str], Skips]:
    """Problems for annotating ``sheets`` (name -> worksheet part)."""
    problems: list[str] = []
    skips = Skips()
    if any(name.lower().startswith("_xmlsignatures/") for name in pkg.parts):
        problems.append("its digital signature (it would no longer be valid)")
    for name, part in sheets.items():
        if part is None or pkg.content_type(part) != _WORKSHEET_CT:
            problems.append(f"highlights on sheet {name!r} (it is not an ordinary worksheet)")
            skips.highlights.add(name)
            skips.notes.add(name)
            continue
        text = pkg.text(part)
        reason = notes.notes_problem(pkg, part, text)
        if reason:
            problems.append(f"notes on sheet {name!r} ({reason})")
            skips.notes.add(name)
    return problems, skips
