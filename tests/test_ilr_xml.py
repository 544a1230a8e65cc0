"""ILR XML files read directly: ``sheetcheck check ILR-....xml`` and ``--against OLD.xml``.

The files are small ILR messages written here from the public schema's structure (Message /
Header / Learner / LearningDelivery, namespace ``ESFA/ILR/2025-26``; dates yyyy-mm-dd). The
ESFA's 2025-26 XSD itself is not vendored: only its element names and nesting are used.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from conftest import validate_report
from sheetcheck.checker import CheckOptions, check_file
from sheetcheck.cli import collection_year_argument, main
from sheetcheck.errors import InputError
from sheetcheck.limits import Limits
from sheetcheck.readers._ilr_xml import COLUMNS, read_ilr

ANN = {
    "LearnRefNumber": "A1",
    "ULN": "1234567899",
    "FamilyName": "Smith",
    "GivenNames": "Ann",
    "DateOfBirth": "1990-02-01",
}
BOB = {
    "LearnRefNumber": "B1",
    "ULN": "2000000001",
    "FamilyName": "Jones",
    "GivenNames": "Bob",
    "DateOfBirth": "1985-04-03",
}
AIM = {
    "LearnAimRef": "60012345",
    "AimType": "4",
    "AimSeqNumber": "1",
    "LearnStartDate": "2025-09-01",
    "LearnPlanEndDate": "2026-07-31",
    "FundModel": "25",
    "CompStatus": "1",
}
AIM2 = {**AIM, "LearnAimRef": "60012346", "AimSeqNumber": "2"}


def ilr_xml(
    learners: Sequence[tuple[Mapping[str, str], Sequence[Mapping[str, str]]]],
    year: str = "2025-26",
    prepared: str = "2025-10-01",
) -> str:
    """An ILR message: each learner's fields, then one LearningDelivery per aim (with a FAM
    inside, which the reader must skip), one element per line."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<Message xmlns="ESFA/ILR/{year}">',
        "  <Header>",
        "    <CollectionDetails>",
        "      <Collection>ILR</Collection>",
        f"      <Year>{year[2:4]}{year[5:7]}</Year>",
        f"      <FilePreparationDate>{prepared}</FilePreparationDate>",
        "    </CollectionDetails>",
        "  </Header>",
        "  <LearningProvider><UKPRN>10000000</UKPRN></LearningProvider>",
    ]
    for learner, aims in learners:
        lines.append("  <Learner>")
        lines += [f"    <{k}>{v}</{k}>" for k, v in learner.items()]
        for aim in aims:
            lines.append("    <LearningDelivery>")
            lines += [f"      <{k}>{v}</{k}>" for k, v in aim.items()]
            lines.append(
                "      <LearningDeliveryFAM><LearnDelFAMType>SOF</LearnDelFAMType>"
                "<LearnDelFAMCode>105</LearnDelFAMCode></LearningDeliveryFAM>"
            )
            lines.append("    </LearningDelivery>")
        lines.append("  </Learner>")
    lines.append("</Message>")
    return "\n".join(lines) + "\n"


def write(
    tmp_path: Path, text: str, name: str = "ILR-10000000-2526-20251001-090000-01.xml"
) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- the table


def test_one_row_per_learning_delivery(tmp_path: Path) -> None:
    """Learner fields repeat on each of the learner's rows; dates become dates; a learner
    without deliveries is a row of its own; nested FAMs are skipped."""
    path = write(tmp_path, ilr_xml([(ANN, [AIM, AIM2]), (BOB, [])]))
    ilr = read_ilr(path)
    table = ilr.table
    assert ilr.year == "2025-26"
    assert ilr.file_preparation_date == dt.date(2025, 10, 1)
    assert table.header == list(COLUMNS)
    rows = [dict(zip(table.header, values, strict=True)) for _, values in table.rows()]
    assert [r["LearnRefNumber"] for r in rows] == ["A1", "A1", "B1"]
    assert [r["AimSeqNumber"] for r in rows] == ["1", "2", None]
    assert rows[1]["DateOfBirth"] == dt.date(1990, 2, 1)
    assert rows[1]["LearnStartDate"] == dt.date(2025, 9, 1)
    assert rows[0]["FundModel"] == "25" and rows[2]["LearnAimRef"] is None
    assert table.row_numbers == [17, 27, 38]  # the LearningDelivery (or Learner) lines


