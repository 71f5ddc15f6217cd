"""One rule, one answer: the pipeline, the dry run, the web submit and the toolkit agree.

A corpus of returns (the demo generator's good and poor returns, and edge cases: zero
denominators, reason codes, values exactly at each threshold and just past it, changes
exactly at the credibility limits) is run through
  (a) the quality pipeline's batch validation (Great Expectations, issues stored),
  (b) the dry run POST /api/v1/returns/validate, before each return is stored,
  (c) the web submit's findings on the stored version, and
  (d) the toolkit's offline check,
and each place must give identical findings (rule id, field, severity, message, value)
for every rule it can run: the one-return rules in (b) and (c), the within-return rules
in (d).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from expectations import ONE_RETURN_KINDS, WITHIN_RETURN_KINDS, load_rules
from registry.models import QualityIssue
from registry.services.accounts.actors import Actor
from registry.services.quality.quality_checks import check_period
from registry.services.quality.return_findings import one_return_findings
from registry.services.submission.submissions import submit_return
from registry_toolkit.quality import registry_findings
from schemas import validate_return
from schemas.examples import synthetic_return
from tests.factories import bearer, make_period, make_user, return_payload

Edit = Callable[[dict], None]


def _set(section: str, **values) -> Edit:
    return lambda payload: payload[section].update(values)


def _held(in_person, online=0, group=0) -> Edit:
    return _set("activity", meetings_held={"in_person": in_person, "online": online,
                                           "group": group})


def _ratings(survey: str, **points) -> Edit:
    counts = {str(p): 0 for p in range(1, 6)} | {k.lstrip("p"): v for k, v in points.items()}
    return lambda payload: payload["evaluation"][f"{survey}_survey"].update(
        satisfaction=counts)


def _all(*edits: Edit) -> Edit:
    def apply(payload: dict) -> None:
        for edit in edits:
            edit(payload)
    return apply


def _mentors(count: int) -> Edit:
    return _set("capacity", active_mentors=count, mentors_trained=min(24, count))


def _cohort(at_start=40, still_in_training=30, completed=5, left=5, intake="2024") -> Edit:
    """The return as v1.1 following one intake cohort (leavers all 'withdrew')."""
    cohort = {"intake_period": intake, "at_start": at_start,
              "still_in_training": still_in_training, "completed": completed,
              "left": {"transferred": 0, "withdrew": left, "dismissed": 0, "other": 0},
              "exam": {"sat": 10, "passed": 8}, "with_research_outputs": 3,
              "burnout_screening": {"instrument": "cbi", "screened": 20, "above_threshold": 5}}

    def apply(payload: dict) -> None:
        payload["header"]["schema_version"] = "1.1"
        payload["cohort_follow_up"] = {"cohorts": [cohort]}
    return apply


# name: (edit of this period's pilot return, edit of the previous period's or None for none)
EDGE_CASES: dict[str, tuple[Edit, Edit | None]] = {
    "pilot": (_all(), _all()),
    "ratio exactly 15": (_all(_set("capacity", enrolled_mentees=45), _mentors(3)), None),
    "ratio just above 15": (_mentors(3), None),
    "no active mentor (zero denominator)": (_all(_mentors(0), _set(
        "activity", mentors_over_cap=0)), None),
    "contact hours exactly 0.25 per mentee": (_set("activity", contact_hours=12), None),
    "contact hours just under 0.25 per mentee": (_set("activity", contact_hours=11.9), None),
    "contact hours exactly 60 per mentee": (_set("activity", contact_hours=2880), None),
    "contact hours just over 60 per mentee": (_set("activity", contact_hours=2881), None),
    "contact hours not collected": (_set("activity", contact_hours="not_collected"), None),
    "online meetings not applicable": (_held(196, "not_applicable", 6), None),
    "no meeting held": (_held(0), None),
    "no meeting and no hours": (_all(_held(0), _set("activity", contact_hours=0)), None),
    "held exactly 1.5 times planned": (_all(_set("activity", meetings_planned=100),
                                            _held(150)), None),
    "held just over 1.5 times planned": (_all(_set("activity", meetings_planned=100),
                                              _held(151)), None),
    "no meeting planned (zero denominator)": (_set("activity", meetings_planned=0), None),
    "mentee ratings all on one point": (_ratings("mentee", p3=36), None),
    "mentor ratings on one point, exactly 5 raters": (_ratings("mentor", p4=5), None),
    "mentor ratings on one point, 4 raters": (_ratings("mentor", p4=4), None),
    "enrolled up exactly 50 %": (_set("capacity", enrolled_mentees=72, eligible_mentees=80),
                                 _all()),
    "enrolled up just over 50 %": (_set("capacity", enrolled_mentees=73, eligible_mentees=80),
                                   _all()),
    "mentors up by exactly the minimum change": (_mentors(34), _all()),
    "mentors up by more than the minimum change": (_mentors(37), _all()),
    "meetings held halved": (_held(100), _all()),
    "previous figures zero": (_all(), _all(_set("capacity", enrolled_mentees=0), _mentors(0),
                                           _set("activity", mentors_over_cap=0,
                                                mentees_disengaged=0))),
    "previous figures not collected": (_all(), _set("activity",
                                                    contact_hours="not_collected")),
    "cohort as reported before": (_cohort(), _cohort()),
    "cohort first reported now": (_cohort(), _all()),
    "cohort start count changed": (_cohort(at_start=42), _cohort()),
    "cohort completions fell": (_cohort(completed=5, left=5),
                                _cohort(completed=6, left=4)),
    "cohort leavers fell": (_cohort(left=4), _cohort()),
    "cohort in training grew": (_cohort(), _cohort(still_in_training=28)),
    "cohort's start count not collected before": (_cohort(), _cohort(at_start="not_collected")),
}
SYNTHETIC = [(level, quality, seed) for seed, (level, quality) in enumerate(
    (level, quality) for level in ("undergraduate", "postgraduate", "faculty")
    for quality in ("good", "poor", "poor"))]


def _corpus(college) -> list[tuple[str, dict, dict | None]]:
    """(case, this period's return, the previous period's return or None), one programme
    each (named in the returns' headers)."""
    corpus = []
    for k, (name, (edit, edit_before)) in enumerate(EDGE_CASES.items()):
        code = f"EDGE-{k:02d}"
        payload = return_payload(college, "2025", code)
        edit(payload)
        before = None
        if edit_before is not None:
            before = return_payload(college, "2024", code)
            edit_before(before)
        corpus.append((name, payload, before))
    for level, quality, seed in SYNTHETIC:
        code = f"GEN-{seed:02d}"
        corpus.append((f"demo {level} {quality} #{seed}",
                       synthetic_return(random.Random(seed), college.code, "2025", code, level,
                                        quality=quality),
                       synthetic_return(random.Random(seed + 100), college.code, "2024", code,
                                        level)))
    return corpus


def _keys(findings) -> list[tuple]:
    return sorted((f.rule_id, f.field, f.severity, f.message, f.value) for f in findings)


def _dry_keys(findings: list[dict]) -> list[tuple]:
    return sorted((f["rule_id"], f["field"], f["severity"], f["message"], f["value"])
                  for f in findings)


@pytest.fixture
def agreement(session, client, college, token):
    """Every return of the corpus through the four places, with what each found."""
    last = make_period(session, "2024", open_now=False, standard_versions=["1.0", "1.1"])
    make_period(session, "2025", standard_versions=["1.0", "1.1"])
    officer = Actor.for_user(make_user(session, "college", institution_id=college.id))
    corpus = _corpus(college)
    for _, payload, before in corpus:
        validate_return(payload)
        if before is not None:
            submit_return(session, officer, before, source="api",
                          now=last.opens_at + timedelta(days=1))
    found = {}
    for name, payload, _ in corpus:
        response = client.post("/api/v1/returns/validate", json=payload, headers=bearer(token))
        assert response.status_code == 200, response.json
        stored = submit_return(session, officer, payload, source="web")
        web = one_return_findings(session, officer, stored.return_id, stored.version)
        found[name] = {"dry_run": _dry_keys(response.json["findings"]),
                       "web": _keys(web.findings), "toolkit": _keys(registry_findings(payload)),
                       "version_id": stored.version_id}
    check_period(session, Actor.system("test"), "2025")
    for places in found.values():
        issues = session.scalars(select(QualityIssue).where(
            QualityIssue.return_version_id == places["version_id"])).all()
        places["pipeline"] = {kinds: _keys(i for i in issues if i.kind in kinds)
                              for kinds in (ONE_RETURN_KINDS, WITHIN_RETURN_KINDS)}
    return found


def test_the_dry_run_and_the_web_submit_find_what_the_pipeline_files(agreement):
    for case, places in agreement.items():
        assert places["dry_run"] == places["pipeline"][ONE_RETURN_KINDS], case
        assert places["web"] == places["pipeline"][ONE_RETURN_KINDS], case


def test_the_toolkit_finds_what_the_pipeline_files_with_the_within_return_rules(agreement):
    for case, places in agreement.items():
        assert places["toolkit"] == places["pipeline"][WITHIN_RETURN_KINDS], case


def test_the_corpus_makes_every_one_return_rule_fire_and_leaves_some_returns_clean(agreement):
    fired = {key[0] for places in agreement.values()
             for key in places["pipeline"][ONE_RETURN_KINDS]}
    assert fired == {rule.id for rule in load_rules() if rule.kind in ONE_RETURN_KINDS}
    assert any(not places["pipeline"][ONE_RETURN_KINDS] for places in agreement.values())


COHORT_CASES = {
    "cohort as reported before": set(),
    "cohort first reported now": set(),
    "cohort's start count not collected before": set(),
    "cohort start count changed": {"Q013"},
    "cohort completions fell": {"Q014"},
    "cohort leavers fell": {"Q015"},
    "cohort in training grew": {"Q016"},
}


def test_each_cohort_rule_fires_on_its_own_case_and_not_on_a_consistent_cohort(agreement):
    for case, expected in COHORT_CASES.items():
        fired = {key[0] for key in agreement[case]["pipeline"][ONE_RETURN_KINDS]}
        assert fired & {"Q013", "Q014", "Q015", "Q016"} == expected, case
    start = [key for key in agreement["cohort start count changed"]["dry_run"]
             if key[0] == "Q013"]
    assert [(key[1], key[4]) for key in start] == [
        ("cohort_follow_up.cohorts", "2024: 40 → 42 (cohorts: 1)")]
