"""Each hard rule of the standard, written out here from the design rather than read from
the rule table: a return at the limit passes, one over it is refused at the part's path.

test_hard_rules.py runs its cases over the rule table itself, so a rule deleted from the
table took its own tests with it (only a count noticed); these fail instead.
"""

from __future__ import annotations

import pytest

from schemas import validate_return
from schemas.codes import NeedArea, SatisfactionPoint
from schemas.paths import get_path, set_path

NEEDS, CAPACITY, ACTIVITY = "needs_assessment", "capacity", "activity"
MENTEE, MENTOR = "evaluation.mentee_survey", "evaluation.mentor_survey"
IMPROVEMENT = "evaluation.perceived_improvement"

# (where the error is reported, the parts that add up, the whole they must not exceed)
DESIGNED_RULES = [
    (f"{NEEDS}.responded", (f"{NEEDS}.responded",), f"{NEEDS}.invited"),
    *((f"{NEEDS}.need_areas.{a}", (f"{NEEDS}.need_areas.{a}",), f"{NEEDS}.responded")
      for a in NeedArea.codes()),
    (f"{CAPACITY}.enrolled_mentees", (f"{CAPACITY}.enrolled_mentees",),
     f"{CAPACITY}.eligible_mentees"),
    (f"{CAPACITY}.mentors_trained", (f"{CAPACITY}.mentors_trained",),
     f"{CAPACITY}.active_mentors"),
    (f"{ACTIVITY}.active_pairs_end", (f"{ACTIVITY}.active_pairs_end",),
     f"{ACTIVITY}.pairs_formed"),
    (f"{ACTIVITY}.rematch_resolved_30d", (f"{ACTIVITY}.rematch_resolved_30d",),
     f"{ACTIVITY}.rematch_requests"),
    (f"{ACTIVITY}.mentees_disengaged", (f"{ACTIVITY}.mentees_disengaged",),
     f"{CAPACITY}.enrolled_mentees"),
    (f"{ACTIVITY}.mentors_over_cap", (f"{ACTIVITY}.mentors_over_cap",),
     f"{CAPACITY}.active_mentors"),
    *((f"{survey}.responded", (f"{survey}.responded",), f"{survey}.invited")
      for survey in (MENTEE, MENTOR)),
    *((f"{survey}.satisfaction",
       tuple(f"{survey}.satisfaction.{p}" for p in SatisfactionPoint.codes()),
       f"{survey}.responded") for survey in (MENTEE, MENTOR)),
    ("evaluation.mentee_confidentiality_trust", ("evaluation.mentee_confidentiality_trust",),
     f"{MENTEE}.responded"),
    *((f"{IMPROVEMENT}.{a}.improved", (f"{IMPROVEMENT}.{a}.improved",),
       f"{IMPROVEMENT}.{a}.asked") for a in NeedArea.codes()),
]
DESIGNED = pytest.mark.parametrize(("subject", "parts", "whole"), DESIGNED_RULES,
                                   ids=[rule[0] for rule in DESIGNED_RULES])


def with_total(payload: dict, parts: tuple[str, ...], whole: str, over: int) -> int:
    """Make the parts add up to the whole plus `over`; return the whole."""
    if not isinstance(get_path(payload, whole), int):
        set_path(payload, whole, 10)
    limit = get_path(payload, whole)
    for part in parts[1:]:
        set_path(payload, part, 0)
    set_path(payload, parts[0], limit + over)
    return limit


@DESIGNED
def test_a_designed_rule_accepts_parts_equal_to_the_whole(pilot, subject, parts, whole):
    with_total(pilot, parts, whole, over=0)
    assert validate_return(pilot) == pilot


@DESIGNED
def test_a_designed_rule_refuses_parts_over_the_whole(pilot, errors_of, subject, parts, whole):
    limit = with_total(pilot, parts, whole, over=1)
    errors = errors_of(pilot)
    assert list(errors) == [subject]
    assert f"must not exceed {whole} ({limit})" in errors[subject][0]
