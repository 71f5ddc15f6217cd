"""Nothing about a person leaves the machine: identifying input is refused or dropped."""

from __future__ import annotations

import json

import pytest

from registry_toolkit.cli import main
from registry_toolkit.compiler import compile_records
from registry_toolkit.privacy import identifier_kind, identifying_column
from registry_toolkit.problems import RecordsError
from registry_toolkit.streams import ReadOptions
from tests.toolkit.conftest import add_column, edit_cell


@pytest.mark.parametrize(("text", "kind"), [
    ("35202-1234567-1", "a CNIC number"),
    ("3520212345671", "a CNIC number"),
    ("0300-1234567", "a Pakistani phone number"),
    ("03001234567", "a Pakistani phone number"),
    ("+92 300 1234567", "a Pakistani phone number"),
    ("+92-21-1234567", "a Pakistani phone number"),
    ("ayesha.khan@example.pk", "an e-mail address"),
    ("R01", None), ("ME-00042", None), ("2020-01-15", None), ("PR-0300-12", None),
])
def test_identifier_patterns(text, kind):
    assert identifier_kind(text) == kind


@pytest.mark.parametrize("name", ["name", "Full Name", "mentee_name", "Phone", "mobile_no",
                                  "CNIC", "e-mail", "Email", "home_address", "father_name"])
def test_identifying_column_names(name):
    assert identifying_column(name)


@pytest.mark.parametrize("name", ["mentee_id", "enrolled_on", "need_time_management",
                                  "training_hours", "notes", "cohort"])
def test_ordinary_column_names(name):
    assert not identifying_column(name)


def test_a_names_column_is_refused_naming_file_row_column_and_why(cli_runner, pilot_dir):
    add_column(pilot_dir / "mentees.csv", "full_name", ["Ayesha Khan", "Bilal Ahmed"])
    result = cli_runner.invoke(main, ["compile", str(pilot_dir)])
    assert result.exit_code == 1
    assert ("mentees.csv, row 1, column 'full_name': the column name suggests direct "
            "identifiers") in result.output
    assert "--drop-identifying-columns" in result.output
    assert not list(pilot_dir.glob("return-*.json"))


def test_cnic_and_phone_values_in_unexpected_columns_are_refused(pilot_dir):
    add_column(pilot_dir / "mentors.csv", "contact", ["0300-1234567", ""])
    add_column(pilot_dir / "meetings.csv", "remarks", ["ok", "CNIC 35202-1234567-1 noted"])
    with pytest.raises(RecordsError) as raised:
        compile_records(pilot_dir)
    lines = raised.value.log.lines()
    assert ("mentors.csv, row 2, column 'contact': holds a Pakistani phone number; remove "
            "the column or run with --drop-identifying-columns") in lines
    assert "mentors.csv, row 4, column 'contact': holds a Pakistani phone number; remove " \
           "the column or run with --drop-identifying-columns" in lines
    assert ("meetings.csv, row 3, column 'remarks': holds a CNIC number; remove the column "
            "or run with --drop-identifying-columns") in lines
    # Messages never repeat the identifier itself.
    assert not any("1234567" in line for line in lines)


def test_drop_identifying_columns_drops_them_and_says_which(cli_runner, pilot_dir):
    clean = compile_records(pilot_dir).payload
    add_column(pilot_dir / "mentees.csv", "full_name", ["Ayesha Khan", "Bilal Ahmed"])
    add_column(pilot_dir / "mentors.csv", "contact", ["0300-1234567", ""])
    add_column(pilot_dir / "survey_responses.csv", "email", ["a@b.pk", ""])
    result = cli_runner.invoke(main, ["compile", str(pilot_dir), "--drop-identifying-columns"])
    assert result.exit_code == 0, result.output
    assert "mentees.csv: dropped identifying column(s) full_name" in result.output
    assert "mentors.csv: dropped identifying column(s) contact" in result.output
    assert "survey_responses.csv: dropped identifying column(s) email" in result.output
    written = json.loads((pilot_dir / "return-PG-PEER-2020.json").read_text(encoding="utf-8"))
    assert written == clean


def test_identifiers_used_as_ids_are_refused_even_when_dropping(pilot_dir):
    edit_cell(pilot_dir / "mentees.csv", 3, "mentee_id", "35202-1234567-1")
    edit_cell(pilot_dir / "survey_responses.csv", 5, "respondent_id", "0321-7654321")
    with pytest.raises(RecordsError) as raised:
        compile_records(pilot_dir, ReadOptions(drop_identifying=True))
    lines = raised.value.log.lines()
    assert ("mentees.csv, row 3, column 'mentee_id': holds a CNIC number; use pseudonymous "
            "ids, not personal identifiers") in lines
    assert ("survey_responses.csv, row 5, column 'respondent_id': holds a Pakistani phone "
            "number; use pseudonymous ids, not personal identifiers") in lines


def test_the_payload_holds_aggregates_only(pilot_dir):
    text = json.dumps(compile_records(pilot_dir).payload)
    for person_id in ("R01", "S01", "P01"):
        assert f'"{person_id}"' not in text
