"""The desktop add-ins, the xlwings Lite files and the ``sheetcheck excel`` commands.

The add-ins are checked as files (no Excel here): valid zips, well-formed ribbon XML naming
our buttons and xlwings' existing callback, file names that make that callback import the
right module, the interpreter written into the add-in's own config sheet.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlwings
from defusedxml import ElementTree

from sheetcheck.cli import main as cli_main
from sheetcheck.errors import SheetcheckError
from sheetcheck.excel import addin, lite_files

CUSTOM_UI = "{http://schemas.microsoft.com/office/2006/01/customui}"
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SOURCE = Path(xlwings.__file__).parent / addin.SOURCE_ADDIN


@pytest.fixture
def built(tmp_path: Path) -> dict[str, Path]:
    """Both add-ins, built with a Windows interpreter path."""
    paths = addin.build_addins(tmp_path, "C:\\Python311\\python.exe")
    return {p.name: p for p in paths}


def callback_module(file_name: str) -> str:
    """What xlwings' RunMain imports: Left(name, InStrRev(name, ".") - 1)."""
    return file_name[: file_name.rindex(".")]


@pytest.mark.parametrize(
    ("file_name", "label", "module"),
    [
        ("sheetcheck.xlam", "Validate", "sheetcheck"),
        ("sheetcheck.excel.unpaint.xlam", "Clear", "sheetcheck.excel.unpaint"),
        ("sheetcheck.excel.fixbutton.xlam", "Fix", "sheetcheck.excel.fixbutton"),
        ("sheetcheck.excel.undofixes.xlam", "Undo fixes", "sheetcheck.excel.undofixes"),
    ],
)
def test_addin_ribbon_calls_the_existing_callback(
    built: dict[str, Path], file_name: str, label: str, module: str
) -> None:
    """Valid zip; the ribbon has the shared SheetCheck tab with our button wired to xlwings'
    RunMain; the file name makes RunMain import a module whose main() exists."""
    path = built[file_name]
    with zipfile.ZipFile(path) as book:
        assert book.testzip() is None
        root = ElementTree.fromstring(book.read(addin.RIBBON_PART))
    tabs = root.findall(f".//{CUSTOM_UI}tab")
    assert [(t.get("idQ"), t.get("label")) for t in tabs] == [("sc:SheetCheckTab", "SheetCheck")]
    buttons = root.findall(f".//{CUSTOM_UI}button")
    assert [(b.get("idQ"), b.get("label"), b.get("onAction")) for b in buttons] == [
        (f"sc:{label.replace(' fixes', 'Fixes')}", label, "RibbonMyAddin.RunMain")
    ]
    assert callback_module(file_name) == module
    assert callable(importlib.import_module(module).main)


def test_the_callback_name_exists_in_the_source_addin() -> None:
    """RunMain is the callback xlwings' own ribbon XML uses: we point at the same one."""
    with zipfile.ZipFile(SOURCE) as book:
        root = ElementTree.fromstring(book.read(addin.RIBBON_PART))
    assert {b.get("onAction") for b in root.iter(f"{CUSTOM_UI}button")} == {addin.CALLBACK}


def test_only_the_ribbon_config_sheet_and_title_differ(built: dict[str, Path]) -> None:
    """Every other part (the VBA project above all) is xlwings' file, byte for byte."""
    changed = {addin.RIBBON_PART, addin.WORKBOOK_PART, addin.CONF_SHEET_PART, addin.CORE_PART}
    with zipfile.ZipFile(SOURCE) as src, zipfile.ZipFile(built["sheetcheck.xlam"]) as out:
        assert src.namelist() == out.namelist()
        for name in src.namelist():
            if name not in changed:
                assert src.read(name) == out.read(name), name
        assert out.read("xl/vbaProject.bin") == src.read("xl/vbaProject.bin")


