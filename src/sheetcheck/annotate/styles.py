"""New cell formats appended to the styles part, each derived from a cell's existing one.

A flagged cell keeps its number format, font face, borders, alignment and protection: its
new format is a copy of its old ``<xf>`` with only the fill and the font colour changed.
Nothing already in the styles part moves, so every other cell's style index stays valid.
"""

from __future__ import annotations

import re

from ..errors import InputError
from ..issues_layout import highlight
from ..model import Severity
from .package import SAVE_AS_XLSX, end_re, get_attr, set_attr, tag_re

_P = r"(?:[A-Za-z_][\w.-]*:)?"


def _element_re(name: str) -> re.Pattern[str]:
    """One whole element ``name`` (self-closing or with children; never nested in itself)."""
    return re.compile(rf"<({_P}){name}\b[^>]*?(?:/>|>.*?</{_P}{name}\s*>)", re.DOTALL)


_XF = _element_re("xf")
_FONT = _element_re("font")
_FILL = _element_re("fill")
_COLOR = re.compile(rf"<{_P}color\b[^>]*?(?:/>|>.*?</{_P}color\s*>)", re.DOTALL)
_SZ = re.compile(rf"<{_P}sz\b[^>]*?/>")


class _Section:
    """A list element of the styles part (``fonts``, ``fills``, ``cellXfs``)."""

    def __init__(self, text: str, name: str, item: re.Pattern[str]) -> None:
        self.name = name
        start = tag_re(name).search(text)
        if start is None:
            self.items: list[str] = []
            self.prefix = ""
            return
        self.prefix = start.group(1)
        if start.group(0).endswith("/>"):
            body = ""
        else:
            end = end_re(name).search(text, start.end())
            body = text[start.end() : end.start()] if end else ""
        self.items = [found.group(0) for found in item.finditer(body)]


class StyleBook:
    """Reads the styles part once and collects additions; :meth:`render` splices them in."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.fonts = _Section(text, "fonts", _FONT)
        self.fills = _Section(text, "fills", _FILL)
        self.xfs = _Section(text, "cellXfs", _XF)
        if not self.xfs.items or not self.fonts.items:
            raise InputError(path, "its styles part has no cell formats", SAVE_AS_XLSX)
        self.prefix = self.xfs.prefix
        self.new_fonts: list[str] = []
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self._flag_cache: dict[tuple[int, Severity], int] = {}
        self._font_cache: dict[tuple[int, str], int] = {}  # (base font, variant) -> index
        self._fill_cache: dict[str, int] = {}

    @property
    def xf_count(self) -> int:
        return len(self.xfs.items)

    # -- building blocks ---------------------------------------------------------------------
    def fill(self, rgb: str) -> int:
        """Index of a solid fill of colour ``rgb`` (RRGGBB) added by us."""
        if rgb not in self._fill_cache:
            p = self.prefix
            self.new_fills.append(
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            )
            self._fill_cache[rgb] = len(self.fills.items) + len(self.new_fills) - 1
        return self._fill_cache[rgb]

    def font_like(
        self, font_id: int, rgb: str, *, bold: bool = False, underline: bool = False
    ) -> int:
        """A copy of font ``font_id`` in colour ``rgb``, optionally bold / underlined."""
        key = (font_id, f"{rgb}{bold:d}{underline:d}")
        if key not in self._font_cache:
            fonts = self.fonts.items
            base = fonts[font_id] if 0 <= font_id < len(fonts) else fonts[0]
            self.new_fonts.append(_recolour_font(base, rgb, self.fonts.prefix, bold, underline))
            self._font_cache[key] = len(fonts) + len(self.new_fonts) - 1
        return self._font_cache[key]

    def xf_like(self, xf_id: int, *, font: int | None = None, fill: int | None = None) -> int:
        """A copy of cell format ``xf_id`` with another font and/or fill; returns its index."""
        xfs = self.xfs.items
        element = xfs[xf_id] if 0 <= xf_id < len(xfs) else xfs[0]
        start = re.match(r"<[^>]*>", element)
        assert start is not None  # _XF only matches elements that open with a start tag
        tag = start.group(0)
        if font is not None:
            tag = set_attr(set_attr(tag, "fontId", str(font)), "applyFont", "1")
        if fill is not None:
            tag = set_attr(set_attr(tag, "fillId", str(fill)), "applyFill", "1")
        self.new_xfs.append(tag + element[start.end() :])
        return len(xfs) + len(self.new_xfs) - 1

    def originals(self, xf_id: int) -> tuple[str, str]:
        """The font and fill elements format ``xf_id`` uses, as they are in the styles part."""
        xfs, fonts, fills = self.xfs.items, self.fonts.items, self.fills.items
        element = xfs[xf_id] if 0 <= xf_id < len(xfs) else xfs[0]
        font_id = int(get_attr(element, "fontId") or 0)
        fill_id = int(get_attr(element, "fillId") or 0)
        font = fonts[font_id] if 0 <= font_id < len(fonts) else fonts[0]
        fill = fills[fill_id] if 0 <= fill_id < len(fills) else (fills[0] if fills else "")
        return font, fill

    def font_xml(self, element: str) -> int:
        """Index of a font given as XML (from the original workbook), added once."""
        element = _reprefix(element, self.fonts.prefix)
        key = (-1, element)
        if key not in self._font_cache:
            self.new_fonts.append(element)
            self._font_cache[key] = len(self.fonts.items) + len(self.new_fonts) - 1
        return self._font_cache[key]

    def fill_xml(self, element: str) -> int:
        """Index of a fill given as XML (from the original workbook), added once."""
        element = _reprefix(element, self.fills.prefix)
        if element not in self._fill_cache:
            self.new_fills.append(element)
            self._fill_cache[element] = len(self.fills.items) + len(self.new_fills) - 1
        return self._fill_cache[element]

    def fill_of(self, xf_id: int) -> str:
        """The fill element format ``xf_id`` uses (already in the styles part)."""
        return self.originals(xf_id)[1]

    # -- what the annotation needs -------------------------------------------------------------
    def flagged(self, xf_id: int, severity: Severity) -> int:
        """The format for a flagged cell whose current format is ``xf_id``."""
        key = (xf_id, severity)
        if key not in self._flag_cache:
            xfs = self.xfs.items
            element = xfs[xf_id] if 0 <= xf_id < len(xfs) else xfs[0]
            font_id = int(get_attr(element, "fontId") or 0)
            fill, font_colour = highlight(severity)
            font = self.font_like(font_id, font_colour)
            self._flag_cache[key] = self.xf_like(xf_id, font=font, fill=self.fill(fill))
        return self._flag_cache[key]

    def plain(
        self,
        *,
        bold: bool = False,
        rgb: str | None = None,
        fill: str | None = None,
        underline: bool = False,
        wrap: bool = False,
    ) -> int:
        """A format for the Issues sheet, derived from the workbook's default format."""
        font = self.font_like(0, rgb or "000000", bold=bold, underline=underline)
        index = self.xf_like(0, font=font, fill=self.fill(fill) if fill else None)
        if wrap:
            element = self.new_xfs[-1]
            start = re.match(r"<[^>]*>", element)
            assert start is not None
            p = self.prefix
            tag = set_attr(start.group(0), "applyAlignment", "1")
            if tag.endswith("/>"):
                tag = tag[:-2] + ">"
            self.new_xfs[-1] = f'{tag}<{p}alignment vertical="top" wrapText="1"/></{p}xf>'
        return index

    # -- output ----------------------------------------------------------------------------------
    def render(self) -> str:
        text = self.text
        for section, new in (
            (self.fonts, self.new_fonts),
            (self.fills, self.new_fills),
            (self.xfs, self.new_xfs),
        ):
            if new:
                text = _append(text, section, new, self.path)
        return text


