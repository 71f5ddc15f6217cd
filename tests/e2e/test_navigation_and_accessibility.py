"""Each role reaches its pages by clicking; axe-core finds no serious problem; lists fit 390 px;
the regulator signs off three returns at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import AuditEvent, Period, ReviewDecision
from registry.services.accounts.actors import Actor
from registry.services.releases import releases
from tests.e2e.conftest import log_in, screenshot

AXE = Path(__file__).parent / "assets" / "axe.min.js"
WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}

# role → (login, home, the header links a person clicks, in order)
ROLES = {
    "college": ("officer@kp-med-pub-001.demo", "/college", [
        "Returns", "Submit", "Upload", "Findings", "Comparison", "Cohorts",
        "Feedback Report (PDF)", "Release preview", "API tokens", "Messages"]),
    "university": ("reviewer@kmu.demo", "/university", [
        "Status grid", "Review queue", "Colleges side by side", "Peer groups", "Quality board",
        "Messages"]),
    "regulator": ("analyst@pmdc.demo", "/regulator", [
        "Dashboard", "Compliance", "Periods", "Sign-off queue", "Releases",
        "Release calendar", "Audit trail", "Quality board", "Peer groups", "Messages"]),
}
PUBLIC = ["Programmes", "Indicators", "Benchmarks", "Cohorts", "Release calendar",
          "Data standard", "Open data & API"]
LISTS = {  # list pages that must fit a phone: role → paths
    "university": ["/university", "/review", "/peer-groups/new"],
    "regulator": ["/regulator/compliance", "/review"],
    None: ["/programmes", "/releases/calendar"],
}


@pytest.fixture(scope="module")
def registry_with_release(live_registry):
    """The demo registry with the previous year's release published (for the Feedback Report)."""
    with Session(live_registry["engine"]) as session:
        period = session.scalars(select(Period).order_by(Period.starts_on.desc())).all()[1]
        system = Actor.system("e2e-navigation")
        release = releases.build_release(session, system, period, releases.ReleaseSettings(),
                                         run_id="e2e-navigation")
        releases.publish_release(session, system, release)
        session.commit()
    return live_registry


@pytest.fixture
def wide(browser):
    context = browser.new_context(viewport=WIDE, bypass_csp=True)
    yield context.new_page()
    context.close()


