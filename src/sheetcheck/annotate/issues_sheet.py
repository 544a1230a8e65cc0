"""The Issues sheet: counts by rule and severity, then every issue in a filterable table.

Text is always written as an inline string, never as a formula, so a value such as
``=HYPERLINK(...)`` copied from a user's cell cannot run in the consultant's Excel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..issues_layout import COLUMNS, COUNT_COLUMNS, LINE_POINTS, WIDTHS, highlight, row_height
from ..model import SEVERITY_ORDER, FileReport, Issue, column_letter, json_value, sort_key
from ..style import FILLS, HEADER_FILL, HEADER_FONT
from .package import NS_MAIN, NS_REL, xml_attr
from .styles import StyleBook
from .text import clean_text, t_element

MAX_ROWS = 1_048_576  # rows in an Excel sheet
MAX_LINKS = 65_530  # hyperlinks Excel keeps on one sheet


@dataclass(slots=True)
class IssuesSheet:
    sheet_xml: str
    table_xml: str


@dataclass(slots=True)
class _Formats:
    title: int
    header: int
    link: int
    wrap: int
    severity: dict[str, int]

    @classmethod
    def make(cls, styles: StyleBook) -> _Formats:
        return cls(
            title=styles.plain(bold=True),
            header=styles.plain(bold=True, rgb=HEADER_FONT, fill=HEADER_FILL),
            link=styles.plain(rgb="0563C1", underline=True),
            wrap=styles.plain(wrap=True),
            severity={s: styles.plain(rgb=highlight(s)[1], fill=highlight(s)[0]) for s in FILLS},
        )


def _text_cell(ref: str, text: object, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is>{t_element(clean_text(text))}</is></c>'


def _number_cell(ref: str, number: int, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    return f'<c r="{ref}"{s}><v>{number}</v></c>'


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _location(sheet: str, cell: str) -> str:
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _value_text(value: object) -> str:
    shown = json_value(value)
    return "" if shown is None else str(shown)


def build(
    report: FileReport,
    styles: StyleBook,
    targets: dict[int, str | None],
    table: tuple[int, str, str],
) -> IssuesSheet:
    """The sheet and table XML. ``targets[i]`` is the cell issue ``i`` links to, if any;
    ``table`` is the table's (id, name, relationship id from the sheet)."""
    table_id, table_name, table_rid = table
    formats = _Formats.make(styles)
    order = sorted(range(len(report.issues)), key=lambda i: sort_key(report.issues[i]))
    issues: Sequence[Issue] = report.issues
    rows: list[str] = []

    def row(number: int, cells: list[str], height: float = LINE_POINTS) -> None:
        # Every row's height is written: LibreOffice does not grow a row for wrapped text
        # written by another program, so a long message would overlap the next row.
        tall = f' ht="{height:g}" customHeight="1"' if height > LINE_POINTS else ""
        rows.append(f'<row r="{number}"{tall}>{"".join(cells)}</row>')

    name = report.file.replace("\\", "/").rsplit("/", 1)[-1]
    counted = [
        _plural(report.errors, "error"),
        _plural(report.warnings, "warning"),
        f"{report.infos} info",
    ]
    title = f"sheetcheck: {', '.join(counted)} in {name}"
    row(1, [_text_cell("A1", title, formats.title)])
    if report.template:
        row(2, [_text_cell("A2", f"Template: {report.template}")])
    counts = Counter((issue.rule, issue.severity) for issue in issues)
    header = 4 + len(counts) + 2
    listed = order[: MAX_ROWS - header]
    limits = []
    if len(listed) < len(order):
        limits.append(f"only the first {len(listed):,} issues are listed (Excel's row limit)")
    linkable = sum(1 for index in listed if targets.get(index))
    if linkable > MAX_LINKS:
        limits.append(f"only the first {MAX_LINKS:,} have links (Excel's limit per sheet)")
    if limits:
        row(3, [_text_cell("A3", "Note: " + "; ".join(limits) + ".")])
    row(
        4,
        [_text_cell(f"{c}4", h, formats.header) for c, h in zip("ABC", COUNT_COLUMNS, strict=True)],
    )
    number = 4
    for (rule, severity), count in sorted(
        counts.items(), key=lambda kv: (SEVERITY_ORDER[kv[0][1]], kv[0][0])
    ):
        number += 1
        row(number, [
            _text_cell(f"A{number}", severity, formats.severity[severity]),
            _text_cell(f"B{number}", rule),
            _number_cell(f"C{number}", count),
        ])  # fmt: skip
    header = number + 2
    row(header, [_text_cell(f"{column_letter(k + 1)}{header}", h) for k, h in enumerate(COLUMNS)])
    links: list[str] = []
    number = header
    for index in listed:
        issue = issues[index]
        number += 1
        target = targets.get(index) if len(links) < MAX_LINKS else None
        cell_ref = issue.cell or targets.get(index) or ""
        cell_style = formats.link if target else None
        row(number, [
            _text_cell(f"A{number}", issue.severity, formats.severity[issue.severity]),
            _text_cell(f"B{number}", issue.rule),
            _text_cell(f"C{number}", issue.sheet),
            _text_cell(f"D{number}", cell_ref, cell_style),
            _number_cell(f"E{number}", issue.row),
            _text_cell(f"F{number}", issue.column or ""),
            _text_cell(f"G{number}", _value_text(issue.value)),
            _text_cell(f"H{number}", issue.message, formats.wrap),
        ], row_height(clean_text(issue.message)))  # fmt: skip
        if target:
            links.append(
                f'<hyperlink ref="D{number}" location="{xml_attr(_location(issue.sheet, target))}"'
                f' display="{xml_attr(cell_ref)}"/>'
            )
    last = max(number, header + 1)  # a table needs at least one data row
    cols = "".join(
        f'<col min="{k + 1}" max="{k + 1}" width="{w}" customWidth="1"/>'
        for k, w in enumerate(WIDTHS)
    )
    hyperlinks = f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else ""
    sheet_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:H{last}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
        f"<sheetData>{''.join(rows)}</sheetData>{hyperlinks}"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        f'<tableParts count="1"><tablePart r:id="{table_rid}"/></tableParts></worksheet>'
    )
    ref = f"A{header}:H{last}"
    columns = "".join(f'<tableColumn id="{k + 1}" name="{h}"/>' for k, h in enumerate(COLUMNS))
    table_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{NS_MAIN}" id="{table_id}" name="{table_name}" displayName="{table_name}"'
        f' ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>'
        f'<tableColumns count="{len(COLUMNS)}">{columns}</tableColumns>'
        '<tableStyleInfo name="TableStyleLight1" showFirstColumn="0" showLastColumn="0"'
        ' showRowStripes="1" showColumnStripes="0"/></table>'
    )
    return IssuesSheet(sheet_xml, table_xml)
