"""Bad local files: every problem named by file, row and column, all of them at once."""

from __future__ import annotations

import csv

import pytest

from registry_toolkit import rows as rows_module
from registry_toolkit import sources, streams
from registry_toolkit.cli import main
from registry_toolkit.compiler import compile_records
from registry_toolkit.problems import RecordsError
from tests.toolkit.conftest import edit_cell, read_rows, write_rows


def problems(folder) -> list[str]:
    with pytest.raises(RecordsError) as raised:
        compile_records(folder)
    return raised.value.log.lines()


def test_meeting_errors_are_all_collected_with_row_and_column(pilot_dir):
    meetings = pilot_dir / "meetings.csv"
    edit_cell(meetings, 2, "date", "15/02/2020")
    edit_cell(meetings, 7, "mode", "zoom")
    edit_cell(meetings, 9, "pair_id", "P99")
    edit_cell(meetings, 11, "minutes", "forty")
    edit_cell(meetings, 12, "held", "maybe")
    assert problems(pilot_dir) == [
        "meetings.csv, row 2, column 'date': '15/02/2020' is not a date: write YYYY-MM-DD, "
        "e.g. 2025-03-15",
        "meetings.csv, row 7, column 'mode': unknown mode 'zoom' (allowed: in_person, online, "
        "group)",
        "meetings.csv, row 9, column 'pair_id': unknown pair id 'P99' (not in the pairs file)",
        "meetings.csv, row 11, column 'minutes': 'forty' is not a whole number of 0 or more",
        "meetings.csv, row 12, column 'held': 'maybe' is not yes or no",
    ]


def test_survey_errors(pilot_dir):
    survey = pilot_dir / "survey_responses.csv"
    edit_cell(survey, 60, "satisfaction", "7")          # a mentee row
    edit_cell(survey, 3, "satisfaction", "4")           # a needs-survey row
    edit_cell(survey, 50, "need_research", "yes")       # a needs row whose person did not respond
    edit_cell(survey, 70, "survey", "exit")
    edit_cell(survey, 80, "respondent_id", "R01")       # R01 again in the mentee survey
    assert problems(pilot_dir) == [
        "survey_responses.csv, row 3, column 'satisfaction': answered on a needs-survey row; "
        "this column belongs to the mentee and mentor survey",
        "survey_responses.csv, row 50, column 'need_research': an answer is given but "
        "responded is 'no'",
        "survey_responses.csv, row 60, column 'satisfaction': '7' is not a rating from 1 to 5",
        "survey_responses.csv, row 70, column 'survey': unknown survey 'exit' (allowed: needs, "
        "mentee, mentor)",
        "survey_responses.csv, row 80, column 'respondent_id': 'R01' is also on row 54 of "
        "the mentee survey; give one row per invited person",
    ]


def test_small_file_errors(pilot_dir):
    edit_cell(pilot_dir / "mentees.csv", 4, "enrolled_on", "2020-02-30")
    edit_cell(pilot_dir / "mentees.csv", 52, "disengaged", "yes")
    edit_cell(pilot_dir / "pairs.csv", 3, "mentor_id", "S77")
    edit_cell(pilot_dir / "pairs.csv", 5, "ended_on", "2019-12-31")
    edit_cell(pilot_dir / "pairs.csv", 5, "end_reason", "planned")
    edit_cell(pilot_dir / "pairs.csv", 44, "end_reason", "")
    edit_cell(pilot_dir / "pairs.csv", 46, "ended_on", "")
    edit_cell(pilot_dir / "pairs.csv", 47, "rematch_resolved_on", "2020-07-01")
    assert problems(pilot_dir) == [
        "mentees.csv, row 4, column 'enrolled_on': '2020-02-30' is not a date: write "
        "YYYY-MM-DD, e.g. 2025-03-15",
        "mentees.csv, row 52, column 'disengaged': the mentee disengaged but was not enrolled "
        "in the period",
        "pairs.csv, row 3, column 'mentor_id': unknown mentor id 'S77' (not in mentors file)",
        "pairs.csv, row 5, column 'ended_on': the pair ended before it was formed",
        "pairs.csv, row 44, column 'end_reason': is empty; give planned or unplanned when "
        "ended_on is given",
        "pairs.csv, row 46, column 'end_reason': an end reason is given but ended_on is blank",
        "pairs.csv, row 47, column 'rematch_resolved_on': a re-match is resolved but was never "
        "requested (rematch_requested_on is blank)",
    ]


