"""Loading rule packs: JSON -> validated against the meta-schema -> a compiled :class:`RulePack`.

A pack is loaded once and compiled into plain Python objects the engine, the template compiler
and the Excel front end all read: columns with their aliases and enumerations, the rule
catalogue with messages, the row rules (JSON Schema fragments with the columns they read) and
the named function checks. Any problem is one :class:`~sheetcheck.errors.PackError` naming the
file and the JSON pointer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ._validated_packs import VALIDATED_PACKS
from .dates import DMY, DateFormat
from .errors import PackError
from .folding import fold_text
from .functions import CheckFunction, Fixer, get_fixer, get_function
from .model import Severity

EXT = "x-sheetcheck"
META_SCHEMA_NAME = "rule-pack.schema.json"
NON_PACK_FILES = {META_SCHEMA_NAME, "report.schema.json"}
BUILTIN_RULES = (
    "missing-column",
    "missing-sheet",
    "no-rows",
    "cell-error",
    "formula-not-calculated",
    "sheet-not-read",
)


def schemas_dir() -> Path:
    """The folder of bundled schemas: inside the installed package, or the source checkout's."""
    packaged = resources.files("sheetcheck") / "schemas"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schemas"


def normalize_header(text: object) -> str:
    """Header matching ignores case, surrounding spaces and repeated inner spaces."""
    return fold_text(text)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's catalogue entry: stable id, severity and the three parts of its message."""

    id: str
    severity: Severity
    title: str
    message: str
    why: str
    fix: str
    esfa: tuple[str, ...] = ()  # the funding body's rule ids it implements (ESFA ILR rules)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    description: str
    aliases: tuple[str, ...]
    schema: Mapping[str, Any]  # the property's JSON Schema
    json_type: str | None  # "string", "number", "integer" or None (enum only)
    enum: tuple[Any, ...] | None
    ignore_case: bool
    rule: str | None  # rule the column's own keywords report under
    function: CheckFunction | None  # value function reading the cell (dates)
    args: Mapping[str, Any]
    optional_column: bool
    width: float | None
    fix: Fixer | None = None  # the fixer for the column's findings, when the pack names one
    # The args as the value function receives them: ``args`` plus, for a function that
    # declares a ``date_format`` argument the column does not set, the pack's date format.
    function_args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def date_format(self) -> DateFormat | None:
        """The format of a date column's text (None: not a date column)."""
        pattern = self.function_args.get("date_format")
        return DateFormat.from_pattern(pattern) if isinstance(pattern, str) else None

    @property
    def names(self) -> tuple[str, ...]:
        """Every header text accepted for this column, normalized."""
        return (normalize_header(self.name), *(normalize_header(a) for a in self.aliases))

    @property
    def has_value_rules(self) -> bool:
        """True when validating the property schema can fail (beyond the type coercion)."""
        keywords = set(self.schema) - {"description", "title", "type", EXT, "$comment"}
        return bool(keywords)


@dataclass(frozen=True, slots=True)
class RowRule:
    """A JSON Schema fragment over one row (``allOf`` entry), with the columns it reads.

    ``reads`` maps each column the fragment depends on to True when it looks at the value,
    False when it only tests presence; the engine caches verdicts on that projection.
    """

    rule: str
    schema: Mapping[str, Any]
    column: str | None
    reads: Mapping[str, bool]
    pointer: str
    params: tuple[tuple[str, str], ...] = ()  # message parameters of this entry (consequence...)


@dataclass(frozen=True, slots=True)
class Check:
    """A named function applied to the table, optionally to the rows ``when`` accepts."""

    rule: str
    function: CheckFunction
    args: Mapping[str, Any]
    when: RowRule | None
    pointer: str
    fix: Fixer | None = None  # the fixer for the check's findings, when the pack names one
    yields_to: tuple[str, ...] = ()  # stronger rules: a row they report is not reported here


