"""Standard 1.1: the cohort follow-up compiled from the mentees file, and sent."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.models import Period, ReturnVersion
from registry_toolkit.cli import main
from registry_toolkit.compiler import compile_records
from tests.toolkit.conftest import add_column
from tests.toolkit.test_submit import token_file

# The pilot's 52 mentees: rows alternate between two intake cohorts.
INTAKES = ("2020", "2019")
STATUSES = ("in_training", "in_training", "completed", "withdrew")
EXAMS = ("passed", "failed", "not_sat", "passed")


def _with_cohort_columns(pilot_dir) -> None:
    mentees = pilot_dir / "mentees.csv"
    add_column(mentees, "intake_period", INTAKES)
    add_column(mentees, "training_status", STATUSES)
    add_column(mentees, "exam", EXAMS)
    add_column(mentees, "burnout_instrument", ("mbi_hss",))
    add_column(mentees, "burnout_screen", ("below_threshold", "above_threshold", "", ""))


def test_standard_1_0_is_compiled_by_default_without_cohorts(pilot_dir):
    _with_cohort_columns(pilot_dir)
    payload = compile_records(pilot_dir).payload
    assert payload["header"]["schema_version"] == "1.0"
    assert "cohort_follow_up" not in payload


def test_standard_1_1_follows_each_intake_cohort_of_the_mentees_file(pilot_dir):
    _with_cohort_columns(pilot_dir)
    compilation = compile_records(pilot_dir, standard="1.1")
    cohorts = compilation.payload["cohort_follow_up"]["cohorts"]
    assert [c["intake_period"] for c in cohorts] == ["2020", "2019"]
    newer = cohorts[0]  # rows 1, 3, 5, ...: statuses in_training / completed, exams passed / not
    assert (newer["at_start"], newer["still_in_training"], newer["completed"]) == (26, 13, 13)
    assert newer["exam"] == {"sat": 13, "passed": 13}
    assert newer["burnout_screening"] == {"instrument": "mbi_hss", "screened": 13,
                                          "above_threshold": 0}
    older = cohorts[1]
    assert older["left"]["withdrew"] == 13 and older["still_in_training"] == 13
    assert older["with_research_outputs"] == "not_collected"  # no research_output column
    assert "2 intake cohort(s) followed" in " ".join(compilation.notes)


def test_standard_1_1_without_intake_columns_leaves_the_section_out(pilot_dir):
    compilation = compile_records(pilot_dir, standard="1.1")
    assert compilation.payload["header"]["schema_version"] == "1.1"
    assert "cohort_follow_up" not in compilation.payload
    assert any("left out (not collected)" in note for note in compilation.notes)


def test_a_v1_1_return_is_refused_then_accepted_once_the_period_takes_1_1(
        cli_runner, pilot_dir, tmp_path, registry_server):
    _with_cohort_columns(pilot_dir)
    args = ["--standard", "1.1", "--url", registry_server.url,
            "--token-file", str(token_file(tmp_path, registry_server.token))]
    refused = cli_runner.invoke(main, ["submit", str(pilot_dir), *args])
    assert refused.exit_code == 1
    assert "Period 2020 accepts returns in data standard version 1.0" in refused.output
    _accept_both_versions(registry_server.engine, "2020")
    try:
        accepted = cli_runner.invoke(main, ["submit", str(pilot_dir), *args])
        assert accepted.exit_code == 0, accepted.output
        assert "(HTTP 201)" in accepted.output
        with Session(registry_server.engine) as session:
            newest = session.scalars(select(ReturnVersion).order_by(ReturnVersion.id.desc())
                                     ).first()
            assert newest.schema_version == "1.1"
            assert len(newest.payload["cohort_follow_up"]["cohorts"]) == 2
    finally:
        _accept_both_versions(registry_server.engine, "2020", ["1.0"])


def _accept_both_versions(engine, code: str, versions=("1.0", "1.1")) -> None:
    with Session(engine) as session:
        session.execute(update(Period).where(Period.code == code).values(
            standard_versions=list(versions)))
        session.commit()
