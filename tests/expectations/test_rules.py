"""Each quality rule, with a case that passes and a case that fires.

Every case is one row of a single quality frame (one Great Expectations run per module,
as in production): within-return cases are postgraduate programmes, the national
distribution has its own level with twelve returns, and a third level has only nine.
"""

from __future__ import annotations

import copy

import pytest

from expectations import load_rules
from registry.services.quality.quality_checks import validate_frame
from registry.services.quality.quality_frame import build_frame
from schemas.examples import pilot_return
from schemas.paths import set_path

NO_MEETINGS = {"in_person": 0, "online": 0, "group": 0}
ONE_POINT_36 = {"1": 0, "2": 0, "3": 36, "4": 0, "5": 0}


def cohort(**figures) -> dict:
    """A return's cohort follow-up with one intake cohort (the 2024 intake)."""
    followed = {"intake_period": "2024", "at_start": 40, "still_in_training": 30,
                "completed": 5, "left": {"withdrew": 5, "other": 0}, **figures}
    return {"cohort_follow_up": {"cohorts": [followed]}}


# name: (rule, fires, changes to this period's return, previous return's changes or None)
WITHIN = {
    "ratio_16": ("Q001", True, {"capacity.active_mentors": 3, "capacity.mentors_trained": 3}),
    "ratio_2": ("Q001", False, {}),
    "enrolled_without_mentors": ("Q002", True, {"capacity.active_mentors": 0,
                                                "capacity.mentors_trained": 0}),
    "nobody_enrolled_no_mentors": ("Q002", False, {"capacity.enrolled_mentees": 0,
                                                   "capacity.active_mentors": 0,
                                                   "capacity.mentors_trained": 0}),
    "hours_104_per_mentee": ("Q003", True, {"activity.contact_hours": 5000}),
    "hours_0_1_per_mentee": ("Q003", True, {"activity.contact_hours": 5}),
    "hours_5_per_mentee": ("Q003", False, {}),
    "no_meetings_with_mentees": ("Q004", True, {"activity.meetings_held": NO_MEETINGS,
                                                "activity.contact_hours": 0}),
    "meetings_with_mentees": ("Q004", False, {}),
    "mentee_ratings_on_one_point": ("Q005", True,
                                    {"evaluation.mentee_survey.satisfaction": ONE_POINT_36}),
    "four_mentees_alike": ("Q005", False, {"evaluation.mentee_survey.satisfaction":
                                           {"1": 0, "2": 0, "3": 0, "4": 4, "5": 0}}),
    "mentee_ratings_spread": ("Q005", False, {}),
    "mentor_ratings_on_one_point": ("Q006", True, {"evaluation.mentor_survey.satisfaction":
                                                   {"1": 0, "2": 0, "3": 0, "4": 0, "5": 20}}),
    "mentor_ratings_spread": ("Q006", False, {}),
    "held_far_above_planned": ("Q007", True, {"activity.meetings_planned": 100}),
    "held_below_planned": ("Q007", False, {}),
    "hours_not_collected": ("Q008", True, {"activity.contact_hours": "not_collected"}),
    "hours_reported": ("Q008", False, {}),
    "hours_without_meetings": ("Q009", True, {"activity.meetings_held": NO_MEETINGS,
                                              "activity.contact_hours": 12}),
    "hours_with_meetings": ("Q009", False, {}),
}
CREDIBILITY = {
    "enrolled_doubled": ("Q010", True, {"capacity.enrolled_mentees": 100,
                                        "capacity.eligible_mentees": 120}, {}),
    "small_programme_jump": ("Q010", False, {"capacity.enrolled_mentees": 25},
                             {"capacity.enrolled_mentees": 10}),
    "enrolled_steady": ("Q010", False, {"capacity.enrolled_mentees": 40}, {}),
    "no_previous_return": ("Q010", False, {"capacity.enrolled_mentees": 5}, None),
    "mentors_up_two_thirds": ("Q011", True, {"capacity.active_mentors": 40}, {}),
    "mentors_steady": ("Q011", False, {"capacity.active_mentors": 30}, {}),
    "meetings_more_than_doubled": ("Q012", True, {"activity.meetings_planned": 600,
                                                  "activity.meetings_held": {
                                                      "in_person": 450, "online": 40,
                                                      "group": 10}}, {}),
    "meetings_steady": ("Q012", False, {"activity.meetings_held": {
        "in_person": 250, "online": 40, "group": 10}}, {}),
    "cohort_start_changed": ("Q013", True, cohort(at_start=44), cohort()),
    "cohort_start_kept": ("Q013", False, cohort(), cohort()),
    "cohort_completions_fell": ("Q014", True, cohort(completed=3), cohort()),
    "cohort_completions_grew": ("Q014", False, cohort(completed=9, still_in_training=26),
                                cohort()),
    "cohort_leavers_fell": ("Q015", True, cohort(left={"withdrew": 2, "other": 1}), cohort()),
    "cohort_leavers_grew": ("Q015", False, cohort(left={"withdrew": 5, "other": 2},
                                                  still_in_training=28), cohort()),
    "cohort_in_training_grew": ("Q016", True, cohort(), cohort(still_in_training=27)),
    "cohort_in_training_fell": ("Q016", False, cohort(still_in_training=27), cohort()),
}
NATIONAL = {
    "ratio_outlier": ("Q020", True, {"capacity.enrolled_mentees": 55,
                                     "capacity.active_mentors": 4,
                                     "capacity.mentors_trained": 4}),
    "completion_outlier": ("Q021", True, {"activity.meetings_held": {
        "in_person": 10, "online": 0, "group": 0}, "activity.contact_hours": 10}),
    "hours_outlier": ("Q022", True, {"activity.contact_hours": 2000}),
    "coverage_outlier": ("Q023", True, {"capacity.eligible_mentees": 400}),
}
TYPICAL = {f"typical_{rule}": (rule, False) for rule in ("Q020", "Q021", "Q022", "Q023")}