def _reprefix(element: str, prefix: str) -> str:
    """``element`` with its spreadsheetml tags written with ``prefix`` (colon included)."""
    return re.sub(r"<(/?)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)", rf"<\1{prefix}\2", element)


def _append(text: str, section: _Section, new: list[str], path: str) -> str:
    start = tag_re(section.name).search(text)
    if start is None:
        raise InputError(path, f"its styles part has no {section.name} list", SAVE_AS_XLSX)
    count = str(len(section.items) + len(new))
    tag = (
        set_attr(start.group(0), "count", count)
        if get_attr(start.group(0), "count")
        else start.group(0)
    )
    if start.group(0).endswith("/>"):
        tag = tag[:-2].rstrip() + ">"
        return (
            text[: start.start()]
            + tag
            + "".join(new)
            + f"</{section.prefix}{section.name}>"
            + text[start.end() :]
        )
    end = end_re(section.name).search(text, start.end())
    if end is None:
        raise InputError(path, f"its styles part has a damaged {section.name} list", SAVE_AS_XLSX)
    return (
        text[: start.start()]
        + tag
        + text[start.end() : end.start()]
        + "".join(new)
        + text[end.start() :]
    )


def _recolour_font(font: str, rgb: str, prefix: str, bold: bool, underline: bool) -> str:
    colour = f'<{prefix}color rgb="FF{rgb}"/>'
    if font.endswith("/>"):
        font = font[:-2].rstrip() + f"></{prefix}font>"
    start = re.match(r"<[^>]*>", font)
    assert start is not None
    head, body = font[: start.end()], font[start.end() :]
    body = _COLOR.sub("", body)
    size = _SZ.search(body)
    body = body[: size.end()] + colour + body[size.end() :] if size else colour + body
    extra = ""
    if bold and not re.search(rf"<{_P}b\b", body):
        extra += f"<{prefix}b/>"
    if underline and not re.search(rf"<{_P}u\b", body):
        extra += f"<{prefix}u/>"
    return head + extra + body
