"""Safe by default: an empty upload is never ready, nothing is overwritten by accident, every
output path fails in one line, lock files are named.

Issue 13, points 1, 2, 3 and 8: a sheet without data rows is the error ``no-rows`` (its why
per pack) and ``export`` refuses it; ``template -o`` refuses an existing file without ``--force``; an
output into a folder that does not exist (or an unwritable one) is one line on stderr and exit
2 for every command that writes; Excel's ``~$`` lock file is named for what it is and skipped
with a note when several files are checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, validate_report, write_xlsx
from enrollment import HEADER, row
from sheetcheck.atomic import write_atomically
from sheetcheck.cli import main
from sheetcheck.errors import UsageError
from sheetcheck.packs import bundled_pack_names, load_pack, schemas_dir

ROSTER = ["Student ID", "Given Name", "Family Name", "Year/Grade", "Class", "Teacher"]
LOCK_BYTES = bytes([9]) + b"Ann Admin" + b"\x00" * 155  # what Excel writes: the owner's name


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "book.xlsx", [HEADER, row()])


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "roster.xlsx", [ROSTER, ["1", "Ann", "Lee", "7", "7A", "Jo"]])


# --------------------------------------------------------------------------- point 1

BLANK_WHY = {  # what each target does with an empty file, in the pack's own words
    "student-roster": "an empty file deletes every student",
    "enrollment-history": "every learner would arrive without their past and current courses",
    "certification-registrations": "The import would register no student",
    "ilr-learners": "The new system would receive no learners",
}


@pytest.mark.parametrize("name", sorted(BLANK_WHY))
def test_a_blank_template_is_not_ready(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Every bundled blank template: one no-rows error on the header row, exit 1."""
    blank = ROOT / "workbook_templates" / f"{name}.xlsx"
    code, out, _ = run(capsys, "check", str(blank), "-f", "json")
    data = json.loads(out)
    validate_report(data)
    (file,) = data["files"]
    assert code == 1 and data["valid"] is False
    assert [(i["rule"], i["severity"], i["row"], i["cell"]) for i in file["issues"]] == [
        ("no-rows", "error", 1, None)
    ]
    assert BLANK_WHY[name] in file["issues"][0]["why"]


def test_every_bundled_pack_says_what_an_empty_file_does() -> None:
    """Each pack defines no-rows with its own why (not the engine's generic one)."""
    assert set(BLANK_WHY) == set(bundled_pack_names())
    for name in bundled_pack_names():
        rule = load_pack(name).rules["no-rows"]
        assert rule.severity == "error" and BLANK_WHY[name] in rule.why


def test_rows_under_the_header_are_not_no_rows(roster: Path) -> None:
    from sheetcheck import check

    (report,) = check(roster, template="student-roster").files
    assert "no-rows" not in {i.rule for i in report.issues}


