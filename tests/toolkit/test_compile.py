"""Compiling: where figures come from, what is derived, what is checked offline."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry_toolkit.cli import main
from registry_toolkit.compiler import ReturnInvalid, compile_records, payload_bytes
from registry_toolkit.facts import fact_kinds
from registry_toolkit.layout import RECORD_FILES
from registry_toolkit.problems import RecordsError
from registry_toolkit.quality import offline_rules, registry_findings
from schemas.examples import pilot_return
from tests.toolkit.conftest import edit_cell, read_rows, write_rows

TOOLKIT = Path(__file__).resolve().parents[2] / "registry_toolkit"


def test_offline_validation_catches_an_impossible_figure(cli_runner, pilot_dir):
    # Without mentees.csv the enrolled mentees come from the pairs (48), and the
    # eligible ones from the facts: 40 eligible cannot hold 48 enrolled.
    (pilot_dir / "mentees.csv").unlink()
    facts = pilot_dir / "programme.toml"
    facts.write_text(facts.read_text(encoding="utf-8").replace(
        "\n[capacity]\n", "\n[capacity]\neligible_mentees = 40\n"), encoding="utf-8")
    with pytest.raises(ReturnInvalid) as raised:
        compile_records(pilot_dir)
    assert raised.value.lines() == [
        "capacity.enrolled_mentees (from pairs.csv (mentees in pairs)): must not exceed "
        "capacity.eligible_mentees (40)"]
    result = cli_runner.invoke(main, ["compile", str(pilot_dir)])
    assert result.exit_code == 1
    assert "The compiled return breaks the data standard; nothing was written:" in result.output
    assert not list(pilot_dir.glob("return-*.json"))


def test_dry_run_prints_exactly_the_payload(cli_runner, pilot_dir):
    result = cli_runner.invoke(main, ["compile", str(pilot_dir), "--dry-run"])
    assert result.exit_code == 0, result.output
    payload = compile_records(pilot_dir).payload
    assert result.stdout == payload_bytes(payload).decode("utf-8")
    assert "Figures to send" in result.stderr
    assert not list(pilot_dir.glob("return-*.json"))


def test_submit_dry_run_needs_no_token_and_sends_nothing(cli_runner, pilot_dir):
    result = cli_runner.invoke(main, ["submit", str(pilot_dir), "--dry-run", "--url",
                                      "http://127.0.0.1:9"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == compile_records(pilot_dir).payload
    assert "Dry run: would POST to http://127.0.0.1:9/api/v1/returns with Idempotency-Key " \
           "toolkit-" in result.stderr


def test_templates_write_header_rows_and_facts(cli_runner, tmp_path):
    result = cli_runner.invoke(main, ["templates", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    for spec in RECORD_FILES:
        assert read_rows(tmp_path / "t" / spec.csv_name) == [list(spec.names)]
    facts = (tmp_path / "t" / "programme.toml").read_text(encoding="utf-8")
    assert "matching_method = \"\"" in facts and "assigned | personalised" in facts
    again = cli_runner.invoke(main, ["templates", str(tmp_path / "t")])
    assert again.exit_code == 1 and "is not empty" in again.output
    csv_facts = cli_runner.invoke(main, ["templates", str(tmp_path / "c"), "--facts", "csv"])
    assert csv_facts.exit_code == 0
    assert read_rows(tmp_path / "c" / "programme.csv")[0] == ["key", "value", "allowed"]


def test_an_empty_template_explains_what_is_missing(cli_runner, tmp_path):
    cli_runner.invoke(main, ["templates", str(tmp_path)])
    result = cli_runner.invoke(main, ["compile", str(tmp_path)])
    assert result.exit_code == 1
    assert "7 problem(s) in the local files; nothing was compiled:" in result.output
    assert "programme.toml, key 'programme.level': missing: this programme fact is " \
           "required" in result.output


def test_programme_csv_works_like_programme_toml(pilot_dir):
    expected = compile_records(pilot_dir).payload
    import tomllib

    facts = tomllib.loads((pilot_dir / "programme.toml").read_text(encoding="utf-8"))
    rows = [["key", "value"]]
    for section, values in facts.items():
        for key, value in values.items():
            text = ";".join(value) if isinstance(value, list) else value
            text = {True: "yes", False: "no"}.get(text, text) if isinstance(text, bool) else text
            rows.append([f"{section}.{key}", str(text)])
    write_rows(pilot_dir / "programme.csv", rows)
    (pilot_dir / "programme.toml").unlink()
    assert compile_records(pilot_dir).payload == expected


def test_facts_fill_gaps_and_records_win_conflicts(pilot_dir):
    facts = pilot_dir / "programme.toml"
    facts.write_text(facts.read_text(encoding="utf-8") + (
        "\n[needs_assessment.need_areas]\nwellbeing = 11\nresearch = 20\n"
        "\n[outcomes]\nmentee_research_outputs = 4\n"), encoding="utf-8")
    compilation = compile_records(pilot_dir)
    payload = compilation.payload
    assert payload["needs_assessment"]["need_areas"]["wellbeing"] == 11
    assert compilation.sources["needs_assessment.need_areas.wellbeing"] == "programme.toml"
    assert payload["needs_assessment"]["need_areas"]["research"] == 21
    assert ("programme.toml gives needs_assessment.need_areas.research = 20, but "
            "survey_responses.csv gives 21; the records' figure is used") in compilation.notes
    assert payload["outcomes"] == {"mentee_research_outputs": 4,
                                   "mentees_in_research_projects": "not_collected"}


def test_missing_files_give_not_collected_and_ask_for_yes_no_facts(pilot_dir):
    (pilot_dir / "survey_responses.csv").unlink()
    (pilot_dir / "meetings.csv").unlink()
    with pytest.raises(RecordsError) as raised:
        compile_records(pilot_dir)
    assert raised.value.log.lines() == [
        "programme.toml, key 'needs_assessment.conducted': not derivable from the record "
        "files present; give it in the programme facts",
        "programme.toml, key 'evaluation.evaluation_done': not derivable from the record "
        "files present; give it in the programme facts",
    ]
    facts = pilot_dir / "programme.toml"
    facts.write_text(facts.read_text(encoding="utf-8") + "\n[needs_assessment]\nconducted = "
                     "false\n", encoding="utf-8")
    facts.write_text(facts.read_text(encoding="utf-8").replace(
        "focus_groups_held = 2", "focus_groups_held = 2\nevaluation_done = true"),
        encoding="utf-8")
    payload = compile_records(pilot_dir).payload
    assert payload["needs_assessment"]["invited"] == "not_applicable"
    assert payload["activity"]["meetings_held"]["online"] == "not_collected"
    assert payload["evaluation"]["mentee_survey"]["responded"] == "not_collected"
    assert payload["evaluation"]["perceived_improvement"] == {}


def test_surveys_not_run_are_not_applicable(pilot_dir):
    rows = read_rows(pilot_dir / "survey_responses.csv")
    write_rows(pilot_dir / "survey_responses.csv", [r for r in rows if r[1] != "mentor"])
    survey = compile_records(pilot_dir).payload["evaluation"]["mentor_survey"]
    assert survey["invited"] == "not_applicable"
    assert set(survey["satisfaction"].values()) == {"not_applicable"}


def test_only_the_period_counts(pilot_dir):
    edit_cell(pilot_dir / "meetings.csv", 2, "date", "2021-01-05")
    edit_cell(pilot_dir / "pairs.csv", 2, "formed_on", "2019-06-01")
    compilation = compile_records(pilot_dir)
    activity = compilation.payload["activity"]
    assert activity["meetings_planned"] == 287
    assert activity["active_pairs_start"] == 1
    assert "1 meeting(s) dated outside the period were ignored" in compilation.notes


def test_groups_count_their_members_against_the_cap(pilot_dir):
    header, *rows = read_rows(pilot_dir / "mentees.csv")
    write_rows(pilot_dir / "mentees.csv", [[*header, "group_id"]] + [
        [*row, "G1" if row[0] in ("R01", "R02", "R03") else ""] for row in rows])
    header, *rows = read_rows(pilot_dir / "pairs.csv")
    rows.append(["G-PAIR", "S24", "", "G1", "2020-03-01", "", "", "", ""])
    write_rows(pilot_dir / "pairs.csv", [header, *rows])
    activity = compile_records(pilot_dir).payload["activity"]
    assert activity["pairs_formed"] == 49
    # S24 already mentors two residents; a group of three takes it to five, over the cap of 2.
    assert activity["mentors_over_cap"] == 1


def test_mentors_over_cap_is_not_applicable_without_a_cap(pilot_dir):
    facts = pilot_dir / "programme.toml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("mentee_cap = 2", ""),
                     encoding="utf-8")
    assert compile_records(pilot_dir).payload["activity"]["mentors_over_cap"] == "not_applicable"


def test_the_registrys_within_return_rules_are_foreseen_by_their_ids():
    payload = pilot_return()
    payload["capacity"].update(active_mentors=3, mentors_trained=1)
    payload["activity"]["meetings_held"] = {"in_person": 0, "online": 0, "group": 0}
    payload["evaluation"]["mentee_survey"]["satisfaction"] = {
        "1": 0, "2": 0, "3": 36, "4": 0, "5": 0}
    found = [(f.rule_id, f.field, f.severity, f.value) for f in registry_findings(payload)]
    assert found == [
        ("Q001", "capacity.enrolled_mentees", "warning", "16.0 mentees per mentor"),
        ("Q004", "activity.meetings_held", "warning",
         "0 meetings held for 48 enrolled mentees"),
        ("Q005", "evaluation.mentee_survey.satisfaction", "warning",
         "all 36 ratings on one point"),
        ("Q009", "activity.contact_hours", "error", "251.5 hours with 0 meetings"),
    ]


def test_a_return_within_every_threshold_draws_no_finding():
    payload = pilot_return()
    payload["capacity"].update(enrolled_mentees=45, eligible_mentees=52, active_mentors=3)
    assert registry_findings(payload) == []


def test_the_summary_shows_registry_findings_by_rule_id(cli_runner, pilot_dir):
    rows = read_rows(pilot_dir / "meetings.csv")
    write_rows(pilot_dir / "meetings.csv", rows[:1])  # the log kept, no meeting in it
    result = cli_runner.invoke(main, ["compile", str(pilot_dir)])
    assert "  ! Q004 warning, activity.meetings_held (0 meetings held for 48 enrolled " \
           "mentees): Mentees are enrolled but no mentoring meeting" in result.output


def test_the_sample_command_writes_a_set_that_compiles(cli_runner, tmp_path):
    result = cli_runner.invoke(main, ["sample", str(tmp_path / "s"), "--eligible", "60"])
    assert result.exit_code == 0, result.output
    compilation = compile_records(tmp_path / "s")
    assert compilation.payload["capacity"]["eligible_mentees"] == 60
    assert compilation.payload["header"]["institution_code"] == "KP-MED-PUB-001"


def test_readme_documents_every_column_and_fact():
    readme = (TOOLKIT / "README.md").read_text(encoding="utf-8")
    for spec in RECORD_FILES:
        assert f"`{spec.csv_name}`" in readme
        for name in spec.names:
            if not name.startswith(("need_", "improved_")):
                assert f"`{name}`" in readme, name
    for key in fact_kinds():
        if key.split(".")[0] in ("header", "period", "programme", "governance", "matching"):
            assert f"`{key.split('.')[-1]}`" in readme, key


def test_readme_names_every_rule_the_toolkit_runs():
    readme = (TOOLKIT / "README.md").read_text(encoding="utf-8")
    for rule in offline_rules():
        assert rule.id in readme, rule.id


def toolkit_imports() -> set[str]:
    """Return the top-level names the toolkit's modules import."""
    names = set()
    for path in TOOLKIT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
    return names


