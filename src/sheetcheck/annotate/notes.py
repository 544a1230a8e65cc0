"""Cell notes (legacy comments: a comments part plus the VML drawing that shows them).

A sheet without notes gets a new comments part and VML drawing. A sheet that already has
notes keeps them: ours are added to the same parts, and a cell that already has a note gets
our text appended below its own. ``clean`` restores the original parts byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import column_letter
from . import cells
from .package import (
    CT_COMMENTS,
    CT_VML,
    NS_MAIN,
    NS_REL,
    REL_COMMENTS,
    REL_THREADED,
    REL_VML,
    Package,
    end_re,
    get_attr,
    prefix_for,
    tag_re,
    unescape_attr,
)
from .text import clean_text, t_element

AUTHOR = "sheetcheck"
MARKER = "sheetcheck:"  # the first words of every note text we write
APPENDED = f"\n\n{MARKER}\n"  # what separates our text from a note the cell already had
_P = r"(?:[A-Za-z_][\w.-]*:)?"
_COMMENT = re.compile(rf"<({_P})comment\b[^>]*?(?:/>|>.*?</{_P}comment\s*>)", re.DOTALL)
_LEGACY = re.compile(rf"<{_P}legacyDrawing\b[^>]*>")
_SHAPE_ID = re.compile(r"_x0000_s(\d+)")
_VML_NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}
SHAPETYPE = (
    '<{v}shapetype id="_x0000_t202" coordsize="21600,21600" {o}spt="202"'
    ' path="m,l,21600r21600,l21600,xe"><{v}stroke joinstyle="miter"/>'
    '<{v}path gradientshapeok="t" {o}connecttype="rect"/></{v}shapetype>'
)
STANDARD = {"v": "v:", "o": "o:", "x": "x:"}


class NotesUnsupported(Exception):
    """The sheet's existing note drawing is in a form we cannot add to safely."""


@dataclass(slots=True)
class NotesResult:
    sheet_splices: list[cells.Splice]
    touched: list[str]  # existing parts changed (their originals must be kept for clean)
    created: list[str]  # parts that did not exist before
    new: list[tuple[int, int]] = field(default_factory=list)  # cells that got a new note
    appended: list[tuple[int, int]] = field(default_factory=list)  # our text added to theirs


def add_notes(
    pkg: Package, sheet_part: str, sheet_text: str, notes: dict[tuple[int, int], str]
) -> NotesResult:
    """Attach ``notes`` ((row, col) -> text) to the cells of worksheet ``sheet_part``."""
    result = NotesResult([], [], [])
    if not notes:
        return result
    rels = pkg.relationships(sheet_part)
    by_id = {rel.id: rel for rel in rels}
    threaded = any(rel.type == REL_THREADED for rel in rels)
    comments_rel = next((r for r in rels if r.type == REL_COMMENTS and not r.external), None)
    vml_part = _legacy_drawing(sheet_text, by_id)

    comments_part = comments_rel.target if comments_rel else None
    if comments_part and pkg.has(comments_part):
        text = pkg.text(comments_part)
        existing = _existing_refs(text)
        if threaded:  # Excel mirrors threaded comments here; editing them would desync it
            notes = {key: note for key, note in notes.items() if _ref(key) not in existing}
        text, new_refs = _merge_comments(text, notes, existing)
        pkg.set_text(comments_part, text)
        result.touched.append(comments_part)
    else:
        comments_part = pkg.unique_name("xl/sheetcheck-comments.xml")
        text, new_refs = _merge_comments(_empty_comments(), notes, set())
        pkg.set_text(comments_part, text)
        pkg.add_override(comments_part, CT_COMMENTS)
        pkg.add_relationship(sheet_part, REL_COMMENTS, comments_part)
        result.created.append(comments_part)

    result.new = list(new_refs)
    result.appended = sorted(set(notes) - set(new_refs))
    if vml_part and pkg.has(vml_part):
        vml = pkg.text(vml_part)
        pkg.set_text(vml_part, _append_shapes(vml, new_refs))
        result.touched.append(vml_part)
    else:
        vml_part = pkg.unique_name("xl/drawings/sheetcheck-notes.vml")
        block = (
            1
            + max(
                (_max_shape_id(pkg, name) for name in pkg.parts if name.endswith(".vml")), default=0
            )
            // 1024
        )
        pkg.set_text(vml_part, _new_vml(new_refs, block))
        pkg.ensure_default("vml", CT_VML)
        if pkg.content_type(vml_part) != CT_VML:
            pkg.add_override(vml_part, CT_VML)
        rid = pkg.add_relationship(sheet_part, REL_VML, vml_part)
        result.created.append(vml_part)
        p = cells.root_prefix(sheet_text)
        rel_prefix = prefix_for(sheet_text, NS_REL)
        if rel_prefix:
            element = f'<{p}legacyDrawing {rel_prefix}id="{rid}"/>'
        else:
            element = f'<{p}legacyDrawing xmlns:r="{NS_REL}" r:id="{rid}"/>'
        result.sheet_splices.append(cells.element_splice(sheet_text, "legacyDrawing", element))
    return result


