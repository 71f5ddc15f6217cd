"""The national dashboard, a college's comparison and feedback report, and peer groups,
in Chromium; screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import PeerGroup, Release, ReleasePublication
from registry.services.accounts.actors import Actor
from registry.services.register.periods import get_period
from registry.services.releases.releases import ReleaseSettings, build_release, publish_release
from tests.e2e.conftest import SCREENSHOTS, log_in, screenshot

COLLEGE_LOGIN = "officer@kp-med-pub-001.demo"


def published_period(engine) -> str:
    """The period of the newest published release; publish one of 2024-25 if there is none."""
    with Session(engine) as session:
        found = session.scalar(select(Release).join(
            ReleasePublication, ReleasePublication.release_id == Release.id)
            .order_by(Release.number.desc()).limit(1))
        if found is not None:
            return found.period.code
        actor = Actor.system("e2e")
        release = build_release(session, actor, get_period(session, "2024-25"),
                                ReleaseSettings(), run_id="e2e:screenshots")
        publish_release(session, actor, release)
        session.commit()
        return "2024-25"


def test_national_dashboard_screenshot(live_registry, page):
    base = live_registry["url"]
    log_in(page, base, "analyst@pmdc.demo")
    page.goto(f"{base}/regulator")
    assert page.get_by_role("heading", name="National dashboard").is_visible()
    assert page.locator("svg[role=img]").count() >= 1
    assert screenshot(page, "national-dashboard").stat().st_size > 0


def test_college_comparison_screenshot(live_registry, page):
    base = live_registry["url"]
    period = published_period(live_registry["engine"])
    log_in(page, base, COLLEGE_LOGIN)
    page.goto(f"{base}/college/comparison?period={period}")
    assert page.get_by_role("heading", name="Where you stand").is_visible()
    assert page.locator("table").first.is_visible()
    assert screenshot(page, "college-comparison").stat().st_size > 0


def test_college_downloads_its_feedback_report(live_registry, page, tmp_path):
    base = live_registry["url"]
    period = published_period(live_registry["engine"])
    log_in(page, base, COLLEGE_LOGIN)
    page.goto(f"{base}/college/comparison?period={period}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Data Feedback Report (PDF)").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name == f"feedback-report-KP-MED-PUB-001-{period}.pdf"
    assert target.read_bytes().startswith(b"%PDF-")
    first_page = " ".join(PdfReader(target).pages[0].extract_text().split())
    assert "Where your college stands" in first_page and "Strengths the figures support" \
        in first_page
    keep_first_pages(target, "feedback-report")


def keep_first_pages(pdf: Path, name: str) -> None:
    """Pages 1 and 2 as PNG artifacts, when poppler's pdftoppm is installed."""
    if shutil.which("pdftoppm") is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "2", str(pdf),
                    str(SCREENSHOTS / name)], check=True, timeout=60)


def test_reviewer_defines_a_peer_group_through_the_form(live_registry, page):
    base, engine = live_registry["url"], live_registry["engine"]
    log_in(page, base, "reviewer@kmu.demo")
    page.goto(f"{base}/peer-groups")
    page.get_by_role("link", name="Define a new peer group").click()
    page.get_by_label("Name").fill("E2E KP public medical")
    boxes = page.locator("input[name=members][value^='KP-MED-PUB-']")
    for k in range(4):
        boxes.nth(k).check()
    page.get_by_role("button", name="Create peer group").click()
    assert "4 given; at least 5" in page.locator("#members-error").inner_text()
    boxes.nth(4).check()
    page.get_by_role("button", name="Create peer group").click()
    assert page.get_by_role("heading", name="Peer group: E2E KP public medical").is_visible()
    screenshot(page, "university-peer-group")
    with Session(engine) as session:
        group = session.scalar(select(PeerGroup).where(PeerGroup.name == "E2E KP public medical"))
        assert len(group.members) == 5