@pytest.mark.parametrize(
    ("learners", "expected"),
    [
        pytest.param([(ANN, [AIM, AIM2])], set(), id="two-aims-one-learner"),
        pytest.param(
            [(ANN, [AIM]), ({**ANN}, [AIM])],
            {("AimSeqNumber", "duplicate-aim-seq-number")},
            id="learner-element-twice",
        ),
        pytest.param(
            [(ANN, [AIM]), ({**ANN, "LearnRefNumber": "a1"}, [AIM2])],
            {("LearnRefNumber", "duplicate-learn-ref-number")},
            id="r06-case-differs",
        ),
        pytest.param(
            [(ANN, [AIM]), ({**BOB, "ULN": ANN["ULN"]}, [AIM])],
            {("ULN", "duplicate-uln")},
            id="r59",
        ),
        pytest.param(
            [(ANN, [{**AIM, "LearnStartDate": "2026-08-01", "LearnPlanEndDate": "2027-07-31"}])],
            {("LearnStartDate", "start-after-collection-year")},
            id="learnstartdate-03-from-the-namespace-year",
        ),
        pytest.param(
            [(ANN, [{**AIM, "LearnStartDate": "2025-13-01"}])],
            {("LearnStartDate", "invalid-date")},
            id="not-a-date",
        ),
        pytest.param(
            [({k: v for k, v in ANN.items() if k != "FamilyName"}, [AIM])],
            {("FamilyName", "required")},
            id="absent-element",
        ),
    ],
)
def test_the_pack_checks_an_ilr_file(
    tmp_path: Path, learners: Any, expected: set[tuple[str, str]]
) -> None:
    """The same rules as for a spreadsheet, on the deliveries of the file."""
    report = check_file(write(tmp_path, ilr_xml(learners)), CheckOptions(template="ilr-learners"))
    assert {(i.column, i.rule) for i in report.issues} == expected


@pytest.mark.parametrize(
    ("year", "option", "start", "expected"),
    [
        # the namespace's year is the default: a 2026-08 start is fine in 2026-27 only
        ("2025-26", None, "2026-08-01", {"start-after-collection-year"}),
        ("2026-27", None, "2026-08-01", set()),
        ("2026-27", None, "2027-08-01", {"start-after-collection-year"}),
        # --collection-year wins over the namespace
        ("2026-27", "2025-26", "2026-08-01", {"start-after-collection-year"}),
    ],
)
def test_the_namespace_names_the_collection_year(
    tmp_path: Path, year: str, option: str | None, start: str, expected: set[str]
) -> None:
    """ESFA/ILR/2026-27 is collection year 2026-27 unless --collection-year says otherwise."""
    aim = {**AIM, "LearnStartDate": start, "LearnPlanEndDate": "2028-07-31"}
    path = write(tmp_path, ilr_xml([(ANN, [aim])], year=year, prepared="2026-10-01"))
    params = {"collection_year": option} if option else {}
    report = check_file(path, CheckOptions(template="ilr-learners", params=params))
    assert {i.rule for i in report.issues} == expected


@pytest.mark.parametrize(
    ("prepared", "import_date", "expected"),
    [
        # LearnActEndDate_04 compares with the header's FilePreparationDate
        ("2025-10-01", None, {"future-date"}),
        ("2025-10-02", None, set()),
        ("2025-10-02", dt.date(2025, 10, 1), {"future-date"}),  # --import-date wins
    ],
)
def test_the_file_preparation_date_is_the_default_import_date(
    tmp_path: Path, prepared: str, import_date: dt.date | None, expected: set[str]
) -> None:
    """An ended aim whose actual end date is 2 October 2025."""
    aim = {**AIM, "CompStatus": "2", "LearnActEndDate": "2025-10-02", "Outcome": "3"}
    path = write(tmp_path, ilr_xml([(ANN, [aim])], prepared=prepared))
    options = CheckOptions(template="ilr-learners", import_date=import_date)
    assert {i.rule for i in check_file(path, options).issues} == expected


# --------------------------------------------------------------------------- locations


