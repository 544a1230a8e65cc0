"""Draw the Validate button on the Instructions sheet of a saved template.

openpyxl cannot draw shapes, so the button is added to the xlsx package after openpyxl has
saved it, the way Excel writes a shape: a drawing part (``xl/drawings/drawingN.xml``) with
one ``xdr:twoCellAnchor`` holding an ``xdr:sp`` (a rounded rectangle with its label), the
drawing's relationship from the sheet (``<drawing r:id>`` in the sheet, its ``.rels``
entry), the shape's hyperlink to the cell it covers (a relationship of the drawing, target
``#Instructions!A3``), and the content-type override of the new part.

The shape's name and linked cell are :data:`sheetcheck.button.BINDING`, the sheet button of
the xlwings Lite script.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree

from .. import button
from .instructions import BUTTON_ROW_HEIGHT

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DRAWING_TYPE = f"{REL_NS}/drawing"
HYPERLINK_TYPE = f"{REL_NS}/hyperlink"
DRAWING_CONTENT = "application/vnd.openxmlformats-officedocument.drawing+xml"
EMU_PER_PIXEL = 9525
DEFAULT_ROW_PX = 20  # 15 points
# Elements that follow <drawing> in a worksheet (CT_Worksheet's sequence).
AFTER_DRAWING = (
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
FILL = "1F4E78"  # the template's header blue
LINE = "17375E"
MARGIN_PX = 3
BUTTON_WIDTH_PX = 190  # inside column A (28 characters, about 201 pixels)


def drawing_xml(shape_id: int = 2) -> str:
    """The drawing part: the Validate button over the button cell, linked to it (rId1)."""
    col = ord(button.CELL[0]) - ord("A")
    row = button.ROW - 1
    height_px = BUTTON_ROW_HEIGHT * 4 // 3  # points -> pixels at 96 dpi
    left = MARGIN_PX * EMU_PER_PIXEL
    top = MARGIN_PX * EMU_PER_PIXEL
    right = (MARGIN_PX + BUTTON_WIDTH_PX) * EMU_PER_PIXEL
    bottom = (height_px - MARGIN_PX) * EMU_PER_PIXEL
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        "<xdr:twoCellAnchor>"
        f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>{left}</xdr:colOff>"
        f"<xdr:row>{row}</xdr:row><xdr:rowOff>{top}</xdr:rowOff></xdr:from>"
        f"<xdr:to><xdr:col>{col}</xdr:col><xdr:colOff>{right}</xdr:colOff>"
        f"<xdr:row>{row}</xdr:row><xdr:rowOff>{bottom}</xdr:rowOff></xdr:to>"
        '<xdr:sp macro="" textlink="">'
        "<xdr:nvSpPr>"
        f'<xdr:cNvPr id="{shape_id}" name={quoteattr(button.SHAPE_NAME)} '
        f"descr={quoteattr(button.HINT)}>"
        f'<a:hlinkClick xmlns:r="{REL_NS}" r:id="rId1"/>'
        "</xdr:cNvPr>"
        "<xdr:cNvSpPr/>"
        "</xdr:nvSpPr>"
        "<xdr:spPr>"
        # Excel's own copy of the position, from the sheet's top-left corner (rows above the
        # button have the default 20 pixels); the anchor above is what places the shape.
        f'<a:xfrm><a:off x="{left}" y="{top + row * DEFAULT_ROW_PX * EMU_PER_PIXEL}"/>'
        f'<a:ext cx="{right - left}" cy="{bottom - top}"/></a:xfrm>'
        '<a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom>'
        f'<a:solidFill><a:srgbClr val="{FILL}"/></a:solidFill>'
        f'<a:ln w="12700"><a:solidFill><a:srgbClr val="{LINE}"/></a:solidFill></a:ln>'
        "</xdr:spPr>"
        "<xdr:txBody>"
        '<a:bodyPr vertOverflow="clip" horzOverflow="clip" wrap="square" rtlCol="0" anchor="ctr"/>'
        "<a:lstStyle/>"
        '<a:p><a:pPr algn="ctr"/>'
        '<a:r><a:rPr lang="en-GB" sz="1200" b="1">'
        '<a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill>'
        '<a:latin typeface="Calibri"/></a:rPr>'
        f"<a:t>{escape(button.LABEL)}</a:t></a:r></a:p>"
        "</xdr:txBody>"
        "</xdr:sp>"
        "<xdr:clientData/>"
        "</xdr:twoCellAnchor>"
        "</xdr:wsDr>"
    )


def drawing_rels() -> str:
    """The drawing's relationships: the shape's hyperlink to the cell it covers."""
    target = f"#{button.SHEET}!{button.CELL}"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{HYPERLINK_TYPE}" Target={quoteattr(target)}/>'
        "</Relationships>"
    )


def add_validate_button(path: Path) -> None:
    """Rewrite the xlsx at ``path`` (a file no one else has yet: the template's temp file)
    with the Validate button drawn on its Instructions sheet."""
    with zipfile.ZipFile(path) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}
        infos = package.infolist()
    sheet_part = _sheet_part(parts, button.SHEET)
    drawing_part = _free_name(parts, "xl/drawings/drawing{}.xml")
    sheet_rels_part = _rels_of(sheet_part)
    rels = parts.get(
        sheet_rels_part, f'<Relationships xmlns="{PKG_REL_NS}"></Relationships>'.encode()
    )
    rel_id = _free_rel_id(rels)
    target = "/" + drawing_part
    entry = f'<Relationship Type="{DRAWING_TYPE}" Target="{target}" Id="{rel_id}"/>'
    parts[sheet_rels_part] = rels.replace(b"</Relationships>", entry.encode() + b"</Relationships>")
    parts[sheet_part] = _with_drawing_element(parts[sheet_part].decode("utf-8"), rel_id).encode()
    parts[drawing_part] = drawing_xml().encode("utf-8")
    parts[_rels_of(drawing_part)] = drawing_rels().encode("utf-8")
    override = f'<Override PartName="/{drawing_part}" ContentType="{DRAWING_CONTENT}"/>'
    types = parts["[Content_Types].xml"]
    parts["[Content_Types].xml"] = types.replace(b"</Types>", override.encode() + b"</Types>")

    known = {info.filename for info in infos}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in infos:
            out.writestr(info, parts[info.filename])
        for name, data in parts.items():
            if name not in known:
                out.writestr(name, data)


def _sheet_part(parts: dict[str, bytes], title: str) -> str:
    """The package part of the sheet named ``title``."""
    book = ElementTree.fromstring(parts["xl/workbook.xml"])
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG_REL_NS}}}Relationship")}
    for sheet in book.iter(f"{{{MAIN_NS}}}sheet"):
        if sheet.get("name") == title:
            target = targets[sheet.get(f"{{{REL_NS}}}id")] or ""
            if target.startswith("/"):
                return target[1:]
            return posixpath.normpath(posixpath.join("xl", target))
    raise ValueError(f"the workbook has no {title!r} sheet")


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _free_name(parts: dict[str, bytes], pattern: str) -> str:
    number = 1
    while pattern.format(number) in parts:
        number += 1
    return pattern.format(number)


def _free_rel_id(rels: bytes) -> str:
    used = {int(n) for n in re.findall(rb'Id="rId(\d+)"', rels)}
    return f"rId{max(used, default=0) + 1}"


def _with_drawing_element(sheet_xml: str, rel_id: str) -> str:
    """The worksheet with ``<drawing r:id>`` at its place in the element sequence."""
    if re.search(r"<(\w+:)?drawing\b", sheet_xml):
        raise ValueError("the Instructions sheet already has a drawing")
    element = f'<drawing xmlns:r="{REL_NS}" r:id="{rel_id}" />'
    for name in AFTER_DRAWING:
        match = re.search(rf"<{name}\b", sheet_xml)
        if match:
            return sheet_xml[: match.start()] + element + sheet_xml[match.start() :]
    end = sheet_xml.rindex("</worksheet>")
    return sheet_xml[:end] + element + sheet_xml[end:]