@dataclass(frozen=True, slots=True)
class RulePack:
    name: str
    title: str
    description: str
    source: str
    schema: Mapping[str, Any]
    columns: tuple[Column, ...]
    rules: Mapping[str, Rule]
    row_rules: tuple[RowRule, ...]
    checks: tuple[Check, ...]
    row_fields: Mapping[str, str]
    key_column: str
    sheet_title: str
    target: str
    header_search_rows: int = 20
    extension: Mapping[str, Any] = field(default_factory=dict)
    # Related tables: other sheets of the workbook, or other files named on the command line,
    # that this pack's checks read (see README "Related tables"). Each is a pack of its own
    # sharing the rule catalogue; ``origin`` says where its table comes from.
    related: Mapping[str, RulePack] = field(default_factory=dict)
    origin: str = "main"  # "main", "sheet" (another sheet) or "input" (a file option)
    sheet_name: str | None = None  # origin "sheet": the sheet's name
    sheet_aliases: tuple[str, ...] = ()  # origin "sheet": other names it may have (Licences)
    input_name: str | None = None  # origin "input": the option naming the file (baseline...)
    required: bool = False  # a related table the checks cannot do without
    # How the target writes dates as text; every reader and writer of dates asks the pack.
    date_format: DateFormat = DMY

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def header_index(self) -> dict[str, Column]:
        """Normalized header text (name or alias) -> column."""
        index: dict[str, Column] = {}
        for col in self.columns:
            for text in col.names:
                index.setdefault(text, col)
        return index


# --------------------------------------------------------------------------- loading


def bundled_pack_names() -> list[str]:
    """Names of the rule packs shipped with sheetcheck, sorted."""
    return sorted(p.stem for p in schemas_dir().glob("*.json") if p.name not in NON_PACK_FILES)


def resolve_pack_path(name_or_path: str | Path) -> Path:
    """A bundled pack's name ('enrollment-history') or a path to a pack file."""
    text = str(name_or_path)
    if text.endswith(".json") or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise PackError(text, "", "no such rule pack file")
        return path
    path = schemas_dir() / f"{text}.json"
    if text in NON_PACK_FILES or not path.is_file():
        known = ", ".join(bundled_pack_names())
        raise PackError(text, "", f"no bundled rule pack of that name (bundled: {known})")
    return path


def load_pack(name_or_path: str | Path) -> RulePack:
    """Load, validate and compile a rule pack. Bundled packs are cached."""
    path = resolve_pack_path(name_or_path)
    return _load_cached(str(path.resolve()))


