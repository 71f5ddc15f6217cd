"""A university reviewer approving, and the regulator publishing a release, in Chromium."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Release, ReleasePublication, ReviewDecision
from tests.e2e.conftest import log_in, screenshot


def test_reviewer_approves_a_validated_return(live_registry, page):
    base, engine = live_registry["url"], live_registry["engine"]
    log_in(page, base, "reviewer@kmu.demo")
    page.goto(f"{base}/review")
    first = page.locator("form.decision").first
    first.get_by_role("button", name="Approve").click()
    assert "Decision recorded: approve" in page.locator(".flash").inner_text()
    screenshot(page, "university-review-queue")
    with Session(engine) as session:
        decision = session.scalars(select(ReviewDecision)).first()
    assert (decision.decision, decision.status_after) == ("approve", "approved")


def test_regulator_builds_and_publishes_a_release(live_registry, page):
    base, engine = live_registry["url"], live_registry["engine"]
    log_in(page, base, "analyst@pmdc.demo")
    page.goto(f"{base}/regulator/releases")
    page.get_by_label("Period").select_option("2024-25")
    page.get_by_role("button", name="Build release").click()
    page.get_by_role("link", name=re.compile(r"^Check and publish release \d+$")).first.click()
    page.get_by_role("button", name=re.compile(r"^Confirm: publish release \d+$")).click()
    screenshot(page, "regulator-releases")
    with Session(engine) as session:
        published = session.scalars(select(ReleasePublication)).all()
        period = session.get(Release, published[0].release_id).period.code
    assert period == "2024-25"