@pytest.mark.parametrize(
    ("system", "row_values"),
    [
        ("Windows", {1: "C:\\Python311\\python.exe", 6: "sheetcheck.excel.udfs_desktop"}),
        ("Darwin", {2: "C:\\Python311\\python.exe", 6: "sheetcheck.excel.udfs_desktop"}),
        ("Linux", {6: "sheetcheck.excel.udfs_desktop"}),
    ],
)
def test_interpreter_goes_into_the_addins_config_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str, row_values: dict[int, str]
) -> None:
    """The enabled myaddin.conf sheet names the interpreter for this platform and the UDF
    module; xlwings reads that sheet before any config file."""
    monkeypatch.setattr(addin.platform, "system", lambda: system)
    path = addin.build_addin(addin.ADDINS[0], tmp_path, "C:\\Python311\\python.exe")
    with zipfile.ZipFile(path) as book:
        workbook = ElementTree.fromstring(book.read(addin.WORKBOOK_PART))
        sheet = ElementTree.fromstring(book.read(addin.CONF_SHEET_PART))
    assert [s.get("name") for s in workbook.iter(f"{SHEET}sheet")] == ["myaddin.conf"]
    values = {
        int(c.get("r")[1:]): c.findtext(f"{SHEET}is/{SHEET}t")
        for c in sheet.iter(f"{SHEET}c")
        if c.get("r").startswith("B") and c.get("t") == "inlineStr"
    }
    assert values == row_values


def test_build_replaces_an_existing_addin_atomically(tmp_path: Path) -> None:
    """Building over an old add-in leaves one complete file and no partial file behind."""
    (tmp_path / "sheetcheck.xlam").write_bytes(b"old")
    addin.build_addins(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sheetcheck.excel.fixbutton.xlam",
        "sheetcheck.excel.undofixes.xlam",
        "sheetcheck.excel.unpaint.xlam",
        "sheetcheck.xlam",
    ]
    assert zipfile.is_zipfile(tmp_path / "sheetcheck.xlam")


# --------------------------------------------------------------------------- install


@pytest.mark.parametrize(
    ("system", "folder"),
    [
        ("Windows", "AppData/Roaming/Microsoft/Excel/XLSTART"),
        ("Darwin", addin.MAC_STARTUP),
    ],
)
def test_install_and_uninstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str, folder: str
) -> None:
    """Install puts both add-ins in Excel's start-up folder and says so; uninstall removes
    exactly them and leaves the user's other add-ins."""
    monkeypatch.delenv("APPDATA", raising=False)
    monkeypatch.setattr(addin.platform, "system", lambda: system)
    startup = tmp_path / folder
    startup.mkdir(parents=True)
    (startup / "personal.xlam").write_bytes(b"theirs")

    lines = addin.install(system=system, home=tmp_path, interpreter="/opt/py/bin/python")
    assert sorted(p.name for p in startup.iterdir()) == [
        "personal.xlam",
        "sheetcheck.excel.fixbutton.xlam",
        "sheetcheck.excel.undofixes.xlam",
        "sheetcheck.excel.unpaint.xlam",
        "sheetcheck.xlam",
    ]
    assert str(startup) in lines[0]
    assert "/opt/py/bin/python" in lines[1]
    if system == "Darwin":
        script = tmp_path / addin.MAC_SCRIPTS / f"xlwings-{xlwings.__version__}.applescript"
        assert script.is_file()

    lines = addin.uninstall(system=system, home=tmp_path)
    assert [p.name for p in startup.iterdir()] == ["personal.xlam"]
    assert lines == [
        "Removed sheetcheck.xlam, sheetcheck.excel.unpaint.xlam, "
        f"sheetcheck.excel.fixbutton.xlam, sheetcheck.excel.undofixes.xlam from {startup}; "
        "restart Excel to drop the tab."
    ]
    assert addin.uninstall(system=system, home=tmp_path) == [
        f"Nothing to remove: no SheetCheck add-in in {startup}."
    ]


