"""The compiled fast path agrees with jsonschema on every bundled column schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from sheetcheck.compiled import compile_value_schema
from sheetcheck.packs import bundled_pack_names, load_pack

COLUMNS = [
    (f"{name}:{col.name}", col.schema)
    for name in bundled_pack_names()
    for col in load_pack(name).columns
]

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.text(max_size=20),
    st.emails(),
    st.sampled_from(["Completed", "Passed", "a b@c.org", "x@y", "85", "1234567890", "", " "]),
)


def jsonschema_paths(schema: Any, value: Any) -> set[tuple[Any, ...]]:
    return {tuple(e.schema_path) for e in Draft202012Validator(schema).iter_errors(value)}


@pytest.mark.parametrize(("label", "schema"), COLUMNS, ids=[c[0] for c in COLUMNS])
@settings(max_examples=150, deadline=None)
@given(value=_values)
def test_same_failing_keywords_as_jsonschema(label: str, schema: Any, value: Any) -> None:
    compiled = compile_value_schema(schema)
    if compiled is None:
        pytest.skip(f"{label} uses keywords the fast path leaves to jsonschema")
    assert set(compiled(value)) == jsonschema_paths(schema, value)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer"}, 3.0),
        ({"type": "integer"}, True),
        ({"enum": [1, "a"]}, True),
        ({"enum": [1, "a"]}, 1.0),
        ({"const": False}, 0),
        ({"multipleOf": 0.5}, 1.5),
        ({"multipleOf": 3}, 7),
        ({"anyOf": [{"type": "string"}, {"minimum": 5}]}, 3),
        ({"oneOf": [{"type": "number"}, {"minimum": 5}]}, 7),
        ({"not": {"pattern": "^a"}}, "abc"),
        ({"if": {"pattern": "@"}, "then": {"maxLength": 3}, "else": {"minLength": 2}}, "a@bcd"),
        ({"if": {"pattern": "@"}, "then": {"maxLength": 3}, "else": {"minLength": 2}}, "a"),
        ({"exclusiveMinimum": 0, "exclusiveMaximum": 1}, 1),
    ],
)
def test_keyword_semantics(schema: dict[str, Any], value: Any) -> None:
    compiled = compile_value_schema(schema)
    assert compiled is not None
    assert set(compiled(value)) == jsonschema_paths(schema, value)


def test_unknown_keywords_fall_back() -> None:
    assert compile_value_schema({"uniqueItems": True}) is None
