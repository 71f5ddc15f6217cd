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
    assert 'role="img" aria-label="Retention of' in page  # the chart, drawn on the server
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


def _report_cohorts_in_2025(session, college) -> None:
    period = closed_period(session, "2025")
    payload = as_version_1_1(payload_with(college, period, "undergraduate", enrolled=40),
                             [_cohort("2024", 20, 15, 1)])
    add_return(session, college, period, payload)


def test_the_comparison_page_shows_the_cohort_table_when_the_college_has_one(
        client, session, published_release):
    from tests.registry.web.conftest import log_in_as

    college = published_release[1][0]
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    assert 'id="cohorts-h"' not in client.get("/college/comparison").get_data(as_text=True)
    _report_cohorts_in_2025(session, college)
    page = client.get("/college/comparison?period=2024").get_data(as_text=True)
    assert 'id="cohorts-h"' in page and "80 % <small>(16 of 20)</small>" in page


def test_the_feedback_report_holds_the_cohort_table_when_the_college_has_one(
        app, session, published_release):
    from tests.registry.web.test_feedback_report import report_html

    release, colleges = published_release
    assert "Cohort follow-up" not in report_html(app, session, colleges[0], release.period)
    _report_cohorts_in_2025(session, colleges[0])
    html = report_html(app, session, colleges[0], release.period)
    assert "Cohort follow-up" in html and "80 % <small>(16 of 20)</small>" in html


def _submit_v1_1(session, college, college_user) -> int:
    import random

    from registry.services.accounts.actors import Actor
    from registry.services.submission.submissions import submit_return
    from schemas.cohort_examples import synthetic_cohorts
    from tests.factories import make_period, return_payload

    make_period(session, "2025", standard_versions=["1.0", "1.1"])
    payload = as_version_1_1(return_payload(college),
                             synthetic_cohorts(random.Random(2), "2025", 30))
    return submit_return(session, Actor.for_user(college_user), payload,
                         source="api").return_id


def test_a_v1_1_return_page_opens_for_its_college(as_college, session, college, college_user):
    return_id = _submit_v1_1(session, college, college_user)
    page = as_college.get(f"/college/returns/{return_id}")
    assert page.status_code == 200 and "PG-PEER" in page.get_data(as_text=True)


def test_a_v1_1_return_opens_for_review(as_regulator, session, college, college_user):
    return_id = _submit_v1_1(session, college, college_user)
    page = as_regulator.get(f"/review/returns/{return_id}")
    assert page.status_code == 200
    assert "Enrolled mentees" in page.get_data(as_text=True)
