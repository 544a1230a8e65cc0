"""Build, install and uninstall the desktop Excel add-ins, and the ``sheetcheck excel`` commands.

The add-ins are built the way ``xlwings quickstart NAME --addin --ribbon`` builds one: copy the
ribbon add-in that ships inside the installed xlwings package and rewrite its ribbon XML. Its
VBA is xlwings' own (so it always matches the installed xlwings), and its one ribbon callback,
``RibbonMyAddin.RunMain``, runs ``import NAME; NAME.main()`` where NAME is the file name
without ``.xlam``. One callback means one action per add-in file, so there are four files that
share one SheetCheck tab (``idQ`` in a shared XML namespace):

* ``sheetcheck.xlam``: the Validate button runs ``sheetcheck.main()``;
* ``sheetcheck.excel.unpaint.xlam``: the Clear button runs ``sheetcheck.excel.unpaint.main()``;
* ``sheetcheck.excel.fixbutton.xlam`` (Fix) and ``sheetcheck.excel.undofixes.xlam`` (Undo fixes)
  run the ``main()`` of those modules (:mod:`sheetcheck.excel.fix`).

The add-in's xlwings code reads its settings from its own ``myaddin.conf`` sheet before any
config file (``PROJECT_NAME`` is ``myaddin`` in the shipped VBA, so ``~/.xlwings/xlwings.conf``
is never read, and ``~/.myaddin/myaddin.conf`` would be shared by every quickstart add-in on
the machine). The build therefore enables that sheet and writes the current interpreter into
it: nothing outside the add-in files is changed, and uninstalling is deleting them.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import SheetcheckError, UsageError

VALIDATE_ADDIN = "sheetcheck.xlam"
CLEAR_ADDIN = "sheetcheck.excel.unpaint.xlam"
FIX_ADDIN = "sheetcheck.excel.fixbutton.xlam"
UNDO_ADDIN = "sheetcheck.excel.undofixes.xlam"
CALLBACK = "RibbonMyAddin.RunMain"  # the ribbon callback in xlwings' quickstart ribbon add-in
SOURCE_ADDIN = "quickstart_addin_ribbon.xlam"
RIBBON_PART = "customUI/customUI.xml"
WORKBOOK_PART = "xl/workbook.xml"
CONF_SHEET_PART = "xl/worksheets/sheet1.xml"
CORE_PART = "docProps/core.xml"
RIBBON_NS = "https://sheetcheck.dev/excel/ribbon"
MAC_STARTUP = (
    "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
)
MAC_SCRIPTS = "Library/Application Scripts/com.microsoft.Excel"


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    image: str
    tip: str


@dataclass(frozen=True)
class AddinSpec:
    """One add-in file: its name (which is also the Python module its callback imports),
    its title in Excel's add-in list and its ribbon button."""

    file_name: str
    title: str
    button: Button
    udf_modules: str = ""

    @property
    def module(self) -> str:
        return self.file_name.removesuffix(".xlam")


ADDINS = (
    AddinSpec(
        VALIDATE_ADDIN,
        "SheetCheck",
        Button(
            "Validate",
            "Validate",
            "DataValidation",
            "Check the active workbook against its migration template and highlight every "
            "problem; the Issues sheet lists them with a link to each cell.",
        ),
        udf_modules="sheetcheck.excel.udfs_desktop",
    ),
    AddinSpec(
        CLEAR_ADDIN,
        "SheetCheck Clear",
        Button(
            "Clear",
            "Clear",
            "ClearFormats",
            "Remove SheetCheck's highlights and Issues sheet. Your own formatting was never "
            "changed.",
        ),
    ),
    AddinSpec(
        FIX_ADDIN,
        "SheetCheck Fix",
        Button(
            "Fix",
            "Fix",
            "AutoCorrect",
            "Apply the safe fixes (dates, statuses one letter off, extra spaces, scores written "
            "as text) after saying how many cells will change; the Changes sheet lists each one.",
        ),
    ),
    AddinSpec(
        UNDO_ADDIN,
        "SheetCheck Undo fixes",
        Button(
            "UndoFixes",
            "Undo fixes",
            "Undo",
            "Write back every value Fix changed, from the Changes sheet (Excel's own undo does "
            "not cover changes made by code).",
        ),
    ),
)