def notes_problem(pkg: Package, sheet_part: str, sheet_text: str) -> str | None:
    """Why notes cannot be added to this sheet, or None when they can."""
    rels = pkg.relationships(sheet_part)
    try:
        vml_part = _legacy_drawing(sheet_text, {rel.id: rel for rel in rels})
        if vml_part and pkg.has(vml_part):
            _append_shapes(pkg.text(vml_part), [(1, 1)])
        comments = next((r for r in rels if r.type == REL_COMMENTS and not r.external), None)
        if comments and pkg.has(comments.target):
            text = pkg.text(comments.target)
            for name in ("authors", "commentList"):
                _append_child(text, name, "")
    except NotesUnsupported as err:
        return str(err)
    return None


def _ref(key: tuple[int, int]) -> str:
    return f"{column_letter(key[1])}{key[0]}"


def _legacy_drawing(sheet_text: str, by_id: Mapping[str, object]) -> str | None:
    found = _LEGACY.search(sheet_text, cells.after_sheet_data(sheet_text))
    if not found:
        return None
    rid = re.search(r"\s[\w.-]+:id\s*=\s*([\"'])(.*?)\1", found.group(0))
    rel = by_id.get(unescape_attr(rid.group(2))) if rid else None
    if rel is None or getattr(rel, "type", "") != REL_VML:
        raise NotesUnsupported("its note drawing is not linked the usual way")
    return str(getattr(rel, "target", ""))


def _existing_refs(text: str) -> set[str]:
    return {
        unescape_attr(get_attr(m.group(0), "ref") or "").upper() for m in _COMMENT.finditer(text)
    }


def _empty_comments() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{NS_MAIN}"><authors></authors><commentList></commentList></comments>'
    )


def _merge_comments(
    text: str, notes: dict[tuple[int, int], str], existing: set[str]
) -> tuple[str, list[tuple[int, int]]]:
    """Add our author and notes; returns the text and the cells that got a new comment."""
    root = tag_re("comments").search(text)
    p = root.group(1) if root else ""
    author_id = len(re.findall(rf"<{_P}author\b", text))
    text = _append_child(text, "authors", f"<{p}author>{AUTHOR}</{p}author>")
    appended: dict[str, str] = {}
    new_elements = []
    new_refs = []
    title = t_element(MARKER, p)
    for key in sorted(notes):
        ref = _ref(key)
        note = clean_text(notes[key])
        if ref in existing:
            appended[ref] = f"<{p}r>{t_element(APPENDED + note, p)}</{p}r>"
        else:
            new_refs.append(key)
            new_elements.append(
                f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text>'
                f'<{p}r><{p}rPr><{p}b/><{p}sz val="9"/></{p}rPr>{title}</{p}r>'
                f'<{p}r><{p}rPr><{p}sz val="9"/></{p}rPr>{t_element(chr(10) + note, p)}</{p}r>'
                f"</{p}text></{p}comment>"
            )
    if appended:
        text = _COMMENT.sub(lambda m: _append_run(m.group(0), appended), text)
    return _append_child(text, "commentList", "".join(new_elements)), new_refs


def _append_run(element: str, appended: dict[str, str]) -> str:
    ref = unescape_attr(get_attr(element, "ref") or "").upper()
    run = appended.get(ref)
    if run is None:
        return element
    stop = re.search(rf"<{_P}rPh\b|<{_P}phoneticPr\b|</{_P}text\s*>", element)
    if stop is None:
        return element
    return element[: stop.start()] + run + element[stop.start() :]


