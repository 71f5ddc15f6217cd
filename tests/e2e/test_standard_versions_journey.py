"""Standard 1.1 in a real browser: what changed, the cohort tables, a series break."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Period
from registry.services.accounts.actors import Actor
from registry.services.releases import releases
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


def test_a_college_fills_a_cohort_in_the_1_1_form_saves_submits_and_sees_findings(
        live_registry, page):
    from registry.demo.history import demo_payload
    from registry.models import Programme, Return, ReturnVersion
    from registry.services.submission.return_form import values_from_payload
    from schemas.walk import flat_leaves
    from tests.e2e.conftest import SCREENSHOTS

    base, engine = live_registry["url"], live_registry["engine"]
    with Session(engine) as session:
        period = session.scalars(select(Period).order_by(Period.starts_on.desc())).first()
        assert "1.1" in period.standard_versions
    payload = demo_payload("KP-MED-PUB-001", "E2E-COHORT", "postgraduate", period.code, 7)
    payload["activity"]["contact_hours"] = "not_collected"  # the within-return rule Q008 fires
    payload["governance"]["dedicated_budget"] = "not_reported"
    payload["cohort_follow_up"] = {"cohorts": [{
        "intake_period": period.code, "at_start": 24, "still_in_training": 21, "completed": 0,
        "left": {"transferred": 1, "withdrew": 2, "dismissed": 0, "other": 0},
        "exam": {"sat": 0, "passed": 0}, "with_research_outputs": 3,
        "burnout_screening": {"instrument": "cbi", "screened": 18, "above_threshold": 5}}]}
    values = values_from_payload(payload)

    log_in(page, base, COLLEGE_LOGIN)
    page.get_by_role("link", name="Submit a return by form").click()
    page.get_by_label("A new programme").check()
    page.get_by_label("New programme's code").fill("E2E-COHORT")
    page.get_by_role("button", name="Start the return").click()
    assert "follows data standard v1.1" in page.locator("#form-version").inner_text()

    for leaf in flat_leaves("1.1"):
        value = values.get(leaf.path)
        if not value or leaf.section == "header":
            continue
        step = page.locator(f"#step-{leaf.section}")
        if not step.evaluate("element => element.open"):
            step.locator("summary").click()
        target = page.locator("#f-" + leaf.path.replace(".", "-"))
        if leaf.field.kind in ("boolean", "code"):
            target.select_option(value)
        elif leaf.field.kind == "code list":
            for code in value.split(";"):
                page.locator(f'input[name="{leaf.path}"][value="{code}"]').check()
        else:
            target.fill(value)
    cohort_step = page.locator("#step-cohort_follow_up")
    assert "Cohorts followed #1 · Mentees at start" in cohort_step.inner_text()
    cohort_step.get_by_role("button", name="Save the draft").click()
    assert "Draft saved" in page.locator(".flash").inner_text()

    page.locator("nav.steps").get_by_role("button", name="Cohort follow-up", exact=True).click()
    cohort_step = page.locator("#step-cohort_follow_up")
    assert page.locator("#f-cohort_follow_up-cohorts-0-at_start").input_value() == "24"
    assert page.locator("#f-governance-dedicated_budget").input_value() == "not_reported"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box = cohort_step.evaluate(  # the step's top on the page: the first cohort filled in
        "e => { const r = e.getBoundingClientRect();"
        " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; }")
    page.screenshot(path=str(SCREENSHOTS / "v1-1-form-cohort.png"), full_page=True, clip={
        "x": box["x"], "y": box["y"], "width": box["width"], "height": min(box["height"], 1300)})

    page.get_by_role("button", name="Submit this return").click()
    assert "Version 1 of return E2E-COHORT" in page.locator("h1").inner_text()
    findings = page.locator("table.findings").inner_text()
    assert "Q008" in findings and "activity.contact_hours" in findings
    screenshot(page, "v1-1-form-submitted-findings")
    with Session(engine) as session:
        version = session.scalars(
            select(ReturnVersion.payload).join(Return, Return.id == ReturnVersion.return_id)
            .join(Programme, Programme.id == Return.programme_id)
            .where(Programme.code == "E2E-COHORT")).one()
    assert version["header"]["schema_version"] == "1.1"
    assert version["cohort_follow_up"]["cohorts"][0]["left"]["withdrew"] == 2
    assert version["governance"]["dedicated_budget"] == "not_reported"