@cache
def _load_cached(path: str) -> RulePack:
    source = Path(path)
    label = str(source) if source.parent != schemas_dir().resolve() else source.stem
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise PackError(label, "", f"cannot read the file ({err})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise PackError(
            label, "", f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None
    return compile_pack(data, label, validated=validation_key(text) in VALIDATED_PACKS)


@cache
def meta_schema() -> Mapping[str, Any]:
    path = schemas_dir() / META_SCHEMA_NAME
    loaded: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _meta_schema_digest() -> bytes:
    return hashlib.sha256((schemas_dir() / META_SCHEMA_NAME).read_bytes()).digest()


def validation_key(text: str) -> str:
    """What identifies a pack's validation: the hash of the meta-schema's bytes and the
    pack's text together. A pack whose key is in VALIDATED_PACKS is exactly a text the same
    meta-schema has accepted (tests/test_pack_validation_record.py keeps the record current); any other text,
    a bundled pack edited in place included, is validated."""
    digest = hashlib.sha256(_meta_schema_digest())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def pointer(path: Iterator[Any] | Any) -> str:
    """A JSON pointer ('/x-sheetcheck/rules/required/severity') from path parts."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else "/"


def compile_pack(data: Any, label: str, *, validated: bool = False) -> RulePack:
    """Validate ``data`` (a parsed pack) and compile it. Raises PackError, never anything else.

    ``validated``: the meta-schema has accepted this very pack before (a bundled pack whose
    text is recorded in VALIDATED_PACKS), so only the compiler's own checks run; the
    meta-schema validation costs about 0.05 s a pack, on every run of the command line."""
    if not validated:
        _validate(data, label)
    return _Compiler(data, label).compile()


def _validate(data: Any, label: str) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError, best_match

    validator = Draft202012Validator(meta_schema())
    errors = list(validator.iter_errors(data))
    unknown = _unknown_keyword(errors)
    if unknown is not None:
        raise unknown.located(label)
    error = best_match(errors)
    if error is not None:
        raise PackError(label, pointer(error.absolute_path), _short(error.message))
    try:
        Draft202012Validator.check_schema(data)
    except SchemaError as err:
        raise PackError(label, pointer(err.absolute_path), _short(err.message)) from None


@dataclass(frozen=True)
class _UnknownKeyword:
    """A keyword outside the closed vocabulary of a column or row schema (a typo such as
    'enun' would otherwise drop its rule without a word)."""

    path: tuple[Any, ...]
    keyword: str
    allowed: tuple[str, ...]

    def located(self, label: str) -> PackError:
        import difflib

        close = difflib.get_close_matches(self.keyword, self.allowed, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        reason = (
            f'unknown keyword "{self.keyword}"{hint}: sheetcheck would ignore it and its rule. '
            f"Keywords understood here: {', '.join(sorted(self.allowed, key=str.casefold))}"
        )
        return PackError(label, pointer((*self.path, self.keyword)), reason)


_CLOSED = ("column", "valueSchema", "rowSchema", "rowRule")  # the meta-schema's JSON Schemas


def _unknown_keyword(errors: Sequence[Any]) -> _UnknownKeyword | None:
    """The first keyword a closed schema of the meta-schema refused, searching every branch."""
    closed = [meta_schema()["$defs"][name] for name in _CLOSED]
    stack = list(errors)
    while stack:
        error = stack.pop(0)
        if error.validator == "additionalProperties" and error.schema in closed:
            allowed = tuple(error.schema["properties"])
            extra = [k for k in error.instance if k not in allowed]
            if extra:
                return _UnknownKeyword(tuple(error.absolute_path), extra[0], allowed)
        stack.extend(error.context or ())
    return None


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


class _Compiler:
    """Turns a meta-schema-valid pack into a RulePack, checking what the meta-schema cannot."""

    def __init__(self, data: Mapping[str, Any], label: str) -> None:
        self.data = data
        self.label = label
        self.ext: Mapping[str, Any] = data[EXT]
        self.used_rules: set[str] = set()

    def fail(self, ptr: str, reason: str) -> PackError:
        return PackError(self.label, ptr, reason)

    def compile(self) -> RulePack:
        try:
            self.date_format = DateFormat.from_pattern(self.ext.get("date_format", DMY.pattern))
        except ValueError as err:
            raise self.fail(f"/{EXT}/date_format", str(err)) from None
        self.rules = {
            rid: Rule(
                rid,
                entry["severity"],
                entry["title"],
                entry["message"],
                entry["why"],
                entry["fix"],
                tuple(entry.get("esfa", ())),
            )
            for rid, entry in self.ext["rules"].items()
        }
        self.used_rules.add("missing-column")
        related = {
            name: self._table(entry, entry, f"/{EXT}/related/{name}", f"{self.ext['name']}:{name}")
            for name, entry in self.ext.get("related", {}).items()
        }
        pack = self._table(self.data, self.ext, "", self.ext["name"])
        unused = sorted(set(self.rules) - self.used_rules - set(BUILTIN_RULES))
        if unused:
            raise self.fail(
                f"/{EXT}/rules/{unused[0]}",
                "rule is defined but no column, row rule or check uses it",
            )
        if "missing-column" not in self.rules:
            raise self.fail(f"/{EXT}/rules", "the catalogue must define 'missing-column'")
        return replace(pack, related=related)

    def _table(
        self, data: Mapping[str, Any], ext: Mapping[str, Any], base: str, name: str
    ) -> RulePack:
        """The part of a pack that describes one table: the main one, or a related one."""
        self.base = base
        ext_ptr = base or f"/{EXT}"
        columns = tuple(self._column(col, prop) for col, prop in data["properties"].items())
        self.column_names = {c.name for c in columns}
        self._check_aliases(columns)
        row_rules = tuple(
            self._row_rule(entry, f"{base}/allOf/{i}")
            for i, entry in enumerate(data.get("allOf", []))
        )
        checks = tuple(
            self._check(entry, f"{ext_ptr}/checks/{i}")
            for i, entry in enumerate(ext.get("checks", []))
        )
        row_fields = dict(ext.get("row_fields", {}))
        for key, col in row_fields.items():
            self._need_column(col, f"{ext_ptr}/row_fields/{key}")
        key_column = ext.get("key_column", columns[0].name)
        self._need_column(key_column, f"{ext_ptr}/key_column")
        return RulePack(
            name=name,
            title=data["title"],
            description=data.get("description", ""),
            source=self.label,
            schema=data,
            columns=columns,
            rules=self.rules,
            row_rules=row_rules,
            checks=checks,
            row_fields=row_fields,
            key_column=key_column,
            sheet_title=ext.get("sheet_title", data["title"][:31]),
            target=self.ext.get("target", "the target system"),
            header_search_rows=self.ext.get("header_search_rows", 20),
            extension=ext,
            origin=ext.get("source", "main"),
            sheet_name=ext.get("sheet"),
            sheet_aliases=tuple(ext.get("sheet_aliases", ())),
            input_name=ext.get("input"),
            required=bool(ext.get("required", False)),
            date_format=self.date_format,
        )

    def _use_rule(self, rid: str, ptr: str) -> str:
        if rid not in self.rules and rid not in BUILTIN_RULES:
            raise self.fail(ptr, f"rule '{rid}' is not defined in /{EXT}/rules")
        self.used_rules.add(rid)
        return rid

    def _need_column(self, name: str, ptr: str) -> None:
        if name not in self.column_names:
            raise self.fail(ptr, f"'{name}' is not a column of this pack")

    def _column(self, name: str, prop: Mapping[str, Any]) -> Column:
        ptr = f"{self.base}/properties/{pointer([name])[1:]}"
        meta = prop[EXT]
        rule = meta.get("rule")
        if rule is not None:
            self._use_rule(rule, f"{ptr}/{EXT}/rule")
        for sub_ptr, annotation in _annotations(prop, ptr):
            if "rule" in annotation and sub_ptr != ptr:
                self._use_rule(annotation["rule"], f"{sub_ptr}/{EXT}/rule")
        function = None
        if "function" in meta:
            function = self._function(
                meta["function"], "value", meta.get("args", {}), f"{ptr}/{EXT}"
            )
        col = Column(
            name=name,
            description=prop["description"],
            aliases=tuple(meta.get("aliases", ())),
            schema=prop,
            json_type=prop.get("type"),
            enum=tuple(prop["enum"]) if "enum" in prop else None,
            ignore_case=bool(meta.get("ignore_case", False)),
            rule=rule,
            function=function,
            args=meta.get("args", {}),
            optional_column=bool(meta.get("optional_column", False)),
            width=meta.get("width"),
            fix=self._fixer(meta.get("fix"), f"{ptr}/{EXT}/fix"),
            function_args=self._function_args(function, meta.get("args", {}), f"{ptr}/{EXT}"),
        )
        if col.has_value_rules and rule is None and not _all_annotated(prop):
            raise self.fail(
                f"{ptr}/{EXT}",
                "the column has validation keywords but names no 'rule' to report them under",
            )
        return col

    def _function_args(
        self, function: CheckFunction | None, args: Mapping[str, Any], ptr: str
    ) -> Mapping[str, Any]:
        """A value function's args with the pack's date format filled in where it takes one."""
        if function is None:
            return args
        if "date_format" in args:
            try:
                DateFormat.from_pattern(args["date_format"])
            except ValueError as err:
                raise self.fail(f"{ptr}/args/date_format", str(err)) from None
            return args
        if "date_format" not in function.args_schema.get("properties", {}):
            return args
        return {**args, "date_format": self.date_format.pattern}

    def _check_aliases(self, columns: tuple[Column, ...]) -> None:
        seen: dict[str, str] = {}
        for col in columns:
            for text in col.names:
                if text in seen and seen[text] != col.name:
                    raise self.fail(
                        f"/properties/{col.name}/{EXT}/aliases",
                        f"header '{text}' would match both '{seen[text]}' and '{col.name}'",
                    )
                seen[text] = col.name

    def _row_rule(self, entry: Mapping[str, Any], ptr: str, rule: str | None = None) -> RowRule:
        meta = entry.get(EXT, {})
        rule = self._use_rule(rule or meta["rule"], f"{ptr}/{EXT}/rule")
        column = meta.get("column")
        if column is not None:
            self._need_column(column, f"{ptr}/{EXT}/column")
        reads: dict[str, bool] = {}
        try:
            _collect_reads(entry, reads)
        except _Opaque as err:
            raise self.fail(
                ptr, f"row rules cannot use '{err.keyword}' (it depends on every column)"
            ) from None
        for col in reads:
            self._need_column(col, ptr)
        params = tuple((k, str(v)) for k, v in meta.get("params", {}).items())
        return RowRule(rule, entry, column, reads, ptr, params)

    def _check(self, entry: Mapping[str, Any], ptr: str) -> Check:
        rule = self._use_rule(entry["rule"], f"{ptr}/rule")
        args = entry.get("args", {})
        function = self._function(entry["function"], "table", args, ptr)
        when = None
        if "when" in entry:
            when = self._row_rule({**_as_schema(entry["when"]), EXT: {"rule": rule}}, f"{ptr}/when")
        stronger = tuple(entry.get("yields_to", ()))
        for k, other in enumerate(stronger):
            if other not in self.rules and other not in BUILTIN_RULES:
                raise self.fail(
                    f"{ptr}/yields_to/{k}", f"rule '{other}' is not defined in /{EXT}/rules"
                )
        fix = self._fixer(entry.get("fix"), f"{ptr}/fix")
        return Check(rule, function, args, when, ptr, fix, stronger)

    def _fixer(self, name: str | None, ptr: str) -> Fixer | None:
        if name is None:
            return None
        found = get_fixer(name)
        if found is None:
            raise self.fail(
                ptr, f"unknown fixer '{name}' (is the plug-in that provides it installed?)"
            )
        return found

    def _function(self, name: str, kind: str, args: Mapping[str, Any], ptr: str) -> CheckFunction:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import best_match

        function = get_function(name)
        if function is None:
            raise self.fail(
                f"{ptr}/function",
                f"unknown check function '{name}' (is the plug-in that provides it installed?)",
            )
        if function.kind != kind:
            raise self.fail(
                f"{ptr}/function", f"'{name}' is a {function.kind} function; it cannot be used here"
            )
        error = best_match(Draft202012Validator(function.args_schema).iter_errors(args))
        if error is not None:
            raise self.fail(
                pointer([*ptr.strip("/").split("/"), "args", *error.absolute_path]),
                _short(error.message),
            )
        for arg in function.columns_from:
            value = args.get(arg)
            names = [value] if isinstance(value, str) else list(value or [])
            for i, col in enumerate(names):
                self._need_column(
                    col, f"{ptr}/args/{arg}" + ("" if isinstance(value, str) else f"/{i}")
                )
        return function


def _as_schema(value: Any) -> dict[str, Any]:
    if value is True:
        return {}
    if value is False:
        return {"not": {}}
    return dict(value)


def _annotations(schema: Any, ptr: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every x-sheetcheck annotation inside a schema, with its pointer."""
    if isinstance(schema, Mapping):
        if isinstance(schema.get(EXT), Mapping):
            yield ptr, schema[EXT]
        for key, value in schema.items():
            if key != EXT:
                yield from _annotations(value, f"{ptr}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _annotations(value, f"{ptr}/{i}")


def _all_annotated(prop: Mapping[str, Any]) -> bool:
    return all("rule" in a for p, a in _annotations(prop, "") if p)


class _Opaque(Exception):
    def __init__(self, keyword: str) -> None:
        self.keyword = keyword


_OPAQUE = {
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "patternProperties",
    "$ref",
    "$dynamicRef",
}
_SCHEMA_LIST = {"allOf", "anyOf", "oneOf", "prefixItems"}
_SCHEMA_ONE = {"not", "if", "then", "else", "items", "contains"}


def _collect_reads(schema: Any, reads: dict[str, bool]) -> None:
    """Which row properties a row-level schema fragment depends on, and whether by value."""
    if not isinstance(schema, Mapping):
        return
    for key, value in schema.items():
        if key in _OPAQUE:
            raise _Opaque(key)
        if key == "properties":
            for name, sub in value.items():
                reads[name] = True
                del (
                    sub
                )  # a property subschema reads the value; its content is the column's business
        elif key == "required":
            for name in value:
                reads.setdefault(name, False)
        elif key == "dependentRequired":
            for name, needs in value.items():
                reads.setdefault(name, False)
                for other in needs:
                    reads.setdefault(other, False)
        elif key == "dependentSchemas":
            for name, sub in value.items():
                reads.setdefault(name, False)
                _collect_reads(sub, reads)
        elif key in _SCHEMA_LIST:
            for sub in value:
                _collect_reads(sub, reads)
        elif key in _SCHEMA_ONE:
            _collect_reads(value, reads)


def strip_annotations(schema: Any) -> Any:
    """A schema without our ``x-sheetcheck`` annotations (for jsonschema and the compilers)."""
    if isinstance(schema, Mapping):
        return {k: strip_annotations(v) for k, v in schema.items() if k != EXT}
    if isinstance(schema, list):
        return [strip_annotations(v) for v in schema]
    return schema