def test_missing_required_columns_are_named(pilot_dir):
    rows = read_rows(pilot_dir / "meetings.csv")
    write_rows(pilot_dir / "meetings.csv", [row[:2] + row[3:] for row in rows])
    rows = read_rows(pilot_dir / "mentors.csv")
    write_rows(pilot_dir / "mentors.csv", [row[:2] + row[3:] for row in rows])
    assert problems(pilot_dir) == [
        "mentors.csv, row 1, column 'trained': required column is missing from the header row",
        "meetings.csv, row 1, column 'mode': required column is missing from the header row",
    ]


def test_unknown_need_area_and_duplicate_column(pilot_dir):
    header, *rows = read_rows(pilot_dir / "survey_responses.csv")
    write_rows(pilot_dir / "survey_responses.csv",
               [[*header, "need_anatomy", "survey"], *([*row, "", row[1]] for row in rows)])
    assert problems(pilot_dir) == [
        "survey_responses.csv, row 1, column 'need_anatomy': unknown need area 'anatomy'; the "
        "areas are listed in README.md",
        "survey_responses.csv, row 1, column 'survey': the column appears twice in the header "
        "row",
    ]


def test_errors_are_found_across_batches_and_folds(pilot_dir, monkeypatch):
    monkeypatch.setattr(sources, "CHUNK_ROWS", 7)
    monkeypatch.setattr(streams, "FOLD_AT", 3)
    monkeypatch.setattr(streams, "chunked", lambda rows: sources.chunked(rows, 7))
    clean = compile_records(pilot_dir).payload
    edit_cell(pilot_dir / "meetings.csv", 250, "date", "2020-13-01")
    assert problems(pilot_dir) == [
        "meetings.csv, row 250, column 'date': '2020-13-01' is not a date: write YYYY-MM-DD, "
        "e.g. 2025-03-15"]
    edit_cell(pilot_dir / "meetings.csv", 250, "date", "2020-03-01")
    assert compile_records(pilot_dir).payload == clean


def test_blank_rows_and_short_rows_are_fine(pilot_dir):
    rows = read_rows(pilot_dir / "meetings.csv")
    rows.insert(10, [])
    rows.insert(20, ["", "", "", "", "", ""])
    rows[30] = rows[30][:-1]     # the last cell (held) left off: blank means held
    write_rows(pilot_dir / "meetings.csv", rows)
    assert compile_records(pilot_dir).payload["activity"]["meetings_held"]["in_person"] >= 196


def test_both_csv_and_xlsx_for_one_file(pilot_dir):
    (pilot_dir / "mentors.xlsx").write_bytes(b"")
    assert problems(pilot_dir) == [
        "mentors file: both mentors.csv and mentors.xlsx are present; keep one"]


def test_a_file_that_is_not_utf8(pilot_dir):
    (pilot_dir / "meetings.csv").write_bytes("pair_id,date,mode\nP01,2020-02-01,\xe9t\xe9\n"
                                             .encode("latin-1"))
    assert problems(pilot_dir) == [
        "meetings.csv: is not UTF-8 text; save it from Excel as 'CSV UTF-8 (comma delimited)'"]


