"""A compiled fast path for the JSON Schema keywords column rules use on single cell values.

jsonschema costs tens of microseconds per call even for a one-keyword schema; a column of a
hundred thousand distinct logins would spend seconds there. Column schemas use a small
subset of keywords on scalar values, so they are compiled into plain Python closures that
report the same failing keywords (as schema paths) jsonschema would. A schema using anything
outside the subset is not compiled and the engine falls back to jsonschema; a property test
(tests/test_compiled.py) checks both agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Path = tuple[Any, ...]
Check = Callable[[Any], list[Path]]
Test = Callable[[Any], bool]

_IGNORED = {
    "description",
    "title",
    "$comment",
    "examples",
    "default",
    "format",
    "deprecated",
    "readOnly",
    "writeOnly",
}
_NUMERIC = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


class Unsupported(Exception):
    """The schema uses a keyword the fast path does not implement."""


def compile_value_schema(schema: Any) -> Check | None:
    """A function value -> [schema path of each failing keyword], or None if not compilable.

    Most values pass: a flat yes/no test (:func:`compile_value_test`) answers first, and the
    failing keywords are only collected for a value it rejects.
    """
    try:
        paths = _compile(schema)
        passes = _test(schema)
    except Unsupported:
        return None

    def check(value: Any) -> list[Path]:
        return [] if passes(value) else paths(value)

    return check


def compile_value_test(schema: Any) -> Test | None:
    """A function value -> whether ``schema`` accepts it (no keyword fails), or None if not
    compilable; the same verdict as the schema paths, without building them."""
    try:
        return _test(schema)
    except Unsupported:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: _is_number(v) and float(v).is_integer(),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _compile(schema: Any) -> Check:
    if schema is True:
        return lambda value: []
    if schema is False:
        return lambda value: [()]
    if not isinstance(schema, Mapping):
        raise Unsupported(repr(schema))
    checks: list[Check] = []
    for key, arg in schema.items():
        if key in _IGNORED or key.startswith("x-") or key in ("then", "else"):
            continue
        checks.append(_keyword(key, arg, schema))

    def run(value: Any) -> list[Path]:
        failures: list[Path] = []
        for check in checks:
            failures.extend(check(value))
        return failures

    return run


def _keyword(key: str, arg: Any, schema: Mapping[str, Any]) -> Check:
    if key == "type":
        names = [arg] if isinstance(arg, str) else list(arg)
        tests = [_TYPES[n] for n in names]
        return lambda v: [] if any(t(v) for t in tests) else [("type",)]
    if key == "enum":
        members = list(arg)
        return lambda v: [] if any(_json_equal(v, m) for m in members) else [("enum",)]
    if key == "const":
        return lambda v: [] if _json_equal(v, arg) else [("const",)]
    if key == "pattern":
        regex = re.compile(arg)
        return lambda v: [] if not isinstance(v, str) or regex.search(v) else [("pattern",)]
    if key in ("minLength", "maxLength"):
        low = key == "minLength"
        return lambda v: (
            [] if not isinstance(v, str) or (len(v) >= arg if low else len(v) <= arg) else [(key,)]
        )
    if key in _NUMERIC:
        return _numeric(key, arg)
    if key in ("allOf", "anyOf", "oneOf"):
        return _combinator(key, [_compile(sub) for sub in arg])
    if key == "not":
        inner = _compile(arg)
        return lambda v: [("not",)] if not inner(v) else []
    if key == "if":
        return _conditional(arg, schema)
    raise Unsupported(key)


def _numeric(key: str, arg: Any) -> Check:
    tests: dict[str, Callable[[Any], bool]] = {
        "minimum": lambda v: v >= arg,
        "maximum": lambda v: v <= arg,
        "exclusiveMinimum": lambda v: v > arg,
        "exclusiveMaximum": lambda v: v < arg,
        "multipleOf": lambda v: int(v / arg) == v / arg if isinstance(arg, float) else not v % arg,
    }
    test = tests[key]
    return lambda v: [] if not _is_number(v) or test(v) else [(key,)]


def _combinator(key: str, subs: list[Check]) -> Check:
    if key == "allOf":

        def all_of(v: Any) -> list[Path]:
            return [("allOf", i, *p) for i, sub in enumerate(subs) for p in sub(v)]

        return all_of
    if key == "anyOf":
        return lambda v: [] if any(not sub(v) for sub in subs) else [("anyOf",)]
    return lambda v: [] if sum(1 for sub in subs if not sub(v)) == 1 else [("oneOf",)]


def _conditional(condition: Any, schema: Mapping[str, Any]) -> Check:
    test = _compile(condition)
    then = _compile(schema["then"]) if "then" in schema else None
    other = _compile(schema["else"]) if "else" in schema else None

    def run(v: Any) -> list[Path]:
        if not test(v):
            return [("then", *p) for p in then(v)] if then is not None else []
        return [("else", *p) for p in other(v)] if other is not None else []

    return run


# --------------------------------------------------------------------------- yes/no tests
# The same keywords as above, answering only "does the value pass": no lists are built, and
# the common shapes (one keyword, two, an if without else) are one closure each.


def _test(schema: Any) -> Test:
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, Mapping):
        raise Unsupported(repr(schema))
    tests = [
        _keyword_test(key, arg, schema)
        for key, arg in schema.items()
        if not (key in _IGNORED or key.startswith("x-") or key in ("then", "else"))
    ]
    return _all(tests)


def _all(tests: list[Test]) -> Test:
    if not tests:
        return lambda value: True
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda value: first(value) and second(value)
    return lambda value: all(test(value) for test in tests)


def _keyword_test(key: str, arg: Any, schema: Mapping[str, Any]) -> Test:
    if key == "type":
        kinds = [_TYPES[n] for n in ([arg] if isinstance(arg, str) else list(arg))]
        if len(kinds) == 1:
            return kinds[0]
        return lambda v: any(kind(v) for kind in kinds)
    if key == "enum":
        members = list(arg)
        return lambda v: any(_json_equal(v, m) for m in members)
    if key == "const":
        return lambda v: _json_equal(v, arg)
    if key == "pattern":
        search = re.compile(arg).search
        return lambda v: not isinstance(v, str) or search(v) is not None
    if key in ("minLength", "maxLength"):
        if key == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= arg
        return lambda v: not isinstance(v, str) or len(v) <= arg
    if key in _NUMERIC:
        failures = _numeric(key, arg)
        return lambda v: not failures(v)
    if key == "allOf":
        return _all([_test(sub) for sub in arg])
    if key == "anyOf":
        subs = [_test(sub) for sub in arg]
        return lambda v: any(sub(v) for sub in subs)
    if key == "oneOf":
        subs = [_test(sub) for sub in arg]
        return lambda v: sum(1 for sub in subs if sub(v)) == 1
    if key == "not":
        inner = _test(arg)
        return lambda v: not inner(v)
    if key == "if":
        return _conditional_test(arg, schema)
    raise Unsupported(key)


def _conditional_test(condition: Any, schema: Mapping[str, Any]) -> Test:
    test = _test(condition)
    then = _test(schema["then"]) if "then" in schema else None
    other = _test(schema["else"]) if "else" in schema else None
    if other is None:
        if then is None:
            return lambda v: True
        return lambda v: not test(v) or then(v)
    if then is None:
        return lambda v: test(v) or other(v)
    return lambda v: then(v) if test(v) else other(v)