def _append_child(text: str, name: str, child: str) -> str:
    start = tag_re(name).search(text)
    if start is None:
        raise NotesUnsupported(f"its comments part has no {name} list")
    if start.group(0).endswith("/>"):
        opened = start.group(0)[:-2].rstrip() + ">"
        return (
            f"{text[: start.start()]}{opened}{child}</{start.group(1)}{name}>{text[start.end() :]}"
        )
    end = end_re(name).search(text, start.end())
    if end is None:
        raise NotesUnsupported(f"its comments part has a damaged {name} list")
    return text[: end.start()] + child + text[end.start() :]


def _shape(key: tuple[int, int], shape_id: int, prefixes: dict[str, str]) -> str:
    row, col = key[0] - 1, key[1] - 1
    anchor = f"{col + 1}, 15, {max(row - 1, 0)}, 10, {col + 4}, 15, {max(row - 1, 0) + 6}, 4"
    shape_xml = (
        '<{v}shape id="_x0000_s%d" type="#_x0000_t202" style="position:absolute;'
        "margin-left:59.25pt;margin-top:1.5pt;width:216pt;height:90pt;z-index:1;"
        'visibility:hidden" fillcolor="#ffffe1" {o}insetmode="auto"><{v}fill color2="#ffffe1"/>'
        '<{v}shadow on="t" color="black" obscured="t"/><{v}path {o}connecttype="none"/>'
        '<{v}textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
        '</{v}textbox><{x}ClientData ObjectType="Note"><{x}MoveWithCells/><{x}SizeWithCells/>'
        "<{x}Anchor>%s</{x}Anchor><{x}AutoFill>False</{x}AutoFill>"
        "<{x}Row>%d</{x}Row><{x}Column>%d</{x}Column></{x}ClientData></{v}shape>"
    )
    return shape_xml.format(**prefixes) % (shape_id, anchor, row, col)


def _new_vml(refs: list[tuple[int, int]], block: int) -> str:
    blocks = ",".join(str(block + k) for k in range(len(refs) // 1024 + 1))
    first = block * 1024 + 1
    shapes = "".join(_shape(key, first + k, STANDARD) for k, key in enumerate(refs))
    namespaces = " ".join(f'xmlns:{p}="{ns}"' for p, ns in _VML_NS.items())
    return (
        f'<xml {namespaces}><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{blocks}"/>'
        f"</o:shapelayout>{SHAPETYPE.format(**STANDARD)}{shapes}</xml>"
    )


def _max_shape_id(pkg: Package, name: str) -> int:
    try:
        text = pkg.parts[name].decode("utf-8", "replace")
    except KeyError:
        return 0
    return max((int(m.group(1)) for m in _SHAPE_ID.finditer(text)), default=0)


def _vml_root(vml: str) -> tuple[re.Match[str], dict[str, str], str]:
    """The root tag, the prefix used for each VML namespace, and declarations to add."""
    root = re.search(r"<xml\b[^>]*>", vml)
    if root is None or vml.rfind("</xml>") < 0:
        raise NotesUnsupported("its note drawing is damaged")
    declared = {
        found.group(3): found.group(1)
        for found in re.finditer(r"\sxmlns:([\w.-]+)\s*=\s*([\"'])(.*?)\2", root.group(0))
    }
    prefixes: dict[str, str] = {}
    extra = ""
    for short, namespace in _VML_NS.items():
        if namespace in declared:
            prefixes[short] = declared[namespace] + ":"
            continue
        name = short if short not in declared.values() else f"sc{short}"
        prefixes[short] = name + ":"
        extra += f' xmlns:{name}="{namespace}"'
    return root, prefixes, extra


def _append_shapes(vml: str, refs: list[tuple[int, int]]) -> str:
    root, prefixes, extra = _vml_root(vml)
    if not refs:
        return vml
    end = vml.rfind("</xml>")
    start = max((int(m.group(1)) for m in _SHAPE_ID.finditer(vml)), default=1024) + 1
    shapetype = (
        "" if re.search(r"id\s*=\s*[\"']_x0000_t202[\"']", vml) else SHAPETYPE.format(**prefixes)
    )
    shapes = "".join(_shape(key, start + k, prefixes) for k, key in enumerate(refs))
    head = vml[: root.end() - 1] + extra + vml[root.end() - 1 : end]
    return head + shapetype + shapes + vml[end:]
