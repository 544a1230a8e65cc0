"""Loading rule packs: bundled packs compile, broken packs give one error with a pointer."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheetcheck.errors import PackError
from sheetcheck.packs import bundled_pack_names, compile_pack, load_pack, schemas_dir

BASE: dict[str, Any] = json.loads((schemas_dir() / "enrollment-history.json").read_text())


def broken(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


_DELETE = object()
X = "x-sheetcheck"


def test_every_bundled_pack_loads() -> None:
    names = bundled_pack_names()
    assert "enrollment-history" in names
    for name in names:
        assert load_pack(name).name == name


@pytest.mark.parametrize(
    ("path", "value", "pointer", "words"),
    [
        (
            [X, "rules", "required", "severity"],
            "fatal",
            "/x-sheetcheck/rules/required/severity",
            "fatal",
        ),
        ([X, "rules", "required", "fix"], _DELETE, "/x-sheetcheck/rules/required", "fix"),
        (
            [X, "checks", 0, "function"],
            "no-such-function",
            "/x-sheetcheck/checks/0/function",
            "unknown check function",
        ),
        (
            [X, "checks", 1, "args", "key"],
            ["Login ID", "Nope"],
            "/x-sheetcheck/checks/1/args/key/1",
            "Nope",
        ),
        (
            [X, "checks", 0, "args", "columns"],
            "x",
            "/x-sheetcheck/checks/0/args/columns",
            "not of type",
        ),
        (["allOf", 1, X, "rule"], "no-such-rule", "/allOf/1/x-sheetcheck/rule", "not defined"),
        (["allOf", 1, X, "rule"], "Not Kebab", "/allOf/1/x-sheetcheck/rule", "does not match"),
        (
            [X, "rules", "unused-rule"],
            {"severity": "info", "title": "t", "message": "m", "why": "w", "fix": "f"},
            "/x-sheetcheck/rules/unused-rule",
            "no column",
        ),
        (
            ["properties", "Login ID", X, "aliases"],
            ["course"],
            "/properties/Course Name/x-sheetcheck/aliases",
            "would match both",
        ),
        (
            ["properties", "Enrollment Status", "type"],
            "date",
            "/properties/Enrollment Status/type",
            "date",
        ),
        (
            ["allOf", 0, "additionalProperties"],
            False,
            "/allOf/0/additionalProperties",
            'unknown keyword "additionalProperties"',
        ),
        # A typo in a JSON Schema keyword would silently drop its rule: the vocabulary is closed.
        (
            ["properties", "Enrollment Status", "enun"],
            ["Completed"],
            "/properties/Enrollment Status/enun",
            'unknown keyword "enun" (did you mean "enum"?)',
        ),
        (
            ["properties", "Enrollment Score", "maximun"],
            100,
            "/properties/Enrollment Score/maximun",
            'did you mean "maximum"?',
        ),
        (
            ["allOf", 0, "requird"],
            ["Login ID"],
            "/allOf/0/requird",
            'did you mean "required"?',
        ),
        (
            ["allOf", 1, "if", "properties", "Enrollment Status", "enun"],
            ["Completed"],
            "/allOf/1/if/properties/Enrollment Status/enun",
            'did you mean "enum"?',
        ),
        (
            ["allOf", 2, "then", "not", "requierd"],
            ["Enrollment Completed Date"],
            "/allOf/2/then/not/requierd",
            'did you mean "required"?',
        ),
        (
            [X, "checks", 1, "when", "propertys"],
            {},
            "/x-sheetcheck/checks/1/when/propertys",
            'did you mean "properties"?',
        ),
        (
            ["properties", "Enrollment Status", "format"],
            "email",
            "/properties/Enrollment Status/format",
            "would ignore it",
        ),
        (
            ["properties", "Course Name", X, "function"],
            "date-order",
            "/properties/Course Name/x-sheetcheck/function",
            "table function",
        ),
        # a rule's ESFA ids: R06, LearnStartDate_02 or "XSD Name"; anything else is refused
        (
            [X, "rules", "required", "esfa"],
            ["R 06"],
            "/x-sheetcheck/rules/required/esfa/0",
            "does not match",
        ),
        ([X, "rules", "required", "esfa"], [], "/x-sheetcheck/rules/required/esfa", "[]"),
    ],
)
def test_broken_pack_names_the_pointer(
    path: list[Any], value: Any, pointer: str, words: str
) -> None:
    """One PackError naming the file and the JSON pointer of the problem."""
    with pytest.raises(PackError) as caught:
        compile_pack(broken(path, value), "custom.json")
    assert caught.value.pointer == pointer
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"custom.json at {pointer}: ")


def test_custom_pack_from_a_path(tmp_path: Path) -> None:
    """--template path/to/pack.json loads a pack file; bad JSON names line and column."""
    good = tmp_path / "mine.json"
    good.write_text(json.dumps(broken([X, "name"], "my-pack")))
    assert load_pack(str(good)).name == "my-pack"
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": ,}')
    with pytest.raises(PackError, match=r"not valid JSON: .*line 1, column 11"):
        load_pack(str(bad))


def test_unknown_bundled_name_lists_the_bundled_ones() -> None:
    with pytest.raises(PackError, match=r"bundled: .*enrollment-history"):
        load_pack("no-such-template")


def test_plugin_functions_come_from_the_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """A third-party module named in the sheetcheck.functions entry point group registers functions."""
    import sys
    import types
    from importlib import metadata

    from sheetcheck import functions

    module = types.ModuleType("sheetcheck_test_plugin")

    def install() -> None:
        @functions.check_function("plugin-upper", "value")
        def upper(value: Any, args: Any) -> functions.ValueResult:
            return functions.ValueResult(
                value, () if str(value).isupper() else ({"reason": "is not upper case"},)
            )

    module.install = install  # type: ignore[attr-defined]
    sys.modules["sheetcheck_test_plugin"] = module
    entry = metadata.EntryPoint("upper", "sheetcheck_test_plugin", functions.ENTRY_POINT_GROUP)

    def fake_entry_points(group: str) -> list[metadata.EntryPoint]:
        if group == functions.ENTRY_POINT_GROUP:
            install()
            return [entry]
        return []

    monkeypatch.setattr(metadata, "entry_points", fake_entry_points)
    monkeypatch.setattr(functions, "_loaded_entry_points", False)
    monkeypatch.setattr(functions, "_REGISTRY", dict(functions._REGISTRY))
    data = broken(["properties", "Course Name", X, "function"], "plugin-upper")
    data["properties"]["Course Name"][X]["rule"] = "required"
    pack = compile_pack(data, "plugin.json")
    assert pack.column("Course Name").function is not None
    assert pack.column("Course Name").function.name == "plugin-upper"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_json)
def test_random_json_gives_a_pack_error_never_an_exception(data: Any) -> None:
    with pytest.raises(PackError):
        compile_pack(data, "random.json")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_packs_give_a_pack_error_or_a_pack(data: st.DataObject) -> None:
    """Replace one node anywhere in a valid pack with random JSON: a pack or one PackError."""
    pack = copy.deepcopy(BASE)
    node: Any = pack
    while True:
        keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        child = node[key]
        if not isinstance(child, (dict, list)) or data.draw(st.booleans()):
            node[key] = data.draw(_json)
            break
        node = child
    try:
        compile_pack(pack, "mutated.json")
    except PackError as err:
        assert str(err).startswith("mutated.json")


def test_a_keyword_typo_stops_the_check_with_file_and_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Renaming enum to enun used to drop every unknown-status finding without a word."""
    from sheetcheck.cli import main

    pack = tmp_path / "typo.json"
    pack.write_text(json.dumps(broken(["properties", "Enrollment Status", "enun"], ["Done"])))
    book = tmp_path / "book.csv"
    book.write_text("Login ID,Course Name,Enrollment Status\na@b.org,Fire,Done\n")
    code = main(["check", str(book), "-t", str(pack)])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    assert f"{pack} at /properties/Enrollment Status/enun: unknown keyword" in err
