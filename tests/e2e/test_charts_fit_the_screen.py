"""The front page, the explorer, the national dashboard and a college's comparison in
Chromium at a 1,366 px screen and a 390 px phone: charts drawn, no sideways scrolling.
Screenshots go to artifacts/screenshots/<page>-<width>.png."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Release
from registry.services.accounts.actors import Actor
from registry.services.register.periods import get_period
from registry.services.releases.releases import ReleaseSettings, build_release, publish_release
from tests.e2e.conftest import log_in, screenshot

WIDTHS = (1366, 390)
PAGES = {  # name: (path, login or None)
    "front-page": ("/", None),
    "explorer": ("/benchmarks?indicator=coverage&breakdown=type×province", None),
    "national-dashboard": ("/regulator", "analyst@pmdc.demo"),
    "comparison": ("/college/comparison?indicator=coverage", "officer@kp-med-pub-001.demo"),
    "indicators": ("/indicators", None),
    "standard": ("/standard", None),
}


@pytest.fixture(scope="module")
def releases_published(live_registry):
    """A published release for each closed demo period, as `make demo` leaves them."""
    with Session(live_registry["engine"]) as session:
        if session.scalar(select(Release).limit(1)) is None:
            actor = Actor.system("e2e")
            for code in ("2022-23", "2023-24", "2024-25"):
                release = build_release(session, actor, get_period(session, code),
                                        ReleaseSettings(), run_id=f"e2e:charts:{code}")
                publish_release(session, actor, release)
            session.commit()
    return live_registry


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_the_page_fits_the_screen_with_its_charts(releases_published, browser, name, width):
    path, login = PAGES[name]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        base = releases_published["url"]
        if login:
            log_in(page, base, login)
        response = page.goto(f"{base}{path}")
        assert response.status == 200
        if name not in ("indicators", "standard"):
            assert page.locator("svg.chart[role=img]").count() >= 1
        screenshot(page, f"{name}-{width}")
        scroll, inner = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name} is {scroll} px wide at {inner} px"
    finally:
        context.close()
