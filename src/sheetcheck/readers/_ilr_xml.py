"""Reading an ILR XML file (the ESFA's learner return) into the table ilr-learners checks.

Providers moving between MIS systems hold two ILR files, the old system's and the new one's;
this reader lets ``sheetcheck check ILR-....xml`` and ``--against OLD.xml`` read them directly.
The file's namespace (``ESFA/ILR/2025-26``) names the collection year; only the years in
:data:`KNOWN_YEARS` are read. ``Message / Header / Learner / LearningDelivery`` becomes one
table row per learning delivery (a learner without any gets one row of their own), the
learner's fields repeated on each, exactly the shape of a one-row-per-aim spreadsheet export.
Dates (``yyyy-mm-dd`` as the schema writes them) become ``datetime.date`` values; other values
stay text, as a CSV cell would.

Every issue on such a table is located by element, not by cell: the learner's reference, the
delivery's AimSeqNumber, the element path and its line (:class:`~sheetcheck.model.Location`).

Hostile input: the file is parsed by defusedxml's SAX parser with DTDs, entities and external
references forbidden, streamed (no tree is built), and refused above the size and row limits.
Every failure is one :class:`~sheetcheck.errors.InputError` line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces
from xml.sax.xmlreader import Locator as SaxLocator

from sheetcheck.errors import InputError
from sheetcheck.limits import DEFAULT_LIMITS, Limits
from sheetcheck.model import CellValue, Location, Table

NAMESPACE_PREFIX = "ESFA/ILR/"
#: Collection years whose schema this reader knows (the namespace's tail).
KNOWN_YEARS = ("2025-26", "2026-27")
LEARNER_FIELDS = (
    "LearnRefNumber",
    "PrevLearnRefNumber",
    "ULN",
    "FamilyName",
    "GivenNames",
    "DateOfBirth",
)
DELIVERY_FIELDS = (
    "LearnAimRef",
    "AimSeqNumber",
    "AimType",
    "LearnStartDate",
    "LearnPlanEndDate",
    "LearnActEndDate",
    "CompStatus",
    "Outcome",
    "AchDate",
    "FundModel",
    "ProgType",
)
#: The table's header: the ILR element names, which are the ilr-learners pack's column names.
COLUMNS = LEARNER_FIELDS + DELIVERY_FIELDS
DATE_FIELDS = frozenset(
    ("DateOfBirth", "LearnStartDate", "LearnPlanEndDate", "LearnActEndDate", "AchDate")
)
SHEET = "Message"
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SNIFF_BYTES = 512


def is_xml(path: str | os.PathLike[str]) -> bool:
    """Whether the file starts like an XML document (after a byte-order mark and spaces)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return False  # an Excel 2003 XML workbook: the spreadsheet guard explains it
    if head.lower().startswith((b"<!doctype html", b"<html", b"<table")):
        return False  # an HTML page under a spreadsheet name: likewise
    return head.startswith(b"<")


@dataclass
class IlrFile:
    """What an ILR XML file holds for checking: its collection year and its table."""

    path: str
    year: str  # "2025-26", from the namespace
    table: Table
    file_preparation_date: dt.date | None


@dataclass
class _Element:
    name: str
    path: str
    line: int
    children: dict[str, int] = field(default_factory=dict)  # child name -> count so far


@dataclass
class _Record:
    """A Learner or a LearningDelivery: its element, and its fields' text and places."""

    path: str
    line: int
    values: dict[str, str] = field(default_factory=dict)
    places: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass
class _Row:
    learner: _Record
    delivery: _Record | None


