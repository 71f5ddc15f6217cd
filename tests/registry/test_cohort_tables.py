"""Cohort tables for a college and for the nation, from v1.1 returns' cohort follow-up."""

from __future__ import annotations

import pytest

from registry.config import ReleaseSettings
from registry.services.accounts.actors import Actor
from registry.services.errors import PermissionDenied
from registry.services.releases.cohort_tables import college_cohort_table, national_cohort_table
from schemas.cohort_examples import as_version_1_1
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period, payload_with


def _cohort(intake: str, at_start: int, still: int, completed: int) -> dict:
    return {"intake_period": intake, "at_start": at_start, "still_in_training": still,
            "completed": completed,
            "left": {"transferred": 0, "withdrew": at_start - still - completed,
                     "dismissed": 0, "other": 0},
            "exam": {"sat": 0, "passed": 0}, "with_research_outputs": 0,
            "burnout_screening": {"instrument": "none", "screened": "not_applicable",
                                  "above_threshold": "not_applicable"}}


@pytest.fixture
def reporting(session):
    """Six colleges report 2024 in v1.1 (cohorts 2024 and 2023), one more in v1.0."""
    period = closed_period(session, "2024")
    colleges = [make_institution(session, code=f"KP-COH-{k}") for k in range(7)]
    for k, college in enumerate(colleges):
        payload = payload_with(college, period, "undergraduate", enrolled=40)
        if k < 6:
            payload = as_version_1_1(payload, [_cohort("2024", 10, 10, 0),
                                               _cohort("2023", 10, 8, 1)])
        add_return(session, college, period, payload)
    return colleges


def test_a_college_table_sums_its_own_cohorts_by_years_since_intake(session, reporting):
    table = college_cohort_table(session, Actor.system("test"), reporting[0])
    assert table.intakes == ("2023", "2024") and table.years == (0, 1)
    cell = table.cell("2023", 1)
    assert (cell.at_start, cell.retained, cell.completed) == (10, 9, 1)
    assert cell.retention == pytest.approx(0.9) and cell.completion == pytest.approx(0.1)
    assert table.cell("2024", 1) is None


def test_a_college_reporting_in_1_0_has_an_empty_table(session, reporting):
    assert college_cohort_table(session, Actor.system("test"), reporting[6]).cells == {}


def test_another_college_may_not_see_a_colleges_cohorts(session, reporting):
    other = Actor(label="college", role="college", institution_id=reporting[1].id,
                  university_id=reporting[1].university_id)
    with pytest.raises(PermissionDenied):
        college_cohort_table(session, other, reporting[0])


def test_the_national_table_adds_every_college(session, reporting):
    cell = national_cohort_table(session, ReleaseSettings()).cell("2023", 1)
    assert (cell.institutions, cell.at_start, cell.retained) == (6, 60, 54)


def test_a_national_cell_below_the_people_rule_is_suppressed(session, reporting):
    table = national_cohort_table(session, ReleaseSettings(min_people=61))
    cell = table.cell("2023", 1)
    assert cell.suppressed and cell.retention is None and cell.at_start is None


def test_a_national_cell_from_too_few_colleges_is_suppressed(session, reporting):
    assert national_cohort_table(session, ReleaseSettings(min_institutions=7)).cell(
        "2024", 0).suppressed
