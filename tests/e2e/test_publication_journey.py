"""A release from announcement to publication, in Chromium: the regulator schedules and builds
it, a college previews its figures and raises a query, the regulator sees the query and
confirms publication for the end of the preview, the publication task publishes it on time,
and the public finds the release and the calendar."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.tasks.benchmarks import publish_due_releases
from registry.db import utcnow
from registry.models import Release, ReleasePreview, ReleaseQuery
from tests.e2e.conftest import log_in, screenshot

PERIOD = "2024-25"
COLLEGE = "officer@kp-med-pub-001.demo"


def test_a_release_goes_from_the_calendar_through_preview_to_publication(live_registry,
                                                                          browser):
    base, engine = live_registry["url"], live_registry["engine"]
    regulator, college, public = (browser.new_context(viewport={"width": 1200, "height": 900})
                                  for _ in range(3))
    reg, col, anon = regulator.new_page(), college.new_page(), public.new_page()

    # the regulator announces the provisional release, then builds it
    log_in(reg, base, "analyst@pmdc.demo")
    reg.get_by_role("link", name="Release calendar").first.click()
    reg.get_by_label("Period").select_option(PERIOD)
    reg.get_by_label("Release", exact=True).select_option("provisional")
    due = (utcnow() + timedelta(days=7)).date()
    reg.get_by_label("Release date").fill(due.isoformat())
    reg.get_by_role("button", name="Schedule release").click()
    assert "scheduled for" in reg.locator(".flash").inner_text()
    reg.get_by_label("Period").select_option(PERIOD)
    reg.get_by_label("Release", exact=True).select_option("provisional")
    reg.get_by_label("Release date").fill((due + timedelta(days=3)).isoformat())
    reg.get_by_role("button", name="Schedule release").click()
    assert "Say why the release date moves." in reg.locator(".flash").inner_text()
    reg.get_by_label("Release date").fill((due + timedelta(days=3)).isoformat())
    reg.get_by_label("Reason, when the date moves").fill("Two universities sign off late.")
    reg.get_by_role("button", name="Schedule release").click()
    assert "Two universities sign off late." in reg.locator("table").inner_text()
    screenshot(reg, "publication-calendar-moved-date")
    reg.get_by_role("navigation", name="Your pages").get_by_role("link", name="Releases",
                                                                 exact=True).click()
    reg.get_by_label("Period").select_option(PERIOD)
    reg.get_by_role("button", name="Build release").click()
    assert "built" in reg.locator(".flash").inner_text()
    with Session(engine) as session:
        release = session.scalars(select(Release).order_by(Release.number.desc())).first()
        number, release_id = release.number, release.id

    # the draft's page: the excluded returns open with their reasons; then the preview opens
    reg.get_by_role("link", name=re.compile(r"^Excluded \d+$")).first.click()
    reg.locator("#excluded summary").click()
    assert reg.locator("#excluded table").is_visible()
    screenshot(reg, "publication-draft-release-excluded")
    reg.get_by_role("button", name="Open preview for colleges").click()
    assert "Colleges can preview release" in reg.locator(".flash").inner_text()

    # nothing of it is public yet
    assert anon.goto(f"{base}/releases/{release_id}").status == 404
    assert anon.goto(f"{base}/api/v1/releases/{release_id}/export.csv").status == 404
    assert anon.goto(f"{base}/api/v1/releases/{release_id}/datapackage.json").status == 404
    anon.goto(f"{base}/college/previews/{release_id}")
    assert "/login" in anon.url
    assert f"release-{number}" not in anon.request.get(f"{base}/catalog.ttl").text()

    # the college previews its own figures and raises a query on one
    log_in(col, base, COLLEGE)
    col.get_by_role("link", name="Release preview").click()
    col.get_by_role("link", name=re.compile(f"^Release {number}:")).click()
    assert "Embargoed" in col.locator(".notice").inner_text()
    assert col.get_by_role("table").first.locator("tbody tr").count() > 0
    col.get_by_label("Figure", exact=True).select_option("coverage")
    col.get_by_label("Your query").fill("Our enrolled mentees were counted before the "
                                        "second intake; please check coverage.")
    col.get_by_role("button", name="Raise query").click()
    assert "Your query is sent" in col.locator(".flash").inner_text()
    assert "second intake" in col.locator("#queries").inner_text()
    screenshot(col, "publication-college-preview-query")

    # the regulator sees the query on the release, then confirms publication
    reg.goto(f"{base}/releases/{release_id}")
    assert "second intake" in reg.locator("body").inner_text()
    screenshot(reg, "publication-regulator-sees-query")
    reg.get_by_role("link", name=f"Check and publish release {number}").click()
    assert "What will be published" in reg.locator("main").inner_text()
    screenshot(reg, "publication-confirm")
    reg.get_by_role("button", name=re.compile("^Confirm: publish when the preview ends")).click()
    assert "when its preview ends" in reg.locator(".flash").inner_text()
    screenshot(reg, "publication-embargoed-until-preview-end")

    # embargoed until the preview ends; then the publication pipeline's task publishes it
    assert anon.goto(f"{base}/releases/{release_id}").status == 404
    with Session(engine) as session:
        ends_at = session.scalar(select(ReleasePreview.ends_at)
                                 .where(ReleasePreview.release_id == release_id))
        assert session.scalar(select(ReleaseQuery.indicator)) == "coverage"
    url = live_registry["app"].config["DATABASE_URL"]
    early = publish_due_releases({"now": (ends_at - timedelta(hours=1)).isoformat()},
                                 utcnow(), url=url)
    assert early["published"] == []
    assert anon.goto(f"{base}/releases/{release_id}").status == 404
    on_time = publish_due_releases({"now": ends_at.isoformat()}, utcnow(), url=url)
    assert on_time["published"] == [number]

    # the public sees the release, its citation, and the calendar
    anon.goto(f"{base}/releases/{release_id}")
    assert f"release {number}" in anon.locator("#citation").inner_text()
    anon.goto(f"{base}/")
    anon.get_by_role("navigation", name="Public").get_by_role(
        "link", name="Release calendar").click()
    assert f"Published: release {number}" in anon.locator("table").inner_text()
    screenshot(anon, "publication-public-calendar")
    for context in (regulator, college, public):
        context.close()