def test_issues_point_into_the_file(tmp_path: Path) -> None:
    """Learner reference, AimSeqNumber, element path and line, in the message too."""
    late = {**AIM2, "LearnStartDate": "2026-08-01", "LearnPlanEndDate": "2027-07-31"}
    nameless = {k: v for k, v in BOB.items() if k != "GivenNames"}
    path = write(tmp_path, ilr_xml([(ANN, [AIM, late]), (nameless, [AIM])]))
    report = check_file(path, CheckOptions(template="ilr-learners"))
    by_rule = {i.rule: i for i in report.issues}
    start = by_rule["start-after-collection-year"]
    assert start.location is not None
    assert start.location.to_dict() == {
        "learner": "A1",
        "aim": "2",
        "path": "/Message/Learner[1]/LearningDelivery[2]/LearnStartDate[1]",
        "line": 31,
    }
    assert start.cell is None and start.row == 27
    assert "learner A1, aim 2 (line 31" in start.what
    # an absent element is located where it would go: in its Learner
    required = by_rule["required"]
    assert required.location is not None
    assert required.location.to_dict() == {
        "learner": "B1",
        "aim": "1",
        "path": "/Message/Learner[2]/GivenNames",
        "line": 38,
    }


def test_reports_show_the_locations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text, JSON (valid against the schema) and CSV reports carry the location."""
    late = {**AIM, "LearnStartDate": "2026-08-01", "LearnPlanEndDate": "2027-07-31"}
    path = write(tmp_path, ilr_xml([(ANN, [late])]))
    code, out, _ = run_cli(["check", str(path)], capsys)
    assert code == 1
    assert "  line 21 LearnStartDate 1/8/2026 in learner A1, aim 1 (line 21," in out
    code, out, _ = run_cli(["check", str(path), "-f", "json"], capsys)
    data = json.loads(out)
    validate_report(data)
    [issue] = data["files"][0]["issues"]
    assert issue["location"] == {
        "learner": "A1",
        "aim": "1",
        "path": "/Message/Learner[1]/LearningDelivery[1]/LearnStartDate[1]",
        "line": 21,
    }
    assert data["files"][0]["collection_year"] == "2025-26"
    code, out, _ = run_cli(["check", str(path), "-f", "csv"], capsys)
    header, row = out.splitlines()[:2]
    assert header.endswith(",location")
    assert row.endswith(
        '"learner A1, aim 1 (line 21, /Message/Learner[1]/LearningDelivery[1]/LearnStartDate[1])"'
    )


# --------------------------------------------------------------------------- two ILR files


def test_two_ilr_files_are_reconciled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--against OLD.xml: the old system's ILR; a continuing learner lost on the way is found."""
    old = write(tmp_path, ilr_xml([(ANN, [AIM, AIM2]), (BOB, [AIM])]), "old.xml")
    new = write(tmp_path, ilr_xml([(ANN, [AIM, AIM2])]), "new.xml")
    code, out, _ = run_cli(["check", str(new), "--against", str(old), "-f", "json"], capsys)
    assert code == 1
    item = json.loads(out)["files"][0]
    assert [i["rule"] for i in item["issues"]] == ["missing-learner"]
    assert "Bob Jones (B1, ULN 2000000001)" in item["issues"][0]["message"]
    assert item["reconciliation"]["expected"] == 2
    assert item["reconciliation"]["present"] == 1
    assert item["reconciliation"]["moved"] == 1