def ribbon_xml(button: Button) -> str:
    """The customUI part: our button in the shared SheetCheck tab, calling xlwings' callback."""
    return (
        '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui" '
        f'xmlns:sc="{RIBBON_NS}">\n'
        "  <ribbon>\n"
        "    <tabs>\n"
        '      <tab idQ="sc:SheetCheckTab" label="SheetCheck">\n'
        '        <group idQ="sc:SheetCheckGroup" label="Migration file">\n'
        f'          <button idQ="sc:{button.id}" label="{_attr(button.label)}" size="large" '
        f'onAction="{CALLBACK}" imageMso="{button.image}" '
        f'screentip="{_attr(button.label)}" supertip="{_attr(button.tip)}" />\n'
        "        </group>\n"
        "      </tab>\n"
        "    </tabs>\n"
        "  </ribbon>\n"
        "</customUI>\n"
    )


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def source_addin() -> Path:
    """The ribbon add-in shipped in the installed xlwings package."""
    try:
        import xlwings
    except ImportError:
        raise SheetcheckError(
            'the Excel add-in needs xlwings: pip install "sheetcheck[excel]"'
        ) from None
    path = Path(xlwings.__file__).parent / SOURCE_ADDIN
    if not path.is_file():
        raise SheetcheckError(f"xlwings {xlwings.__version__} has no {SOURCE_ADDIN} to build from")
    return path


CONF_ROWS = {"INTERPRETER_WIN": 1, "INTERPRETER_MAC": 2, "UDF MODULES": 6}


def _conf_sheet(xml: str, settings: dict[str, str]) -> str:
    """Fill column B of the add-in's config sheet: rows are Interpreter_Win (1),
    Interpreter_Mac (2) and UDF Modules (6) in xlwings' template."""
    for key, value in settings.items():
        if not value:
            continue
        row = CONF_ROWS[key]
        start = xml.index(f'<row r="{row}" ')
        end = xml.index("</row>", start)
        head = xml[start:end].replace('spans="1:1"', 'spans="1:2"')
        if f'<c r="A{row}" ' not in head or f'<c r="B{row}"' in head:
            raise SheetcheckError(f"unexpected config sheet in {SOURCE_ADDIN}: row {row}")
        value_cell = f'<c r="B{row}" s="1" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        xml = xml[:start] + head + value_cell + xml[end:]
    return xml