@pytest.mark.parametrize("output", [False, True])
@pytest.mark.parametrize("system", ["Linux", "FreeBSD"])
def test_install_without_desktop_excel_refuses_and_says_what_to_run(
    tmp_path: Path, system: str, output: bool
) -> None:
    """No Excel here: add-ins built here would run no Python on the target, so nothing is
    built, and the one line says what to run on the computer that has Excel."""
    with pytest.raises(SheetcheckError) as caught:
        addin.install(system=system, home=tmp_path, output=tmp_path / "out" if output else None)
    assert str(caught.value) == (
        f"desktop Excel is not available on {system}, and add-ins built here would run no "
        "Python on another computer: on the Windows or macOS computer that has Excel, run "
        'pip install "sheetcheck[excel]" and then sheetcheck excel install'
    )
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- command line


@pytest.mark.parametrize(("system", "row"), [("Windows", 1), ("Darwin", 2)])
def test_cli_install_output_builds_for_this_computer(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    system: str,
    row: int,
) -> None:
    """On Windows or macOS, ``--output DIR`` builds both files with this computer's Python in
    them, and says they are for Excel on this computer."""
    monkeypatch.setattr(addin.platform, "system", lambda: system)
    assert cli_main(["excel", "install", "--output", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sheetcheck.excel.fixbutton.xlam",
        "sheetcheck.excel.undofixes.xlam",
        "sheetcheck.excel.unpaint.xlam",
        "sheetcheck.xlam",
    ]
    with zipfile.ZipFile(tmp_path / "sheetcheck.xlam") as book:
        sheet = book.read(addin.CONF_SHEET_PART).decode()
    assert f'<c r="B{row}" s="1" t="inlineStr"><is><t>{sys.executable}</t>' in sheet
    out = capsys.readouterr().out
    assert (
        "Built sheetcheck.xlam, sheetcheck.excel.unpaint.xlam, sheetcheck.excel.fixbutton.xlam, "
        "sheetcheck.excel.undofixes.xlam" in out
    )
    assert "for another computer, run sheetcheck excel install on that computer" in out


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Excel may exist here")
def test_cli_install_output_elsewhere_refuses_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--output DIR`` on Linux: exit 2, one line saying what to run on the target, and no
    add-in written."""
    assert cli_main(["excel", "install", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "on the Windows or macOS computer that has Excel, run" in err[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Excel may exist here")
def test_cli_install_on_linux_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No Excel: exit code 2 and a single line on stderr."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cli_main(["excel", "install"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "desktop Excel is not available" in err[0]


def test_cli_install_dir_and_uninstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dir installs into any folder (on Windows); uninstall --dir removes from it."""
    monkeypatch.setattr(addin.platform, "system", lambda: "Windows")
    assert cli_main(["excel", "install", "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "sheetcheck.xlam").is_file()
    assert cli_main(["excel", "uninstall", "--dir", str(tmp_path)]) == 0
    assert list(tmp_path.iterdir()) == []
    assert "Removed" in capsys.readouterr().out


def test_cli_lite_prints_both_files(capsys: pytest.CaptureFixture[str]) -> None:
    """``sheetcheck excel lite`` prints main.py and requirements.txt."""
    assert cli_main(["excel", "lite"]) == 0
    out = capsys.readouterr().out
    assert "# ---- main.py" in out
    assert "# ---- requirements.txt" in out
    assert "sheetcheck==" in out


def test_cli_lite_output_writes_files(tmp_path: Path) -> None:
    """``--output DIR`` writes the files instead of printing them."""
    assert cli_main(["excel", "lite", "--output", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py", "requirements.txt"]


# --------------------------------------------------------------------------- xlwings Lite


WHEEL_URL = "https://intranet.example.org/wheels/sheetcheck-0.1.0-py3-none-any.whl"


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        ([], ["xlwings>=0.37.5", "sheetcheck==0.1.0"]),
        (["--wheel", WHEEL_URL], ["xlwings>=0.37.5", WHEEL_URL]),
        (["--wheel", "http://10.0.0.5/sheetcheck-0.1.0-py3-none-any.whl?sig=abc"],
         ["xlwings>=0.37.5", "http://10.0.0.5/sheetcheck-0.1.0-py3-none-any.whl?sig=abc"]),
    ],
)  # fmt: skip
def test_cli_lite_requirements_name_the_source(
    tmp_path: Path, args: list[str], lines: list[str]
) -> None:
    """requirements.txt is one requirement a line and nothing else (Lite hands each line to
    micropip): the xlwings floor, then the PyPI pin or the wheel's web address."""
    assert cli_main(["excel", "lite", "--output", str(tmp_path), *args]) == 0
    text = (tmp_path / "requirements.txt").read_text(encoding="utf-8")
    assert text.splitlines() == lines
    assert not any(line.startswith("#") or not line.strip() for line in text.splitlines())


def test_lite_xlwings_floor_is_the_excel_extras() -> None:
    """The xlwings line of requirements.txt asks for what the `excel` extra asks for."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    from sheetcheck.excel.lite import MIN_XLWINGS

    excel = [
        Requirement(text)
        for text in requires("sheetcheck") or []
        if text.startswith("xlwings") and "excel" in text
    ]
    assert [str(req.specifier) for req in excel] == [f">={MIN_XLWINGS}"]


@pytest.mark.parametrize(
    ("wheel", "says"),
    [
        ("dist/sheetcheck-0.1.0-py3-none-any.whl", "give the web address"),
        ("C:\\wheels\\sheetcheck-0.1.0-py3-none-any.whl", "give the web address"),
        ("file:///srv/sheetcheck-0.1.0-py3-none-any.whl", "give the web address"),
        ("https://example.org/sheetcheck-0.1.0.tar.gz", "must end in sheetcheck-0.1.0-py3-none-any.whl"),
        ("https://example.org/sheetcheck-0.0.9-py3-none-any.whl", "main.py is written for sheetcheck 0.1.0"),
        ("https://example.org/other-0.1.0-py3-none-any.whl", "must end in"),
    ],
)  # fmt: skip
def test_cli_lite_refuses_a_wheel_lite_cannot_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wheel: str, says: str
) -> None:
    """A path on this computer, an sdist or another version: exit 2, one line, no file."""
    assert cli_main(["excel", "lite", "--output", str(tmp_path), "--wheel", wheel]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert says in err[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_lite_output_does_not_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files already in DIR are kept unless --force is given."""
    (tmp_path / "main.py").write_text("mine", encoding="utf-8")
    assert cli_main(["excel", "lite", "--output", str(tmp_path)]) == 2
    assert "add --force" in capsys.readouterr().err
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == "mine"
    assert cli_main(["excel", "lite", "--output", str(tmp_path), "--force"]) == 0
    assert "@script" in (tmp_path / "main.py").read_text(encoding="utf-8")


def test_lite_main_py_declares_scripts_and_functions() -> None:
    """main.py parses; Validate is bound to the sheet button; the functions are in the
    SHEETCHECK namespace and only call sheetcheck.excel."""
    files = lite_files()
    tree = ast.parse(files["main.py"])
    decorated = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            call = node.decorator_list[0]
            assert isinstance(call, ast.Call)
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            decorated[node.name] = (ast.unparse(call.func), kwargs)
    assert decorated == {
        "validate": (
            "script",
            {"name": "Validate", "button": "[SheetCheckValidate]Instructions!A3",
             "show_taskpane": False},
        ),
        "clear": ("script", {"name": "Clear"}),
        "fix": ("script", {"name": "Fix"}),
        "undo_fixes": ("script", {"name": "Undo fixes"}),
        "sheetcheck_date": ("func", {"name": "DATE", "namespace": "SHEETCHECK"}),
        "sheetcheck_row": ("func", {"name": "ROW", "namespace": "SHEETCHECK"}),
        "sheetcheck_issues": ("func", {"name": "ISSUES", "namespace": "SHEETCHECK"}),
    }  # fmt: skip
    assert files["requirements.txt"].splitlines()[-1] == "sheetcheck==0.1.0"


def test_lite_main_py_runs_against_the_remote_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Executing main.py's Validate script on a remote book paints it, as in Lite."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    from excel_payloads import book_payload, enrollment_values, remote_book, sheet_payload
    from excel_payloads.client_actions import OFFICE_JS_ACTIONS

    namespace: dict[str, object] = {}
    exec(compile(lite_files()["main.py"], "main.py", "exec"), namespace)
    values, _ = enrollment_values(4, 1)
    book = remote_book(book_payload([sheet_payload("Enrollments", values)]))
    script = namespace["validate"]
    script(book)  # type: ignore[operator]
    sent = [a["func"] for a in book.json()["actions"]]
    assert "addSheet" in sent  # the Issues sheet
    assert set(sent) <= OFFICE_JS_ACTIONS


def test_sheetcheck_excel_imports_without_readers_or_xlwings() -> None:
    """The Excel package and the cell functions load and run without python-calamine,
    openpyxl or xlwings (Pyodide has no calamine; xlwings is only needed to talk to Excel)."""
    code = (
        "import sys\n"
        "for name in ('python_calamine', 'openpyxl', 'xlwings'):\n"
        "    sys.modules[name] = None\n"
        "import sheetcheck, sheetcheck.excel, sheetcheck.excel.painter, sheetcheck.excel.udfs\n"
        "import sheetcheck.excel.lite\n"
        "print(sheetcheck.excel.udfs.check_date('1/3/2025'))\n"
        "header = ['Login ID', 'Course Name', 'Enrollment Status', 'Enrollment Score',\n"
        "          'Enrollment Created Date', 'Enrollment Started Date',\n"
        "          'Enrollment Completed Date']\n"
        "row = ['a b', 'X', 'In Progress', '', '1/1/2025', '2/1/2025', '']\n"
        "report = sheetcheck.excel.udfs.check_cells([header, row])\n"
        "print([issue.rule for issue in report.issues])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["2025-03-01", "['invalid-login-id']"]


def test_lite_validate_runs_without_calamine_or_openpyxl(tmp_path: Path) -> None:
    """main.py's Validate script paints a remote book in a process where python-calamine and
    openpyxl cannot be imported, as in xlwings Lite."""
    script = tmp_path / "lite_run.py"
    script.write_text(
        "import os, sys\n"
        "for name in ('python_calamine', 'openpyxl'):\n"
        "    sys.modules[name] = None\n"
        "os.environ['XLWINGS_LICENSE_KEY'] = 'noncommercial'\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from excel_payloads import book_payload, enrollment_values, remote_book, sheet_payload\n"
        "from sheetcheck.excel import lite_files\n"
        "namespace = {}\n"
        "exec(compile(lite_files()['main.py'], 'main.py', 'exec'), namespace)\n"
        "values, _ = enrollment_values(4, 1)\n"
        "book = remote_book(book_payload([sheet_payload('Enrollments', values)]))\n"
        "namespace['validate'](book)\n"
        "print(sorted({a['func'] for a in book.json()['actions']}))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "'addSheet'" in done.stdout  # the Issues sheet
    assert "alert" not in done.stdout


def test_committed_lite_files_are_current() -> None:
    """workbook_templates/xlwings-lite/ holds what `sheetcheck excel lite` writes (for the
    PyPI release); `make templates` rewrites it."""
    folder = Path(__file__).resolve().parents[1] / "workbook_templates" / "xlwings-lite"
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    assert committed == lite_files()
