"""Check functions that compare a table with a related one, or look at the table as a whole.

A rule pack declares the other tables under ``x-sheetcheck.related`` (another sheet of the
workbook, or a file named on the command line such as ``--baseline``); the functions here
name one by that key in their ``related`` argument and say which columns correspond with a
``match`` object: ``{"main table column": "related table column", ...}``.

``reference``
    Rows of this table looked up in the related one by the ``match`` columns. ``expect``:
    ``present`` (default; a row whose key is not there is reported), ``absent`` (a row whose
    key *is* there is reported, naming the related row) or ``same`` (a row found there whose
    ``compare`` columns differ is reported; compared exactly, case and accents included, only
    surrounding and repeated spaces aside: the target sees any other difference). ``within`` limits ``present`` to rows whose key on
    those columns alone is found (so "unknown program" and "component not in that program"
    are two rules, never both on one row).
``absent-rows``
    Related rows whose key is on no row of this table (students who would be deleted): one
    file-level finding per related row, or one summary finding with ``summary``.
``count-limit``
    Rows per key counted against a number on the related row (enrollments per course against
    licenses): one finding per key over its limit, on the first row over it.
``blank-rows``
    Blank rows inside the data (and between the header and the first row), on the row after
    each gap: importers that stop at the first blank row lose everything below it.
``similar-names``
    New people (their id not in the related table) whose name is close to a related person
    sharing a block (same class or same year): same name, accents or case, swapped given and
    family name, a one-letter typo. See :mod:`sheetcheck.names`.

Key values compare by their typed value where the column has one (dates), else by the
normalized text; surrounding and repeated spaces never count, case only without
``ignore_case``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import PackError
from ..names import NameIndex, plain_name
from ..values import display_value
from . import Context, Finding, TableView, check_function

_MATCH = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "string", "minLength": 1},
    "description": "main-table column -> related-table column",
}
_PAIR = {**_MATCH, "maxProperties": 1, "description": "one main column -> its related column"}
_COLUMNS = {"type": "array", "items": {"type": "string"}, "minItems": 1}
_RELATED = {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"}
_OPTION = {"type": "string", "minLength": 1, "description": "a pack setting, e.g. allow_deletions"}

Key = tuple[Any, ...]


# --------------------------------------------------------------------------- helpers


def _related(view: TableView, args: Mapping[str, Any]) -> TableView | None:
    """The related table's view, or None when it was not given (its absence is reported by the
    engine when required). A pack naming a related column that does not exist is a pack bug."""
    other = view.related(args["related"])
    if other is None:
        return None
    known = {c.name for c in other.pack.columns}
    wanted = [*args.get("match", {}).values(), *args.get("compare", {}).values()]
    wanted += [args[a] for a in ("limit",) if a in args]
    for name in wanted:
        if name not in known:
            raise PackError(
                view.pack.source,
                f"/x-sheetcheck/related/{args['related']}",
                f"'{name}' is not a column of the related table '{args['related']}'",
            )
    return other


def _part(typed: Any, json: Any, fold: bool) -> Any:
    value = typed if typed is not None else json
    if isinstance(value, str):
        value = " ".join(value.split())
        if fold:
            value = value.casefold()
        return value or None
    return value


def _keys(view: TableView, columns: Sequence[str], fold: bool) -> list[Key] | None:
    """Per row of the table, the key on ``columns``; None when a column is absent."""
    if not all(view.has(c) for c in columns):
        return None
    parts = [
        [_part(t, j, fold) for t, j in zip(view.typed(c), view.json(c), strict=True)]
        for c in columns
    ]
    return list(zip(*parts, strict=True)) if parts else []


def _first_rows(view: TableView, keys: Sequence[Key]) -> dict[Key, int]:
    first: dict[Key, int] = {}
    for index in view.rows:
        first.setdefault(keys[index], index)
    return first


def _related_fields(other: TableView, index: int) -> dict[str, Any]:
    """The related row's row_fields as ``related_<name>`` message parameters, and its place:
    ``related_row``, ``related_sheet`` and ``related_file`` (the --baseline file's name, or
    "the <sheet> sheet" for a sheet of the same workbook)."""
    fields: dict[str, Any] = {
        "related_row": other.row_number(index),
        "related_sheet": other.sheet,
        "related_file": other.source or f"the {other.sheet} sheet",
    }
    for name, column in other.pack.row_fields.items():
        fields[f"related_{name}"] = other.display(column, index) if other.has(column) else ""
    fields["related_cell"] = other.cell(other.pack.key_column, index)
    return fields


def _option_allows(args: Mapping[str, Any], context: Context) -> bool:
    """``if_option`` runs the check only when that setting is on, ``unless_option`` only when off."""
    if "if_option" in args and not context.options.get(args["if_option"]):
        return False
    return not ("unless_option" in args and context.options.get(args["unless_option"]))


# --------------------------------------------------------------------------- reference


@check_function(
    "reference",
    "table",
    {
        "type": "object",
        "required": ["related", "match"],
        "properties": {
            "related": _RELATED,
            "match": _MATCH,
            "expect": {"enum": ["present", "absent", "same"]},
            "within": _COLUMNS,
            "compare": _MATCH,
            "column": {"type": "string"},
            "ignore_case": {"type": "boolean"},
        },
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"expect": {"const": "same"}}, "required": ["expect"]},
                "then": {"required": ["compare"]},
                "else": {"not": {"required": ["compare"]}},
            }
        ],
    },
    columns_from=("match", "within", "compare", "column"),
)
def reference(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """Rows looked up in a related table by their ``match`` columns (see the module docstring).

    Reported on ``column`` (default: for ``present`` the last ``match`` column, the one most
    likely wrong; for ``absent`` the first; for ``same`` the first ``compare`` column that
    differs). ``present`` and ``same`` skip rows with an empty key
    cell (the ``required`` rule reports those); ``absent`` skips only rows empty on every key
    column.
    """
    other = _related(view, args)
    if other is None:
        return
    fold = bool(args.get("ignore_case"))
    mains, rels = list(args["match"]), list(args["match"].values())
    keys, other_keys = _keys(view, mains, fold), _keys(other, rels, fold)
    if keys is None or other_keys is None:
        return
    found = _first_rows(other, other_keys)
    expect = args.get("expect", "present")
    column = args.get("column", mains[0] if expect == "absent" else mains[-1])
    if expect == "present":
        yield from _present(view, other, args, keys, found, column=column, fold=fold)
    elif expect == "absent":
        for index in view.rows:
            key = keys[index]
            if any(part is not None for part in key) and key in found:
                yield Finding(index, column, _related_fields(other, found[key]))
    else:
        yield from _same(view, other, args, keys, found)


def _present(
    view: TableView,
    other: TableView,
    args: Mapping[str, Any],
    keys: Sequence[Key],
    found: Mapping[Key, int],
    *,
    column: str,
    fold: bool,
) -> Iterator[Finding]:
    mains = list(args["match"])
    within = [mains.index(c) for c in args.get("within", ())]
    scope = {tuple(key[i] for i in within) for key in found}
    position = mains.index(column) if column in mains else len(mains) - 1
    options = _options_by_scope(other, args, found, within, position)
    for index in view.rows:
        key = keys[index]
        if any(part is None for part in key) or key in found:
            continue
        narrow = tuple(key[i] for i in within)
        if within and narrow not in scope:
            continue  # another rule reports the unknown outer key
        params: dict[str, Any] = {"related_sheet": other.sheet}
        params.update(_suggest(key[position], options.get(narrow, {}), fold))
        yield Finding(index, column, params)


def _options_by_scope(
    other: TableView,
    args: Mapping[str, Any],
    found: Mapping[Key, int],
    within: Sequence[int],
    position: int,
) -> dict[Key, dict[Any, str]]:
    """For suggestions: per ``within`` key, the related values of the reported column."""
    column = list(args["match"].values())[position]
    shown = other.json(column)
    options: dict[Key, dict[Any, str]] = {}
    for key, index in found.items():
        narrow = tuple(key[i] for i in within)
        options.setdefault(narrow, {})[key[position]] = display_value(shown[index])
    return options


def _suggest(value: Any, options: Mapping[Any, str], fold: bool) -> dict[str, str]:
    if not isinstance(value, str) or not options:
        return {}
    texts = {str(k) if fold else str(k).casefold(): v for k, v in options.items()}
    wanted = value if fold else value.casefold()
    close = difflib.get_close_matches(wanted, list(texts), n=1, cutoff=0.75)
    if not close:
        return {}
    best = texts[close[0]]
    return {"suggestion": best, "suggestion_text": f' (did you mean "{best}"?)'}


def _same(
    view: TableView,
    other: TableView,
    args: Mapping[str, Any],
    keys: Sequence[Key],
    found: Mapping[Key, int],
) -> Iterator[Finding]:
    pairs = [(m, r) for m, r in args["compare"].items() if view.has(m) and other.has(r)]
    if not pairs:
        return
    mine = {m: view.json(m) for m, _ in pairs}
    theirs = {r: other.json(r) for _, r in pairs}
    for index in view.rows:
        key = keys[index]
        if any(part is None for part in key) or key not in found:
            continue
        there = found[key]
        differs = [
            m
            for m, r in pairs
            if _part(None, mine[m][index], False) != _part(None, theirs[r][there], False)
        ]
        if differs:
            params = _related_fields(other, there)
            params["related_values"] = " ".join(
                plain_name(display_value(theirs[r][there])) for _, r in pairs
            ).strip()
            params["values"] = " ".join(
                plain_name(display_value(mine[m][index])) for m, _ in pairs
            ).strip()
            yield Finding(index, args.get("column", differs[0]), params)


# --------------------------------------------------------------------------- absent-rows


@check_function(
    "absent-rows",
    "table",
    {
        "type": "object",
        "required": ["related", "match"],
        "properties": {
            "related": _RELATED,
            "match": _MATCH,
            "ignore_case": {"type": "boolean"},
            "summary": {"type": "boolean"},
            "describe": {
                "type": "string",
                "minLength": 1,
                "description": "summary examples: a template over the related row_fields",
            },
            "if_option": _OPTION,
            "unless_option": _OPTION,
        },
        "additionalProperties": False,
    },
    columns_from=("match",),
)
def absent_rows(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """Related rows whose key is on no row of this table: one file-level finding each (with the
    related row's fields as ``related_<name>``), or with ``summary`` one finding with ``count``
    and up to five ``examples`` (each the ``describe`` template filled from the related row's
    row_fields; default its key cell). Related rows with an empty key cell are ignored."""
    if not _option_allows(args, context):
        return
    other = _related(view, args)
    if other is None:
        return
    fold = bool(args.get("ignore_case"))
    keys = _keys(view, list(args["match"]), fold)
    other_keys = _keys(other, list(args["match"].values()), fold)
    if keys is None or other_keys is None:
        return
    present = {keys[i] for i in view.rows}
    missing = [
        i
        for i in other.rows
        if all(part is not None for part in other_keys[i]) and other_keys[i] not in present
    ]
    if not args.get("summary"):
        for index in missing:
            yield Finding(None, None, _related_fields(other, index))
        return
    if missing:
        examples = [_describe(other, i, args.get("describe")) for i in missing[:5]]
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        params = {"count": len(missing), "examples": ", ".join(examples) + more}
        yield Finding(None, None, {**params, "related_file": other.source or other.sheet})


def _describe(other: TableView, index: int, template: str | None) -> str:
    if template is None:
        return other.display(other.pack.key_column, index)
    fields = {
        name: other.display(col, index) if other.has(col) else ""
        for name, col in other.pack.row_fields.items()
    }
    return " ".join(template.format_map(_Blank(fields)).split())


class _Blank(dict[str, str]):
    """Template fields where an unknown name is left empty rather than failing the check."""

    def __missing__(self, key: str) -> str:
        return ""


# --------------------------------------------------------------------------- count-limit


@check_function(
    "count-limit",
    "table",
    {
        "type": "object",
        "required": ["related", "match", "limit"],
        "properties": {
            "related": _RELATED,
            "match": _MATCH,
            "limit": {"type": "string", "minLength": 1, "description": "related column"},
            "ignore_case": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    columns_from=("match",),
)
def count_limit(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """Rows per key against the related row's ``limit`` number; keys the related table does not
    list, and related rows whose limit is empty or not a number, are not limited. When a key is
    listed twice the first listing counts. Reported once per key, on the first row over the
    limit, with ``count``, ``limit`` and ``limit_cell``."""
    other = _related(view, args)
    if other is None or not other.has(args["limit"]):
        return
    fold = bool(args.get("ignore_case"))
    keys = _keys(view, list(args["match"]), fold)
    other_keys = _keys(other, list(args["match"].values()), fold)
    if keys is None or other_keys is None:
        return
    limits: dict[Key, tuple[int, int]] = {}
    typed = other.typed(args["limit"])
    for index, key in zip(other.rows, other_keys, strict=True):
        value = typed[index]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in limits:
            limits[key] = (int(value), index)
    rows_by_key: dict[Key, list[int]] = {}
    for index in view.rows:
        if keys[index] in limits:
            rows_by_key.setdefault(keys[index], []).append(index)
    column = next(iter(args["match"]))
    for key, rows in rows_by_key.items():
        limit, at = limits[key]
        if len(rows) > limit:
            params = _related_fields(other, at)
            params.update(count=len(rows), limit=limit, limit_cell=other.cell(args["limit"], at))
            yield Finding(rows[limit], column, params)


# --------------------------------------------------------------------------- blank-rows


@check_function("blank-rows", "table", {"type": "object", "additionalProperties": False})
def blank_rows(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """Gaps in the sheet's row numbers: blank rows inside the data, or between the header and
    the first data row. Reported on the first row after each gap, with ``blank_rows`` ("5" or
    "5 to 7"), ``blank_text`` ("Row 5 is blank", "Rows 5 to 7 are blank"), ``blank_count`` and
    ``rows_below`` (data rows from this one on)."""
    previous = view.header_row
    rows = list(view.rows)
    for position, index in enumerate(rows):
        number = view.row_number(index)
        if number > previous + 1:
            first, last = previous + 1, number - 1
            span = str(first) if first == last else f"{first} to {last}"
            text = f"Row {span} is blank" if first == last else f"Rows {span} are blank"
            yield Finding(
                index,
                None,
                {
                    "blank_rows": span,
                    "blank_text": text,
                    "blank_count": last - first + 1,
                    "rows_below": len(rows) - position,
                },
            )
        previous = number


# --------------------------------------------------------------------------- similar-names


@check_function(
    "similar-names",
    "table",
    {
        "type": "object",
        "required": ["related", "id", "given", "family", "blocks"],
        "properties": {
            "related": _RELATED,
            "id": _PAIR,
            "given": _PAIR,
            "family": _PAIR,
            "blocks": {"type": "array", "items": _PAIR, "minItems": 1},
        },
        "additionalProperties": False,
    },
    columns_from=("id", "given", "family"),
)
def similar_names(view: TableView, args: Mapping[str, Any], context: Context) -> Iterator[Finding]:
    """New people whose name is close to someone in the related table sharing a block.

    ``id``, ``given`` and ``family`` each map one main column to the related one; a row whose
    id is found in the related table is not new and is skipped. ``blocks`` lists column
    correspondences of which at least one must be equal (ignoring case): e.g. same class, or
    same year. Reported on the given-name column with ``candidate`` (name, id, block),
    ``candidate_row`` and ``likeness`` (how the names resemble each other).
    """
    other = view.related(args["related"])
    if other is None:
        return
    id_main, id_rel = _one(args["id"])
    given_main, given_rel = _one(args["given"])
    family_main, family_rel = _one(args["family"])
    blocks = [_one(b) for b in args["blocks"]]
    needed = [(view, id_main), (view, given_main), (view, family_main)]
    needed += [(other, id_rel), (other, given_rel), (other, family_rel)]
    if not all(v.has(c) for v, c in needed):
        return
    usable = [(m, r) for m, r in blocks if view.has(m) and other.has(r)]
    known = {_part(None, v, True) for v in other.json(id_rel)}
    index = _build_index(other, id_rel, given_rel, family_rel, [r for _, r in usable])
    ids, givens, families = view.json(id_main), view.json(given_main), view.json(family_main)
    block_values = [(n, view.json(m)) for n, (m, _) in enumerate(usable)]
    for row in view.rows:
        if ids[row] is None or _part(None, ids[row], True) in known:
            continue
        if givens[row] is None or families[row] is None:
            continue
        mine = [(n, _part(None, values[row], True)) for n, values in block_values]
        hits = index.search(str(givens[row]), str(families[row]), [b for b in mine if b[1]])
        if hits:
            like, found = hits[0]
            assert isinstance(found, int)  # what _build_index stores
            yield Finding(row, given_main, _candidate(other, found, like.text, usable, mine))


def _one(pair: Mapping[str, str]) -> tuple[str, str]:
    main, rel = next(iter(pair.items()))
    return main, rel


def _build_index(
    other: TableView, id_col: str, given: str, family: str, blocks: Sequence[str]
) -> NameIndex:
    index = NameIndex()
    givens, families = other.json(given), other.json(family)
    columns = [(n, other.json(c)) for n, c in enumerate(blocks)]
    for row in other.rows:
        if givens[row] is None or families[row] is None:
            continue
        keys: list[tuple[int, Any]] = [(n, _part(None, values[row], True)) for n, values in columns]
        index.add(row, str(givens[row]), str(families[row]), [k for k in keys if k[1]])
    return index


def _candidate(
    other: TableView,
    row: int,
    like: str,
    blocks: Sequence[tuple[str, str]],
    mine: Sequence[tuple[int, Any]],
) -> dict[str, Any]:
    fields = _related_fields(other, row)
    shared = []
    for n, value in mine:
        rel_col = blocks[n][1]
        if value is not None and _part(None, other.json(rel_col)[row], True) == value:
            shared.append(f"same {rel_col.casefold()} {other.display(rel_col, row)}")
    fields.update(likeness=like, shared=", ".join(shared))
    return fields


__all__ = ["absent_rows", "blank_rows", "count_limit", "reference", "similar_names"]