class _Handler(ContentHandler):
    def __init__(self, path: str, max_rows: int) -> None:
        super().__init__()
        self.path = path
        self.max_rows = max_rows
        self.locator: SaxLocator | None = None
        self.stack: list[_Element] = []
        self.year = ""
        self.prep_date_text: str | None = None
        self.learner: _Record | None = None
        self.deliveries: list[_Record] = []
        self.delivery: _Record | None = None
        self.rows: list[_Row] = []
        self.text: list[str] | None = None

    def setDocumentLocator(self, locator: SaxLocator) -> None:
        self.locator = locator

    def _line(self) -> int:
        line = self.locator.getLineNumber() if self.locator is not None else None
        return line or 1

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        uri, local = name
        if not self.stack:
            self._root(uri or "", local)
        parent = self.stack[-1] if self.stack else None
        if parent is None:
            path = f"/{local}"
        else:
            count = parent.children[local] = parent.children.get(local, 0) + 1
            path = f"{parent.path}/{local}[{count}]"
        element = _Element(local, path, self._line())
        parent_name = parent.name if parent is not None else ""
        depth = len(self.stack)
        self.stack.append(element)
        if local == "Learner" and depth == 1:
            self.learner, self.deliveries = _Record(path, element.line), []
        elif local == "LearningDelivery" and parent_name == "Learner" and depth == 2:
            self.delivery = _Record(path, element.line)
        elif (
            (parent_name == "Learner" and depth == 2 and local in LEARNER_FIELDS)
            or (parent_name == "LearningDelivery" and depth == 3 and local in DELIVERY_FIELDS)
            or (parent_name == "CollectionDetails" and local == "FilePreparationDate")
        ):
            self.text = []

    def characters(self, content: str) -> None:
        if self.text is not None:
            self.text.append(content)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        element = self.stack.pop()
        local = name[1]
        if self.text is not None:
            text = "".join(self.text).strip()
            self.text = None
            record = self.delivery if len(self.stack) == 3 else self.learner
            if local == "FilePreparationDate":
                self.prep_date_text = text
            elif record is not None and local not in record.values:
                record.values[local] = text
                record.places[local] = (element.line, element.path)
        elif local == "LearningDelivery" and self.delivery is not None and len(self.stack) == 2:
            self.deliveries.append(self.delivery)
            self.delivery = None
        elif local == "Learner" and self.learner is not None and len(self.stack) == 1:
            deliveries: list[_Record | None] = [*self.deliveries] or [None]
            for delivery in deliveries:
                self.rows.append(_Row(self.learner, delivery))
            self.learner = None
            if len(self.rows) > self.max_rows:
                raise InputError(
                    self.path,
                    f"has more than {self.max_rows:,} learning deliveries",
                    "split the file, or raise the limit with --max-rows",
                )

    def _root(self, uri: str, local: str) -> None:
        if local != "Message" or not uri.startswith(NAMESPACE_PREFIX):
            found = f"{{{uri}}}{local}" if uri else local
            raise InputError(
                self.path,
                f"is not an ILR file: its root element is {found}, not an ESFA ILR Message",
                "check the ILR file exported from the MIS, or give a spreadsheet",
            )
        year = uri[len(NAMESPACE_PREFIX) :]
        if year not in KNOWN_YEARS:
            raise InputError(
                self.path,
                f"is an ILR file of the {year} schema ({uri}), which this version does not read",
                f"it reads the {' and '.join(KNOWN_YEARS)} schemas; export the file in one of them",
            )
        self.year = year


def read_ilr(path: str | os.PathLike[str], limits: Limits | None = None) -> IlrFile:
    """The ILR XML file at ``path`` as a table (see the module docstring)."""
    import defusedxml.sax
    from defusedxml import DefusedXmlException

    name = os.fspath(path)
    limits = limits or DEFAULT_LIMITS
    size = os.path.getsize(name)
    if size > limits.max_file_bytes:
        raise InputError(
            name,
            f"is {size:,} bytes, more than the limit of {limits.max_file_bytes:,}",
            "raise it with --max-file-size if the file is genuine",
        )
    handler = _Handler(name, limits.max_rows)
    parser = defusedxml.sax.make_parser()
    parser.forbid_dtd = True  # an ILR file has no DTD; refuse one rather than expand it
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    try:
        parser.parse(name)
    except SAXParseException as err:
        if not handler.year and not handler.stack:
            raise InputError(
                name, "is neither a spreadsheet nor well-formed XML", "check the file"
            ) from None
        raise InputError(
            name,
            f"is not well-formed XML (line {err.getLineNumber()}: {err.getMessage()})",
            "export the ILR file again; it was probably cut short or edited by hand",
        ) from None
    except DefusedXmlException:
        raise InputError(
            name,
            "declares a DTD or entities, which ILR files never do",
            "refusing to read it; export the ILR file again from the MIS",
        ) from None
    if not handler.year:
        raise InputError(name, "is not an ILR file: it has no Message element", "check the file")
    return IlrFile(name, handler.year, _table(handler.rows), _iso_date(handler.prep_date_text))


def _iso_date(text: str | None) -> dt.date | None:
    match = _ISO.fullmatch(text or "")
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _value(column: str, text: str | None) -> CellValue:
    if text is None or text == "":
        return None
    if column in DATE_FIELDS:
        day = _iso_date(text)
        return day if day is not None else text  # the date check reports what is not a date
    return text


def _table(rows: Sequence[_Row]) -> Table:
    columns: list[list[CellValue]] = []
    for column in COLUMNS:
        learner_level = column in LEARNER_FIELDS
        columns.append(
            [
                _value(
                    column,
                    (row.learner if learner_level else row.delivery or _Record("", 0)).values.get(
                        column
                    ),
                )
                for row in rows
            ]
        )
    lines = [(row.delivery or row.learner).line for row in rows]

    def locate(index: int, column: str | None) -> Location:
        row = rows[index]
        learner = row.learner.values.get("LearnRefNumber")
        aim = row.delivery.values.get("AimSeqNumber") if row.delivery is not None else None
        record = row.learner if column in LEARNER_FIELDS or row.delivery is None else row.delivery
        if column is not None and column in record.places:
            line, path = record.places[column]
        else:  # an absent element: where it would go
            line = record.line
            path = record.path + (f"/{column}" if column else "")
        return Location(line=line, path=path, learner=learner, aim=aim)

    return Table(
        sheet=SHEET,
        header_row=1,
        header=list(COLUMNS),
        first_col=1,
        row_numbers=lines,
        columns=columns,
        locate=locate,
    )


__all__ = ["COLUMNS", "KNOWN_YEARS", "IlrFile", "is_xml", "read_ilr"]