def test_export_refuses_an_empty_upload(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The blank roster would delete every student: nothing written, exit 1, the why said."""
    blank = ROOT / "workbook_templates" / "student-roster.xlsx"
    target = tmp_path / "upload.csv"
    code, out, err = run(capsys, "export", str(blank), "-t", "student-roster", "-o", str(target))
    assert code == 1 and not target.exists() and "wrote" not in out
    assert "no data rows" in err and "deletes every student" in err


def test_a_pack_cannot_make_an_empty_export_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even a pack that calls no-rows a warning never gets a header-only upload written."""
    pack = json.loads((schemas_dir() / "student-roster.json").read_text(encoding="utf-8"))
    pack["x-sheetcheck"]["rules"]["no-rows"]["severity"] = "warning"
    pack_file = tmp_path / "lenient.json"
    pack_file.write_text(json.dumps(pack), encoding="utf-8")
    blank = write_xlsx(tmp_path / "blank.xlsx", [ROSTER])
    target = tmp_path / "upload.csv"
    code, _, err = run(capsys, "export", str(blank), "-t", str(pack_file), "-o", str(target))
    assert code == 1 and not target.exists() and "no data rows" in err


def test_the_report_schema_documents_no_rows() -> None:
    schema = (schemas_dir() / "report.schema.json").read_text(encoding="utf-8")
    assert "no-rows" in schema


# --------------------------------------------------------------------------- point 2


def test_template_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A filled-in workbook is never replaced by an empty template unless --force says so."""
    target = tmp_path / "filled.xlsx"
    target.write_bytes(b"32 typed rows")
    code, _, err = run(capsys, "template", "student-roster", "-o", str(target))
    assert code == 2 and target.read_bytes() == b"32 typed rows"
    assert err.count("\n") == 1 and "already exists" in err and "--force" in err
    code, out, _ = run(capsys, "template", "student-roster", "-o", str(target), "--force")
    assert code == 0 and target.read_bytes()[:2] == b"PK" and "wrote" in out


def test_annotate_never_replaces_a_workbook_that_is_not_its_own_copy(
    book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--annotate OUT.xlsx over the user's other workbook: refused without --force; over a
    copy sheetcheck annotated before (a re-run): replaced."""
    other = tmp_path / "other.xlsx"
    other.write_bytes(book.read_bytes())
    before = other.read_bytes()
    code, _, err = run(capsys, "check", str(book), "--annotate", str(other), "-q")
    assert code == 2 and other.read_bytes() == before
    assert "not an annotated copy" in err and "--force" in err
    copy = tmp_path / "copy.xlsx"
    assert run(capsys, "check", str(book), "--annotate", str(copy), "-q")[0] == 0
    assert run(capsys, "check", str(book), "--annotate", str(copy), "-q")[0] == 0  # a re-run
    assert run(capsys, "check", str(book), "--annotate", str(other), "-q", "--force")[0] == 0
    assert other.read_bytes() != before


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{book}", "-o", "{target}"],
        ["check", "{book}", "-f", "json", "-o", "{target}"],
        ["check", "{roster}", "{other}", "-t", "student-roster", "--merge", "{target}"],
        ["export", "{roster}", "-t", "student-roster", "-o", "{target}"],
        ["clean", "{annotated}", "-o", "{target}"],
        ["template", "student-roster", "-o", "{target}"],
        ["fix", "{book}", "-o", "{target}"],
    ],
    ids=["check-o", "check-json-o", "check-merge", "export", "clean", "template", "fix"],
)
def test_no_output_replaces_an_existing_file_without_force(
    argv: list[str],
    book: Path,
    roster: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every command that writes a file: an existing target is refused before any work (one
    line, exit 2, nothing on stdout, the file as it was); with --force it is replaced."""
    other = write_xlsx(tmp_path / "other.xlsx", [ROSTER, ["2", "Bo", "Ng", "7", "7A", "Jo"]])
    annotated = tmp_path / "annotated.xlsx"
    assert run(capsys, "check", str(book), "--annotate", str(annotated), "-q")[0] == 0
    target = tmp_path / "yours.xlsx"
    target.write_bytes(b"your data")
    names = {"book": book, "roster": roster, "other": other, "annotated": annotated}
    command = [a.format(target=target, **names) for a in argv]
    code, out, err = run(capsys, *command)
    assert (code, out, target.read_bytes()) == (2, "", b"your data")
    assert err == f"sheetcheck: {target}: already exists; nothing written. " + (
        "Give another name, or add --force to replace it with an empty template (it may hold "
        "filled-in rows)\n"
        if argv[0] == "template"
        else "Give another name, or add --force to replace it\n"
    )
    code, _, _ = run(capsys, *command, "--force")
    assert code == 0 and target.read_bytes() != b"your data"


# --------------------------------------------------------------------------- point 3


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{book}", "-o", "{missing}/r.txt"],
        ["check", "{book}", "-f", "json", "-o", "{missing}/r.json"],
        ["check", "{book}", "--annotate", "{missing}/a.xlsx"],
        ["check", "{roster}", "{roster}", "-t", "student-roster", "--merge", "{missing}/m.xlsx"],
        ["export", "{roster}", "-t", "student-roster", "-o", "{missing}/up.csv"],
        ["template", "student-roster", "-o", "{missing}/t.xlsx"],
        ["clean", "{book}", "-o", "{missing}/c.xlsx"],
        ["check", "{book}", "-o", "{folder}"],
        ["export", "{roster}", "-t", "student-roster", "-o", "{folder}"],
    ],
)
def test_every_output_into_a_missing_folder_is_one_line_and_exit_2(
    argv: list[str],
    book: Path,
    roster: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 1 means "errors found" to a script: a bad output path must never look like that."""
    names = {"book": book, "roster": roster, "missing": tmp_path / "no" / "dir", "folder": tmp_path}
    code, _, err = run(capsys, *(a.format(**names) for a in argv))
    assert code == 2
    assert "Traceback" not in err and err.strip().startswith("sheetcheck:")
    assert err.strip().splitlines()[-1].startswith("sheetcheck:")


def test_an_unwritable_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary file cannot be created (permissions; simulated, the suite may run as
    root): a UsageError naming the target."""
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(UsageError, match=r"r\.txt: cannot write there \(Permission denied\)"):
        write_atomically(tmp_path / "r.txt", lambda out: out.write("x"))


def test_a_failed_write_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    """Disk full while writing: one line, no temporary file, the old file as it was."""
    target = tmp_path / "r.txt"
    target.write_text("old")

    def full(out: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(UsageError, match="No space left on device"):
        write_atomically(target, full)
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"] and target.read_text() == "old"


# --------------------------------------------------------------------------- point 8


def test_a_lock_file_alone_is_named_for_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "~$roster.xlsx"
    lock.write_bytes(LOCK_BYTES)
    code, _, err = run(capsys, "check", str(lock))
    assert code == 2 and err.count("\n") == 1
    assert "lock file" in err and "roster.xlsx is open in Excel" in err
    assert "Save As" not in err


def test_check_star_skips_lock_files_with_a_note(
    roster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``check *.xlsx`` while roster.xlsx is open in Excel checks roster.xlsx, exit 0."""
    lock = roster.with_name("~$" + roster.name)
    lock.write_bytes(LOCK_BYTES)
    code, out, err = run(capsys, "check", str(lock), str(roster), "-t", "student-roster")
    assert code == 0
    assert f"note: skipped {lock}" in err and "open in Excel" in err
    assert str(lock) not in out


def test_a_real_workbook_named_like_a_lock_file_is_checked(
    roster: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = roster.with_name("~$odd.xlsx")
    odd.write_bytes(roster.read_bytes())
    code, out, err = run(capsys, "check", str(odd), str(roster), "-t", "student-roster", "-q")
    assert code == 0 and "skipped" not in err and out.count("ready to upload") == 2
