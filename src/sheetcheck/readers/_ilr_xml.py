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
class _Record:
    """A Learner or a LearningDelivery: its element, and its fields' text and places."""

    path: str
    line: int
    values: dict[str, str] = field(default_factory=dict)
    places: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> line, [n]
    counts: dict[str, int] = field(default_factory=dict)  # field name -> elements seen


@dataclass
class _Row:
    learner: _Record
    delivery: _Record | None


class _Handler(ContentHandler):
    """Keeps only what the table needs; per element it does a few comparisons (an ILR file
    has millions of elements, most of them FAMs and other records the pack does not read)."""

    def __init__(self, path: str, max_rows: int) -> None:
        super().__init__()
        self.path = path
        self.max_rows = max_rows
        self.locator: SaxLocator | None = None
        self.stack: list[str] = []  # local names of the open elements
        self.year = ""
        self.prep_date_text: str | None = None
        self.learners = 0
        self.learner: _Record | None = None
        self.deliveries: list[_Record] = []
        self.delivery: _Record | None = None
        self.rows: list[_Row] = []
        self.text: list[str] | None = None  # the text of the field being read
        self.field: tuple[_Record, str, int, int] | None = None
        self.field_depth = 0

    def setDocumentLocator(self, locator: SaxLocator) -> None:
        self.locator = locator

    def _line(self) -> int:
        line = self.locator.getLineNumber() if self.locator is not None else None
        return line or 1

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs: Any) -> None:
        local = name[1]
        stack = self.stack
        depth = len(stack)
        stack.append(local)
        if self.text is not None:
            return  # an element inside a field: its text is part of the field's
        if depth == 2:
            if stack[1] == "Learner" and self.learner is not None:
                if local == "LearningDelivery":
                    path = f"{self.learner.path}/LearningDelivery[{len(self.deliveries) + 1}]"
                    self.delivery = _Record(path, self._line())
                elif local in LEARNER_FIELDS:
                    self._capture(self.learner, local, depth)
        elif depth == 3:
            if local in DELIVERY_FIELDS and stack[2] == "LearningDelivery" and self.delivery:
                self._capture(self.delivery, local, depth)
            elif local == "FilePreparationDate" and stack[2] == "CollectionDetails":
                self.text, self.field, self.field_depth = [], None, depth
        elif depth == 1:
            if local == "Learner":
                self.learners += 1
                self.learner = _Record(f"/Message/Learner[{self.learners}]", self._line())
                self.deliveries = []
        elif depth == 0:
            self._root(name[0] or "", local)

    def _capture(self, record: _Record, local: str, depth: int) -> None:
        count = record.counts[local] = record.counts.get(local, 0) + 1
        self.text, self.field_depth = [], depth
        self.field = (record, local, self._line(), count)

    def characters(self, content: str) -> None:
        if self.text is not None:
            self.text.append(content)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:
        self.stack.pop()
        depth = len(self.stack)
        if self.text is not None:
            if depth == self.field_depth:
                self._field_read("".join(self.text).strip())
            return
        local = name[1]
        if depth == 2 and local == "LearningDelivery" and self.delivery is not None:
            self.deliveries.append(self.delivery)
            self.delivery = None
        elif depth == 1 and local == "Learner" and self.learner is not None:
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

    def _field_read(self, text: str) -> None:
        self.text = None
        if self.field is None:
            self.prep_date_text = text
            return
        record, local, line, count = self.field
        self.field = None
        if local not in record.values:  # the first one counts
            record.values[local] = text
            record.places[local] = (line, count)

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
            line, count = record.places[column]
            path = f"{record.path}/{column}[{count}]"
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