def build_addin(spec: AddinSpec, directory: Path, interpreter: str = "") -> Path:
    """Write one add-in into ``directory``: xlwings' ribbon add-in with our ribbon, our title
    and ``interpreter`` in its config sheet for the current platform (blank: xlwings' default)."""
    source = source_addin()
    target = directory / spec.file_name
    system = platform.system()
    settings = {
        "INTERPRETER_WIN": interpreter if system == "Windows" else "",
        "INTERPRETER_MAC": interpreter if system == "Darwin" else "",
        "UDF MODULES": spec.udf_modules,
    }
    buffer = io.BytesIO()  # built in memory first: a failure leaves the folder untouched
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(buffer, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == RIBBON_PART:
                data = ribbon_xml(spec.button).encode("utf-8")
            elif info.filename == WORKBOOK_PART:
                data = data.replace(b'name="_myaddin.conf"', b'name="myaddin.conf"')
            elif info.filename == CONF_SHEET_PART:
                data = _conf_sheet(data.decode("utf-8"), settings).encode("utf-8")
            elif info.filename == CORE_PART:
                data = data.replace(b"<dc:title />", f"<dc:title>{spec.title}</dc:title>".encode())
            out.writestr(info, data)
    directory.mkdir(parents=True, exist_ok=True)
    from ..atomic import replacing

    with replacing(target) as partial:  # never a half-written add-in under the real name
        partial.write_bytes(buffer.getvalue())
    return target


def build_addins(directory: Path, interpreter: str = "") -> list[Path]:
    """Every add-in (Validate, Clear, Fix, Undo fixes) in ``directory``."""
    return [build_addin(spec, directory, interpreter) for spec in ADDINS]


def excel_startup_dir(system: str | None = None, home: Path | None = None) -> Path | None:
    """The folder desktop Excel loads add-ins from at start-up (None where there is no Excel)."""
    system = system or platform.system()
    home = home or Path.home()
    if system == "Windows":
        appdata = os.environ.get("APPDATA")
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
        return base / "Microsoft" / "Excel" / "XLSTART"
    if system == "Darwin":
        return home / MAC_STARTUP
    return None


DESKTOP_SYSTEMS = ("Windows", "Darwin")


def install(
    directory: Path | None = None,
    *,
    output: Path | None = None,
    interpreter: str | None = None,
    system: str | None = None,
    home: Path | None = None,
) -> list[str]:
    """Build the add-ins and copy them where Excel loads them; returns what was done, line by
    line. ``output`` only builds into that folder.

    The add-ins run the Python that builds them (written into their config sheet), so they
    are built only on Windows or macOS, for Excel on the same computer. Elsewhere this raises
    SheetcheckError (exit 2) saying what to run on the computer that has Excel.
    """
    python = sys.executable if interpreter is None else interpreter
    system = system or platform.system()
    if system not in DESKTOP_SYSTEMS:
        raise SheetcheckError(
            f"desktop Excel is not available on {system}, and add-ins built here would run no "
            "Python on another computer: on the Windows or macOS computer that has Excel, run "
            'pip install "sheetcheck[excel]" and then sheetcheck excel install'
        )
    if output is not None:
        built = build_addins(output, python)
        return [
            f"Built {', '.join(p.name for p in built)} in {output} for Excel on this computer "
            f"(their buttons run {python}).",
            "Copy them into Excel's XLSTART folder here; for another computer, run "
            "sheetcheck excel install on that computer.",
        ]
    target = directory or excel_startup_dir(system, home)
    assert target is not None  # Windows and macOS have a start-up folder
    lines: list[str] = []
    try:
        built = build_addins(target, python)
    except PermissionError as err:
        raise SheetcheckError(
            f"cannot write to {err.filename or target}: close Excel and try again"
        ) from None
    lines.append(
        f"Installed {', '.join(f'{p.name} ({spec.button.label})' for p, spec in zip(built, ADDINS, strict=True))} in {target}; "
        "Excel loads them at start-up: restart Excel to see the SheetCheck tab."
    )
    lines.append(f"Their buttons run {python} (set in each add-in's myaddin.conf sheet).")
    if system == "Darwin":
        lines.extend(_install_applescript(home or Path.home()))
    return lines


def _install_applescript(home: Path) -> list[str]:
    """On macOS, xlwings' RunPython needs its AppleScript next to Excel's sandbox."""
    import xlwings

    name = f"xlwings-{xlwings.__version__}.applescript"
    source = Path(xlwings.__file__).parent / name
    target_dir = home / MAC_SCRIPTS
    if (target_dir / name).is_file():
        return [f"xlwings' {name} is already in {target_dir}."]
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target_dir / name)
    return [f"Copied xlwings' {name} to {target_dir} (shared with xlwings; left on uninstall)."]