def serious_violations(page) -> list[str]:
    """Run axe-core on the page; name each serious or critical violation with its targets.

    The registry's Content-Security-Policy forbids inline scripts, so the test contexts
    bypass it (bypass_csp) to inject axe; the pages themselves are served unchanged.
    """
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def click_through(page, nav_name: str, labels: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Click each header link; check it answers 200 with a heading; run axe on what it shows."""
    reached = {}
    for label in labels:
        link = page.get_by_role("navigation", name=nav_name).get_by_role(
            "link", name=label, exact=True)
        if label.endswith("(PDF)"):
            with page.expect_download() as download:
                link.click()
            assert download.value.suggested_filename.endswith(".pdf")
            reached[label] = (download.value.suggested_filename, [])
            continue
        with page.expect_navigation() as navigation:
            link.click()
        assert navigation.value.status == 200, (label, page.url)
        assert heading(page).strip(), label
        reached[label] = (heading(page), serious_violations(page))
    return reached


def test_axe_reports_a_serious_violation_when_there_is_one(registry_with_release, wide):
    wide.goto(registry_with_release["url"] + "/programmes")
    wide.evaluate("document.querySelector('label[for=f-type]').remove()")
    assert any(v.startswith("select-name (critical)") for v in serious_violations(wide))


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_the_role_is_reached_by_clicking_from_its_home(
        registry_with_release, wide, role):
    base = registry_with_release["url"]
    email, home, labels = ROLES[role]
    log_in(wide, base, email)
    assert wide.url == f"{base}{home}"
    home_problems = serious_violations(wide)
    screenshot(wide, f"nav-{role}-home-1366")
    reached = click_through(wide, "Your pages", labels)
    print(f"\n{role}: home {home} axe serious/critical: {home_problems}")
    for label, (title, problems) in reached.items():
        print(f"  {label!r} -> {title!r}; axe serious/critical: {problems}")
    assert home_problems == []
    assert set(reached) == set(labels)
    assert {label: problems for label, (_, problems) in reached.items() if problems} == {}


def test_public_header_reaches_each_public_page(registry_with_release, wide):
    base = registry_with_release["url"]
    wide.goto(base)
    front = serious_violations(wide)
    reached = click_through(wide, "Public", PUBLIC)
    print(f"\npublic: front page axe serious/critical: {front}")
    for label, (title, problems) in reached.items():
        print(f"  {label!r} -> {title!r}; axe serious/critical: {problems}")
    assert {label: p for label, (_, p) in reached.items() if p} == {}


def test_error_pages_offer_a_way_on_and_pass_axe(registry_with_release, wide):
    base = registry_with_release["url"]
    log_in(wide, base, "officer@kp-med-pub-001.demo")
    response = wide.goto(f"{base}/regulator/compliance")
    assert response.status == 403
    assert "not open to you" in heading(wide)
    assert serious_violations(wide) == []
    screenshot(wide, "error-403-1366")
    response = wide.goto(f"{base}/no-such-page")
    assert response.status == 404
    assert serious_violations(wide) == []
    screenshot(wide, "error-404-1366")
    wide.get_by_role("link", name="Go to your home page").click()
    assert wide.url == f"{base}/college"


def test_a_form_whose_session_expired_says_so_and_leads_back_to_it(registry_with_release, wide):
    base = registry_with_release["url"]
    wide.goto(f"{base}/login")
    wide.context.clear_cookies()  # the session, and with it the form's CSRF secret, is gone
    wide.get_by_label("Email").fill("officer@kp-med-pub-001.demo")
    wide.get_by_label("Password").fill("mentoring-demo")
    with wide.expect_response(lambda r: r.request.method == "POST") as sent:
        wide.get_by_role("button", name="Log in").click()
    assert sent.value.status == 400
    assert heading(wide) == "This form could not be sent"
    assert "Nothing was stored" in wide.locator("main").inner_text()
    assert serious_violations(wide) == []
    screenshot(wide, "error-400-expired-form-1366")
    wide.get_by_role("link", name="Open the page again").click()
    assert wide.url == f"{base}/login"
    wide.get_by_label("Email").fill("officer@kp-med-pub-001.demo")
    wide.get_by_label("Password").fill("mentoring-demo")
    wide.get_by_role("button", name="Log in").click()
    assert wide.url == f"{base}/college"


@pytest.mark.parametrize("role", list(LISTS), ids=lambda r: r or "public")
def test_list_pages_fit_a_390_px_screen_and_pass_axe(registry_with_release, browser, role):
    base = registry_with_release["url"]
    context = browser.new_context(viewport=NARROW, bypass_csp=True)
    page = context.new_page()
    try:
        if role:
            log_in(page, base, ROLES[role][0])
        for path in LISTS[role]:
            assert page.goto(f"{base}{path}").status == 200
            width = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]")
            name = f"list-{role or 'public'}{path.replace('/', '-')}"
            screenshot(page, f"{name}-390")
            assert width[0] <= width[1], (path, width)
            assert serious_violations(page) == [], path
            page.set_viewport_size(WIDE)
            screenshot(page, f"{name}-1366")
            page.set_viewport_size(NARROW)
    finally:
        context.close()


def test_regulator_signs_off_three_returns_at_once(registry_with_release, browser):
    base, engine = registry_with_release["url"], registry_with_release["engine"]
    context = browser.new_context(viewport=WIDE, bypass_csp=True)
    page = context.new_page()
    try:
        log_in(page, base, "reviewer@kmu.demo")
        chosen = _tick_three(page, base)
        page.get_by_role("button", name="Approve selected…").click()
        page.get_by_role("button", name="Confirm: approve 3 returns").click()
        assert "Approved by university: 3 returns" in page.locator(".flash").inner_text()
        page.get_by_role("button", name=re.compile("^Log out")).click()

        log_in(page, base, "analyst@pmdc.demo")
        page.goto(f"{base}/review")
        for value in chosen:
            page.locator(f'input[name="selected"][value="{value}"]').check()
        page.get_by_role("button", name="Sign off selected…").click()
        confirm = page.locator("section.confirm")
        assert confirm.get_by_role("heading").inner_text() == "Sign off 3 returns?"
        screenshot(page, "bulk-sign-off-confirm-1366")
        page.get_by_role("button", name="Confirm: sign off 3 returns").click()
        assert "Signed off: 3 returns" in page.locator(".flash").inner_text()
        screenshot(page, "bulk-sign-off-done-1366")
    finally:
        context.close()
    ids = [int(v.split(":")[0]) for v in chosen]
    with Session(engine) as session:
        signed = [d.version.return_id for d in session.scalars(select(ReviewDecision).where(
            ReviewDecision.decision == "sign_off"))]
        audited = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "review.sign_off")).all()
    assert sorted(signed) == sorted(ids)
    assert len(audited) == 3


def _tick_three(page, base: str) -> list[str]:
    """Tick the first three rows of the university's queue; return their values."""
    page.goto(f"{base}/review")
    boxes = page.locator('input[name="selected"][type="checkbox"]')
    values = [boxes.nth(k).get_attribute("value") for k in range(3)]
    for k in range(3):
        boxes.nth(k).check()
    return values