def test_the_cli_prints_problems_and_fails(cli_runner, pilot_dir):
    edit_cell(pilot_dir / "meetings.csv", 7, "mode", "zoom")
    result = cli_runner.invoke(main, ["compile", str(pilot_dir)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "1 problem(s) in the local files; nothing was compiled:",
        "  meetings.csv, row 7, column 'mode': unknown mode 'zoom' (allowed: in_person, "
        "online, group)",
    ]


def test_facts_problems(pilot_dir):
    facts = pilot_dir / "programme.toml"
    text = facts.read_text(encoding="utf-8")
    text = text.replace('written_policy = false', 'written_policy = "sometimes"')
    text = text.replace("\n[capacity]\n", "\n[capacity]\neligble_mentees = 52\n")
    text = text.replace('name = "Senior-to-junior resident mentoring programme"',
                        'name = "Call 0300-1234567"')
    text = text.replace("ends_on = 2020-12-31\n", "")
    facts.write_text(text, encoding="utf-8")
    assert problems(pilot_dir) == [
        "programme.toml, key 'programme.name': holds a Pakistani phone number; programme "
        "facts must not identify people",
        "programme.toml, key 'governance.written_policy': 'sometimes' is not yes/no "
        "(true/false)",
        "programme.toml, key 'capacity.eligble_mentees': unknown key; did you mean "
        "'capacity.eligible_mentees'?",
        "programme.toml, key 'period.ends_on': missing: this programme fact is required",
    ]


def test_a_semicolon_separated_file(pilot_dir):
    rows = read_rows(pilot_dir / "mentors.csv")
    (pilot_dir / "mentors.csv").write_text("\n".join(";".join(row) for row in rows),
                                           encoding="utf-8")
    assert problems(pilot_dir) == [
        "mentors.csv, row 1: the header row is separated by semicolons; save the file as CSV "
        "with commas (Excel: 'CSV UTF-8 (comma delimited)')"]


def test_columns_in_any_order_give_the_same_return(pilot_dir):
    clean = compile_records(pilot_dir).payload
    for name in ("meetings.csv", "survey_responses.csv", "pairs.csv", "mentees.csv"):
        rows = read_rows(pilot_dir / name)
        write_rows(pilot_dir / name, [list(reversed(row)) for row in rows])
    assert compile_records(pilot_dir).payload == clean


def test_a_repeated_id_is_found_in_any_batch(pilot_dir, monkeypatch):
    monkeypatch.setattr(rows_module, "BATCH_ROWS", 5)
    header, *rows = read_rows(pilot_dir / "mentees.csv")
    rows[12][0] = rows[3][0]
    rows[20][0] = f" {rows[20][0]} "  # padded: still the same id, checked alone
    write_rows(pilot_dir / "mentees.csv", [header, *rows])
    assert [line for line in problems(pilot_dir) if line.startswith("mentees")] == [
        f"mentees.csv, row 14, column 'mentee_id': {rows[3][0]!r} is also on row 5; ids "
        "must be unique"]


def test_quoted_cells_and_windows_line_ends_give_the_same_return(pilot_dir):
    clean = compile_records(pilot_dir).payload
    for name, plain_rows in (("meetings.csv", 270), ("survey_responses.csv", 60)):
        quote_from(pilot_dir / name, plain_rows)
    assert compile_records(pilot_dir).payload == clean


def test_a_person_repeated_across_plain_and_quoted_lines_is_found(pilot_dir):
    header, *rows = read_rows(pilot_dir / "survey_responses.csv")
    rows[100] = list(rows[5])
    write_rows(pilot_dir / "survey_responses.csv", [header, *rows])
    quote_from(pilot_dir / "survey_responses.csv", 60)
    assert problems(pilot_dir) == [
        f"survey_responses.csv, row 102, column 'respondent_id': {rows[5][0]!r} is also on "
        f"row 7 of the {rows[5][1]} survey; give one row per invited person"]


def quote_from(path, plain_rows: int) -> None:
    """Rewrite a file with Windows line ends, quoting every cell after plain_rows rows."""
    header, *rows = read_rows(path)
    plain = "".join(",".join(row) + "\r\n" for row in [header, *rows[:plain_rows]])
    quoted = "".join(",".join(f'"{cell}"' for cell in row) + "\r\n" for row in rows[plain_rows:])
    path.write_text(plain + quoted, encoding="utf-8", newline="")


def test_an_unreadable_line_after_plain_ones_is_named_as_csv_names_it(pilot_dir):
    limit = csv.field_size_limit(1000)
    try:
        edit_cell(pilot_dir / "meetings.csv", 280, "mode", "x" * 2000)
        with (pilot_dir / "meetings.csv").open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            with pytest.raises(csv.Error) as raised:
                list(reader)
        assert problems(pilot_dir) == [
            f"meetings.csv: unreadable CSV near line {reader.line_num}: {raised.value}"]
    finally:
        csv.field_size_limit(limit)


def rename_ids(path, column: str, names: dict[str, str]) -> None:
    """Replace the ids of one column by the names given for them."""
    header, *rows = read_rows(path)
    position = header.index(column)
    for row in rows:
        row[position] = names.get(row[position], row[position])
    write_rows(path, [header, *rows])


def mentor_names() -> dict[str, str]:
    """A personal name for each of the pilot's 24 mentors (S01 ... S24)."""
    first = ["Ayesha", "Bilal", "Fatima", "Usman", "Sana", "Hamza", "Zainab", "Omar"]
    last = ["Khan", "Ahmed", "Malik"]
    return {f"S{n:02d}": f"{first[(n - 1) % 8]} {last[(n - 1) // 8]}" for n in range(1, 25)}


def test_names_used_as_mentor_ids_are_one_problem_not_unknown_ids_elsewhere(pilot_dir):
    rename_ids(pilot_dir / "mentors.csv", "mentor_id", mentor_names())
    assert problems(pilot_dir) == [
        "mentors.csv, row 2, column 'mentor_id': mentor_id values look like personal names "
        "(this row and 23 more); use pseudonymous ids (e.g. ME-00042), never names"]


def test_names_used_as_ids_in_both_files_are_caught_in_each(pilot_dir):
    names = mentor_names()
    rename_ids(pilot_dir / "mentors.csv", "mentor_id", names)
    rename_ids(pilot_dir / "pairs.csv", "mentor_id", names)
    assert problems(pilot_dir) == [
        "mentors.csv, row 2, column 'mentor_id': mentor_id values look like personal names "
        "(this row and 23 more); use pseudonymous ids (e.g. ME-00042), never names",
        "pairs.csv, row 2, column 'mentor_id': mentor_id values look like personal names "
        "(this row and 47 more); use pseudonymous ids (e.g. ME-00042), never names"]


def test_a_pairs_file_that_cannot_be_read_is_the_only_problem_reported(pilot_dir):
    (pilot_dir / "pairs.csv").write_bytes(b"pair_id,mentor_id\n\xff\xfe bad\n")
    assert problems(pilot_dir) == [
        "pairs.csv: is not UTF-8 text; save it from Excel as 'CSV UTF-8 (comma delimited)'"]


def test_mentors_marked_inactive_who_hold_pairs_are_one_problem(pilot_dir):
    for row in (3, 5, 6):
        edit_cell(pilot_dir / "mentors.csv", row, "active", "no")
    assert problems(pilot_dir) == [
        "mentors.csv, row 3, column 'active': 3 mentor(s) marked inactive (active = no) have "
        "a pair or group in the period in pairs.csv (this row and 2 more); mark them active "
        "(yes) or leave active blank to take it from the pairs"]


def test_a_repeated_mentor_or_pair_id_names_the_row_it_first_appeared_on(pilot_dir):
    edit_cell(pilot_dir / "mentors.csv", 7, "mentor_id", "S02")
    edit_cell(pilot_dir / "pairs.csv", 10, "pair_id", "P01")
    lines = problems(pilot_dir)
    assert "mentors.csv, row 7, column 'mentor_id': 'S02' is also on row 3; ids must be " \
        "unique" in lines
    assert "pairs.csv, row 10, column 'pair_id': 'P01' is also on row 2; ids must be " \
        "unique" in lines
