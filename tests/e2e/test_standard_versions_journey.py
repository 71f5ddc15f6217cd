"""Standard 1.1 in a real browser: what changed, the cohort tables, a series break."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Period
from registry.services import releases
from registry.services.actors import Actor
from tests.e2e.conftest import log_in, screenshot

COLLEGE_LOGIN = "officer@kp-med-pub-001.demo"  # reports 2025-26 in standard 1.1 in the demo


@pytest.fixture(scope="module")
def registry_with_open_period_release(live_registry):
    """The demo registry with a provisional release of the open period (1.0 and 1.1 returns)
    published beside the previous year's (1.0 only)."""
    with Session(live_registry["engine"]) as session:
        newest, previous = session.scalars(select(Period).order_by(
            Period.starts_on.desc())).all()[:2]
        system = Actor.system("e2e-standard")
        for period in (previous, newest):
            release = releases.build_release(session, system, period,
                                             releases.ReleaseSettings(),
                                             run_id=f"e2e-standard-{period.code}")
            releases.publish_release(session, system, release)
        session.commit()
    return live_registry


def test_the_dictionary_shows_what_changed_in_1_1(live_registry, page):
    page.goto(f"{live_registry['url']}/standard")
    page.get_by_role("navigation", name="Standard versions").get_by_role(
        "link", name="1.1").click()
    changed = page.locator("#what-changed")
    assert "What changed since v1.0" in changed.inner_text()
    row = changed.locator("tr", has_text="cohort_follow_up.cohorts[].at_start")
    assert "added" in row.inner_text()
    screenshot(page, "standard-1-1-what-changed")


def test_the_public_sees_the_national_cohort_table(live_registry, page):
    page.goto(live_registry["url"])
    page.get_by_role("navigation", name="Public").get_by_role("link", name="Cohorts").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Cohort follow-up: the nation"
    table = page.locator("#cohort-retention")
    assert table.locator("tbody tr").count() >= 1
    assert "%" in table.inner_text()
    screenshot(page, "cohorts-national")


def test_a_college_sees_its_own_cohort_table(live_registry, page):
    log_in(page, live_registry["url"], COLLEGE_LOGIN)
    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="Cohorts").click()
    assert "Cohort follow-up:" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("#cohort-retention tbody tr").count() == 3  # three intake cohorts
    assert page.locator("figure.chart svg[role=img]").count() == 1
    screenshot(page, "cohorts-college")


def test_a_series_marks_the_break_where_the_standard_versions_changed(
        registry_with_open_period_release, page):
    url = registry_with_open_period_release["url"]
    points = page.request.get(f"{url}/api/v1/indicators/compliance_index/series").json()[
        "points"]  # reads the governance fields 1.1 gave a 'not reported'
    assert points[-1]["standard_versions"] == ["1.0", "1.1"]
    assert points[-1]["break_before"] and points[-1]["break_reasons"] == ["standard_versions"]
    assert points[-2]["standard_versions"] == ["1.0"]
    coverage = page.request.get(f"{url}/api/v1/indicators/coverage/series").json()["points"]
    assert coverage[-1]["standard_versions"] == ["1.0", "1.1"]
    assert not coverage[-1]["break_before"]  # read alike from 1.0 and 1.1