def payload(level: str, changes: dict) -> dict:
    """The pilot return at a level, with dotted-path changes."""
    result = pilot_return()
    result["programme"]["level"] = level
    for path, value in changes.items():
        set_path(result, path, copy.deepcopy(value))
    return result


def record(number: int, body: dict, *, institution: int | None = None,
           code: str | None = None) -> dict:
    """One latest-version record; version ids are deliberately not 0..n-1."""
    return {"version_id": 1000 + 7 * number, "return_id": number,
            "institution_id": institution or number, "programme_id": number,
            "institution_code": f"I{institution or number}",
            "programme_code": code or f"P{number}", "version_status": "submitted",
            "return_status": "submitted", "payload": body}


def typical(i: int) -> dict:
    """An undergraduate return, slightly different for each i."""
    return {"capacity.enrolled_mentees": 40 + i, "capacity.eligible_mentees": 60,
            "capacity.active_mentors": 20, "capacity.mentors_trained": 20,
            "activity.meetings_held": {"in_person": 190 + 3 * i, "online": 31, "group": 6},
            "activity.contact_hours": 250 + 5 * i}


def build_cases():
    """All cases as records (this period, previous period) and case name → version id."""
    records, previous, ids = [], [], {}

    def add(name, body, **where):
        number = len(records) + 1
        records.append(record(number, body, **where))
        ids[name] = records[-1]["version_id"]
        return number

    for name, (_rule, _fires, changes) in WITHIN.items():
        add(name, payload("postgraduate", changes))
    for name, (_rule, _fires, changes, before) in CREDIBILITY.items():
        number = add(name, payload("postgraduate", changes))
        if before is not None:
            previous.append(record(number, payload("postgraduate", before)))
    for i, name in enumerate([*TYPICAL, *NATIONAL, "spare_1", "spare_2", "spare_3", "spare_4"]):
        extreme = NATIONAL.get(name, (None, None, {}))[2]
        add(name, payload("undergraduate", {**typical(i), **extreme}))
    for i in range(9):
        changes = typical(i) if i else {**typical(i), **NATIONAL["ratio_outlier"][2]}
        add("ratio_outlier_among_nine" if i == 0 else f"faculty_{i}", payload("faculty", changes))
    _add_completeness(add, previous)
    return records, previous, ids


def _add_completeness(add, previous) -> None:
    base = payload("postgraduate", {})
    for institution, now, before in ((900, ["CA"], ["CA", "CB"]), (901, ["DA", "DB"],
                                                                    ["DA", "DB"])):
        for code in before:
            previous.append(record(5000 + len(previous), base, institution=institution,
                                   code=code))
        for code in now:
            add(f"completeness_{code}", base, institution=institution, code=code)


@pytest.fixture(scope="module")
def outcome():
    records, previous, ids = build_cases()
    frame = build_frame(records, previous, load_rules())
    return ids, validate_frame(frame)


def fired(outcome, case: str) -> dict[str, list]:
    ids, findings = outcome
    result: dict[str, list] = {}
    for finding in findings:
        if finding.version_id == ids[case]:
            result.setdefault(finding.rule_id, []).append(finding)
    return result


ALL_CASES = {
    **{name: (rule, fires) for name, (rule, fires, _) in WITHIN.items()},
    **{name: (rule, fires) for name, (rule, fires, _, _) in CREDIBILITY.items()},
    **{name: (rule, fires) for name, (rule, fires, _) in NATIONAL.items()},
    **TYPICAL,
    "ratio_outlier_among_nine": ("Q020", False),
    "completeness_CA": ("Q030", True),
    "completeness_DA": ("Q030", False),
}


@pytest.mark.parametrize(("case", "rule", "fires"),
                         [(case, rule, fires) for case, (rule, fires) in ALL_CASES.items()])
def test_rule_fires_only_on_its_failing_case(outcome, case, rule, fires):
    assert (rule in fired(outcome, case)) is fires


def test_every_rule_has_a_passing_and_a_failing_case():
    rules = {rule.id for rule in load_rules()}
    assert {rule for rule, fires in ALL_CASES.values() if fires} == rules
    assert {rule for rule, fires in ALL_CASES.values() if not fires} == rules


def test_a_finding_names_the_version_field_value_and_expected_range(outcome):
    [finding] = fired(outcome, "ratio_16")["Q001"]
    assert finding.version_id == outcome[0]["ratio_16"]
    assert finding.field == "capacity.enrolled_mentees"
    assert finding.value == "16.0 mentees per mentor"
    assert finding.expected == "at most 15 mentees per mentor"
    assert finding.severity == "warning" and finding.kind == "within_return"


def test_contradictions_are_errors(outcome):
    assert fired(outcome, "enrolled_without_mentors")["Q002"][0].severity == "error"
    assert fired(outcome, "hours_without_meetings")["Q009"][0].severity == "error"


def test_a_jump_reports_both_periods_figures(outcome):
    [finding] = fired(outcome, "enrolled_doubled")["Q010"]
    assert finding.value == "48 → 100 (+108%)"


def test_a_missing_programme_is_its_own_issue_on_the_colleges_other_return(outcome):
    [finding] = fired(outcome, "completeness_CA")["Q030"]
    assert (finding.field, finding.value) == ("programmes.CB", "CB")


def test_an_outlier_reports_the_national_median_mad_and_robust_z(outcome):
    [finding] = fired(outcome, "ratio_outlier")["Q020"]
    assert finding.value.startswith("13.8 (national median 2.")
    assert ", MAD " in finding.value and "robust z +" in finding.value
