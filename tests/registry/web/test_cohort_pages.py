"""The cohort table pages: a college's own and the nation's."""

from __future__ import annotations

from schemas.cohort_examples import as_version_1_1
from tests.registry.benchmark_data import add_return, closed_period, payload_with
from tests.registry.test_cohort_tables import _cohort


def _report_cohorts(session, college) -> None:
    period = closed_period(session, "2024")
    payload = as_version_1_1(payload_with(college, period, "undergraduate", enrolled=40),
                             [_cohort("2023", 30, 24, 3)])
    add_return(session, college, period, payload)


def test_a_college_sees_its_cohort_table(as_college, session, college):
    _report_cohorts(session, college)
    page = as_college.get("/college/cohorts").get_data(as_text=True)
    assert 'id="cohort-retention"' in page
    assert "90 % <small>(27 of 30)</small>" in page  # 24 in training + 3 completed
    assert "10 % <small>(3 of 30)</small>" in page


def test_the_national_table_suppresses_a_cell_of_one_college(client, session, college):
    _report_cohorts(session, college)
    page = client.get("/cohorts").get_data(as_text=True)
    assert "the nation" in page and 'title="suppressed"' in page
    assert "27 of 30" not in page


def test_without_cohort_follow_up_the_page_says_so(client):
    page = client.get("/cohorts").get_data(as_text=True)
    assert "No cohort follow-up has been reported yet." in page