def test_the_toolkit_imports_only_the_standard_and_light_libraries():
    allowed = {"schemas", "expectations", "registry_toolkit", "openpyxl", "tqdm", "click",
               "marshmallow"}
    outside = {name for name in toolkit_imports()
               if name.split(".")[0] not in sys.stdlib_module_names
               and not any(name == a or name.startswith(a + ".") for a in allowed)}
    assert outside == set()


def test_importing_the_toolkit_and_checking_a_return_loads_no_registry_stack():
    code = ("import sys, registry_toolkit.cli; from schemas.examples import pilot_return; "
            "from registry_toolkit.quality import registry_findings; "
            "registry_findings(pilot_return()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', "
            "'pandas', 'numpy', 'great_expectations')"
            " or (m.startswith('registry.') and not m.startswith('registry_toolkit'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"


def test_disagreements_between_files_are_warned(pilot_dir):
    edit_cell(pilot_dir / "mentees.csv", 3, "enrolled", "no")
    edit_cell(pilot_dir / "mentors.csv", 5, "training_hours", "9")
    warnings = compile_records(pilot_dir).warnings
    assert warnings == [
        "a mentor attended 9 hours of training but the programme facts say 7.5 hours were "
        "held in the period",
        "1 mentee(s) paired in the period are not marked enrolled in the mentees file",
    ]


def test_meetings_need_the_pairs_file(pilot_dir):
    (pilot_dir / "pairs.csv").unlink()
    with pytest.raises(RecordsError) as raised:
        compile_records(pilot_dir)
    assert raised.value.log.lines() == [
        "meetings.csv: meetings need the pairs file to check their pair ids"]


def test_progress_bar_on_request(cli_runner, pilot_dir):
    result = cli_runner.invoke(main, ["compile", str(pilot_dir), "--progress"])
    assert result.exit_code == 0, result.output
    assert "meetings.csv" in result.stderr and "rows" in result.stderr


def test_a_return_file_is_checked_before_it_is_sent(cli_runner, tmp_path, monkeypatch):
    payload = pilot_return()
    payload["needs_assessment"]["responded"] = 60
    path = tmp_path / "return.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    monkeypatch.setenv("REGISTRY_TOKEN", "token")
    result = cli_runner.invoke(main, ["submit", str(path), "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path} does not meet the data standard; nothing was sent:",
        "  needs_assessment.responded: must not exceed needs_assessment.invited (52)",
    ]


def test_out_chooses_where_the_return_is_written(cli_runner, pilot_dir, tmp_path):
    target = tmp_path / "outbox" / "pilot.json"
    target.parent.mkdir()
    result = cli_runner.invoke(main, ["compile", str(pilot_dir), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == payload_bytes(compile_records(pilot_dir).payload)
    assert not list(pilot_dir.glob("return-*.json"))
