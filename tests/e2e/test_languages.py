"""A visitor switches the registry to Urdu by clicking: the front page and the public pages
turn right-to-left, every header link is in Urdu, set in the Urdu font the registry serves,
nothing scrolls sideways at 1,366 or 390 px, and axe-core finds no serious problem.
Screenshots: artifacts/screenshots/urdu-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Release
from registry.services.accounts.actors import Actor
from registry.services.register.periods import get_period
from registry.services.releases.releases import ReleaseSettings, build_release, publish_release
from tests.e2e.conftest import screenshot
from tests.e2e.test_navigation_and_accessibility import PUBLIC, serious_violations

URDU_PO = Path(__file__).parents[2] / "registry" / "translations" / "ur" / "LC_MESSAGES" / \
    "messages.po"
WIDTHS = (1366, 390)
# True once the browser has loaded the font the registry serves for Urdu text.
URDU_FONT_LOADED = """async () => { await document.fonts.ready;
  return document.fonts.check('16px "Noto Nastaliq Urdu"', 'اردو ہے'); }"""
PUBLIC_PATHS = ("/programmes", "/indicators", "/benchmarks", "/standard")


@pytest.fixture(scope="module")
def published(live_registry):
    """The closed demo periods published, so the front page draws the national picture."""
    with Session(live_registry["engine"]) as session:
        if session.scalar(select(Release).limit(1)) is None:
            actor = Actor.system("e2e-languages")
            for code in ("2023-24", "2024-25"):
                release = build_release(session, actor, get_period(session, code),
                                        ReleaseSettings(), run_id=f"e2e:languages:{code}")
                publish_release(session, actor, release)
            session.commit()
    return live_registry


@pytest.fixture(scope="module")
def urdu():
    """English → Urdu, from the catalogue the pages are translated with."""
    with URDU_PO.open("rb") as po:
        return {m.id: m.string for m in read_po(po) if isinstance(m.id, str) and not m.context}


def switch_to_urdu(page, base: str) -> None:
    """Open the front page in English and click the language switch."""
    page.goto(base)
    assert page.locator("html").get_attribute("dir") == "ltr"
    with page.expect_navigation():
        page.get_by_role("button", name="اردو").click()


def overflow(page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


@pytest.mark.parametrize("width", WIDTHS)
def test_clicking_urdu_turns_the_front_page_right_to_left(published, browser, urdu, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        switch_to_urdu(page, published["url"])
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ur", "rtl")
        links = page.locator("header.site nav").first.get_by_role("link").all_inner_texts()
        assert links == [urdu[label] for label in (*PUBLIC, "Log in")]
        assert page.get_by_role("heading", level=1).inner_text() == \
            urdu["Mentoring in Pakistan's medical and dental colleges"]
        assert page.locator("svg.chart").count() >= 1
        assert page.evaluate(URDU_FONT_LOADED), "the served Noto Nastaliq Urdu did not load"
        screenshot(page, f"urdu-front-page-{width}")
        scroll, inner = overflow(page)
        assert scroll <= inner, f"the Urdu front page is {scroll} px wide at {inner} px"
        assert serious_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_public_pages_in_urdu_fit_the_screen(published, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        switch_to_urdu(page, published["url"])
        wide = {}
        for path in PUBLIC_PATHS:
            assert page.goto(published["url"] + path).status == 200
            assert page.locator("html").get_attribute("dir") == "rtl", path
            scroll, inner = overflow(page)
            if scroll > inner:
                wide[path] = scroll
            screenshot(page, f"urdu{path.replace('/', '-')}-{width}")
        assert wide == {}, f"wider than {width} px in Urdu: {wide}"
    finally:
        context.close()


def test_switching_back_to_english_keeps_the_page(published, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        switch_to_urdu(page, published["url"])
        page.goto(published["url"] + "/programmes?type=dental")
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        assert page.url.endswith("/programmes?type=dental")
        assert page.locator("html").get_attribute("dir") == "ltr"
        assert page.get_by_role("heading", level=1).inner_text() == "Mentoring programmes"
    finally:
        context.close()