def uninstall(
    directory: Path | None = None, *, system: str | None = None, home: Path | None = None
) -> list[str]:
    """Remove the add-ins installed by :func:`install`; returns what was done."""
    system = system or platform.system()
    target = directory or excel_startup_dir(system, home)
    if target is None:
        raise SheetcheckError(
            f"desktop Excel is not available on {system}: nothing is installed here"
        )
    removed: list[str] = []
    for spec in ADDINS:
        path = target / spec.file_name
        if path.exists():
            try:
                path.unlink()
            except PermissionError:
                raise SheetcheckError(f"cannot remove {path}: close Excel and try again") from None
            removed.append(spec.file_name)
    if not removed:
        return [f"Nothing to remove: no SheetCheck add-in in {target}."]
    return [f"Removed {', '.join(removed)} from {target}; restart Excel to drop the tab."]


# --------------------------------------------------------------------------- command line


def register_cli(commands: argparse._SubParsersAction) -> None:
    """Add ``sheetcheck excel install|uninstall|lite`` to the main parser's subcommands."""
    excel = commands.add_parser(
        "excel",
        help="install the Excel add-in, or print the files for xlwings Lite",
        description="Validate inside Excel: a desktop add-in (Windows, macOS) or xlwings Lite.",
    )
    sub = excel.add_subparsers(dest="excel_command", metavar="ACTION")
    sub.required = True
    add = sub.add_parser(
        "install",
        help="build the SheetCheck add-ins and install them into desktop Excel",
        description="Build sheetcheck.xlam (Validate), sheetcheck.excel.unpaint.xlam (Clear), "
        "sheetcheck.excel.fixbutton.xlam (Fix) and sheetcheck.excel.undofixes.xlam (Undo fixes) "
        "from xlwings' ribbon add-in and copy them into Excel's start-up folder.",
    )
    add.add_argument("--dir", type=Path, help="install into DIR instead of Excel's XLSTART folder")
    add.add_argument("--output", type=Path, metavar="DIR", help="only build the add-ins into DIR")
    add.set_defaults(handler=_run_install)
    remove = sub.add_parser("uninstall", help="remove the SheetCheck add-ins from desktop Excel")
    remove.add_argument("--dir", type=Path, help="remove from DIR instead of the XLSTART folder")
    remove.set_defaults(handler=_run_uninstall)
    lite = sub.add_parser(
        "lite",
        help="print main.py and requirements.txt for xlwings Lite",
        description="Print (or write) the main.py and requirements.txt to paste into xlwings "
        "Lite: the Validate, Clear, Fix and Undo fixes scripts and the SHEETCHECK.* cell "
        "functions.",
    )
    lite.add_argument("--output", type=Path, metavar="DIR", help="write the two files into DIR")
    lite.add_argument(
        "--wheel",
        metavar="URL",
        help="install sheetcheck in Lite from the wheel at this web address (for example on "
        "your intranet or a release page) instead of PyPI",
    )
    lite.add_argument(
        "--force", action="store_true", help="replace main.py and requirements.txt in DIR"
    )
    lite.set_defaults(handler=_run_lite)


def _run_install(args: argparse.Namespace) -> int:
    if args.dir is not None and args.output is not None:
        raise UsageError("use either --dir (install) or --output (only build), not both")
    for line in install(args.dir, output=args.output):
        print(line)
    return 0


def _run_uninstall(args: argparse.Namespace) -> int:
    for line in uninstall(args.dir):
        print(line)
    return 0


def _run_lite(args: argparse.Namespace) -> int:
    from .lite import lite_files

    files = lite_files(wheel=args.wheel)
    if args.output is None:
        for name, text in files.items():
            print(f"# ---- {name} " + "-" * (60 - len(name)))
            print(text, end="" if text.endswith("\n") else "\n")
        return 0
    existing = [args.output / name for name in files if (args.output / name).exists()]
    if existing and not args.force:
        raise UsageError(f"{existing[0]} already exists (add --force to replace it)")
    args.output.mkdir(parents=True, exist_ok=True)
    from ..atomic import replacing

    for name, text in files.items():
        with replacing(args.output / name) as partial:
            partial.write_text(text, encoding="utf-8")
        print(f"Wrote {args.output / name}")
    return 0
