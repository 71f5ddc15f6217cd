"""The one-return engine: GX's meaning of each expectation type, on one return's columns."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from expectations import rules_by_id
from expectations.engine import breaks, evaluate, findings_for
from schemas.examples import pilot_return


def with_kwargs(rule_id: str, **kwargs):
    from dataclasses import replace

    rule = rules_by_id()[rule_id]
    return replace(rule, kwargs=MappingProxyType({**rule.kwargs, **kwargs}))


@pytest.mark.parametrize(("ratio", "fails"), [(15.0, False), (15.01, True), (None, False)])
def test_between_includes_its_bounds_and_skips_empty_values(ratio, fails):
    assert breaks(rules_by_id()["Q001"], {"mentee_mentor_ratio": ratio}) is fails


@pytest.mark.parametrize(("share", "fails"), [(0.99, False), (1.0, True)])
def test_a_strict_maximum_excludes_the_bound(share, fails):
    assert breaks(rules_by_id()["Q005"], {"mentee_modal_share": share}) is fails


@pytest.mark.parametrize(("value", "strict", "fails"),
                         [(0.25, False, False), (0.25, True, True), (0.24, False, True)])
def test_a_minimum_is_strict_only_when_asked(value, strict, fails):
    rule = with_kwargs("Q003", strict_min=strict)
    assert breaks(rule, {"contact_hours_per_mentee": value}) is fails


@pytest.mark.parametrize(("ceiling", "held", "fails"),
                         [(15.0, 15.0, False), (15.0, 16.0, True), (None, 99.0, False),
                          (15.0, None, False)])
def test_a_pair_rule_allows_equality_and_ignores_a_missing_side(ceiling, held, fails):
    row = {"meetings_planned_ceiling": ceiling, "meetings_held": held}
    assert breaks(rules_by_id()["Q007"], row) is fails


def test_not_null_fails_on_an_empty_value_only():
    rule = rules_by_id()["Q008"]
    assert breaks(rule, {"contact_hours": None}) and not breaks(rule, {"contact_hours": 0.0})


def test_an_expanding_rule_gives_one_finding_per_code():
    rule = rules_by_id()["Q030"]
    found = findings_for(rule, {"missing_programme_codes": "A;B", "programmes_missing": 2})
    assert [(f.field, f.value) for f in found] == [("programmes.A", "A"), ("programmes.B", "B")]


def test_a_return_is_compared_with_its_previous_return_when_given():
    rules = [rules_by_id()["Q010"]]
    before, now = pilot_return(), pilot_return()
    now["capacity"].update(enrolled_mentees=100, eligible_mentees=120)
    assert evaluate(rules, now) == []
    [finding] = evaluate(rules, now, before)
    assert (finding.rule_id, finding.value) == ("Q010", "48 → 100 (+108%)")