def test_a_spreadsheet_against_an_ilr_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The new system's spreadsheet export against the old system's ILR."""
    old = write(tmp_path, ilr_xml([(ANN, [AIM]), (BOB, [AIM])]), "old.xml")
    new = tmp_path / "new.csv"
    new.write_text(
        "LearnRefNumber,PrevLearnRefNumber,ULN,FamilyName,GivenNames,DateOfBirth,LearnAimRef,"
        "LearnStartDate,LearnPlanEndDate,LearnActEndDate,CompStatus,Outcome,AchDate\n"
        "A1,,1234567899,Smith,Ann,1/2/1990,60012345,1/9/2025,31/7/2026,,1,,\n",
        encoding="utf-8",
    )
    code, out, _ = run_cli(
        ["check", str(new), "-t", "ilr-learners", "--against", str(old), "-f", "json"], capsys
    )
    assert code == 1
    item = json.loads(out)["files"][0]
    rules = [i["rule"] for i in item["issues"] if i["severity"] == "error"]
    assert rules == ["missing-learner"]  # Bob; Ann is found in the old ILR by her ULN


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param(
            ilr_xml([(ANN, [AIM])], year="2019-20"),
            "ILR file of the 2019-20 schema (ESFA/ILR/2019-20), which this version does not read",
            id="unknown-year",
        ),
        pytest.param(
            '<?xml version="1.0"?>\n<Message><Header/></Message>\n',
            "is not an ILR file: its root element is Message, not an ESFA ILR Message",
            id="no-namespace",
        ),
        pytest.param(
            '<?xml version="1.0"?>\n<rss xmlns="http://example.com"><channel/></rss>\n',
            "is not an ILR file: its root element is {http://example.com}rss",
            id="not-ilr",
        ),
        pytest.param(ilr_xml([(ANN, [AIM])])[:400], "is not well-formed XML (line", id="cut-short"),
        pytest.param(
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n'
            '<Message xmlns="ESFA/ILR/2025-26">&lol;</Message>\n',
            "declares a DTD or entities",
            id="entity-expansion",
        ),
        pytest.param("<", "is neither a spreadsheet nor well-formed XML", id="one-byte"),
    ],
)
def test_unusable_xml_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str
) -> None:
    """Exit code 2 and one clear line on stderr, never a traceback."""
    path = write(tmp_path, text)
    code, _, err = run_cli(["check", str(path), "-t", "ilr-learners"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert needle in err


def test_an_ilr_file_with_another_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ILR file named with a template of another kind: one line that says which to use."""
    path = write(tmp_path, ilr_xml([(ANN, [AIM])]))
    code, _, err = run_cli(["check", str(path), "-t", "student-roster"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "is an ILR XML file, which the student-roster template does not read" in err
    assert "--template ilr-learners" in err


def test_the_size_limit_applies(tmp_path: Path) -> None:
    """A file over --max-file-size is refused before parsing."""
    path = write(tmp_path, ilr_xml([(ANN, [AIM])]))
    with pytest.raises(InputError, match="more than the limit of 100"):
        read_ilr(path, Limits(max_file_bytes=100))


def test_the_row_limit_applies(tmp_path: Path) -> None:
    """More learning deliveries than --max-rows: refused while streaming."""
    path = write(tmp_path, ilr_xml([(ANN, [AIM, AIM2]), (BOB, [AIM])]))
    with pytest.raises(InputError, match="more than 2 learning deliveries"):
        read_ilr(path, Limits(max_rows=2))


@pytest.mark.parametrize("flag", ["--annotate", "--merge"])
def test_xml_is_not_written_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    """--annotate and --merge write spreadsheets: with an ILR file, a usage error."""
    path = write(tmp_path, ilr_xml([(ANN, [AIM])]))
    code, _, err = run_cli(["check", str(path), flag, str(tmp_path / "out.xlsx")], capsys)
    assert code == 2 and "an ILR XML file is checked as it is" in err
    assert not (tmp_path / "out.xlsx").exists()


# --------------------------------------------------------------------------- --collection-year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-26", "2025-26"),
        ("2025/26", "2025-26"),
        ("2526", "2025-26"),
        ("2099-00", "2099-00"),
        ("2025-27", None),
        ("2025", None),
        ("25-26", None),
        ("", None),
    ],
)
def test_collection_year_argument(text: str, expected: str | None) -> None:
    """Two consecutive years; anything else is refused."""
    import argparse

    if expected is None:
        with pytest.raises(argparse.ArgumentTypeError):
            collection_year_argument(text)
    else:
        assert collection_year_argument(text) == expected


def test_collection_year_option_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--collection-year reaches the rules; a bad value is exit code 2."""
    sheet = tmp_path / "learners.csv"
    sheet.write_text(
        "LearnRefNumber,ULN,FamilyName,GivenNames,DateOfBirth,LearnAimRef,LearnStartDate,"
        "LearnPlanEndDate,CompStatus,ProgType\n"
        "A1,1234567899,Smith,Ann,1/2/1990,60012345,1/8/2026,31/7/2027,1,\n",
        encoding="utf-8",
    )
    base = ["check", str(sheet), "-t", "ilr-learners", "--import-date", "2025-10-01", "-f", "json"]
    code, out, _ = run_cli(base, capsys)
    rules = {i["rule"] for i in json.loads(out)["files"][0]["issues"]}
    assert "start-after-collection-year" in rules
    code, out, _ = run_cli([*base, "--collection-year", "2026-27"], capsys)
    rules = {i["rule"] for i in json.loads(out)["files"][0]["issues"]}
    assert "start-after-collection-year" not in rules
    code, _, err = run_cli([*base, "--collection-year", "2026"], capsys)
    assert code == 2 and err.count("\n") == 1
