"""Pages of indicators and benchmarks: public explorer, college comparison, releases."""

from __future__ import annotations

import re

from sqlalchemy import select

from registry.config import ReleaseSettings
from registry.models import Release
from registry.services.accounts.actors import Actor
from tests.registry.web.conftest import log_in_as

SYSTEM = Actor.system("test")


def test_the_explorer_shows_a_chart_and_its_table(client, published_release):
    release, _ = published_release
    page = client.get("/benchmarks?indicator=coverage&breakdown=national")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="marks chart" role="img"' in html and "<caption>Coverage" in html
    assert "72.0 %" in html  # the national median: 36 of 50
    assert f"/api/v1/releases/{release.id}/export.sdmx.csv" in html
    assert not re.search(r"\sstyle=", html)  # the CSP forbids inline styles


def test_the_explorer_says_when_nothing_is_published(client):
    html = client.get("/benchmarks").get_data(as_text=True)
    assert "No release has been published yet." in html


def test_the_navigation_links_the_indicators(client):
    assert 'href="/indicators">Indicators</a>' in client.get("/").get_data(as_text=True)


def test_a_college_sees_its_comparison_with_its_marker(client, session, published_release):
    _, colleges = published_release
    log_in_as(client, session, "college", institution_id=colleges[0].id,
              university_id=colleges[0].university_id)
    page = client.get("/college/comparison?indicator=coverage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert colleges[0].name in html
    assert "your college (diamond) against the national distribution" in html
    assert "60.0 %" in html  # its own coverage, 30 of 50
    assert "Trend: Coverage" in html


def test_the_comparison_page_needs_a_login(client):
    assert client.get("/college/comparison").status_code == 302


def test_a_university_cannot_open_another_universitys_college(client, session, published_release):
    _, colleges = published_release
    log_in_as(client, session, "university", university_id=colleges[0].university_id + 1)
    assert client.get(f"/college/comparison?institution={colleges[0].code}").status_code == 403


def test_the_regulator_builds_a_release_by_form_and_publishes_it_after_confirmation(
        client, session, published_release):
    release, _ = published_release
    log_in_as(client, session, "regulator")
    built = client.post("/regulator/releases", data=build_form(client, release.period.code))
    assert built.status_code == 302
    newest = session.scalar(select(Release).order_by(Release.number.desc()).limit(1))
    assert newest.number == release.number + 1 and newest.publication is None
    client.post(f"/releases/{newest.id}/publish", data={"reason": "Returns arrived late."})
    session.refresh(newest)
    assert newest.publication is not None


def build_form(client, period: str) -> dict:
    """The build form as the releases page gives it (with its build id), for the period."""
    page = client.get("/regulator/releases")
    assert page.status_code == 200
    [build_id] = re.findall(r'name="build_id" value="([0-9a-f]+)"', page.get_data(as_text=True))
    return {"action": "build", "period": period, "build_id": build_id}


def test_a_double_click_on_build_makes_one_release(client, session, published_release):
    release, _ = published_release
    log_in_as(client, session, "regulator")
    form = build_form(client, release.period.code)
    first, second = (client.post("/regulator/releases", data=form) for _ in range(2))
    assert (first.status_code, second.status_code) == (302, 302)
    numbers = session.scalars(select(Release.number).where(
        Release.period_id == release.period_id).order_by(Release.number)).all()
    assert numbers == [release.number, release.number + 1]


def test_a_build_without_the_pages_build_id_is_refused(client, session, published_release):
    release, _ = published_release
    log_in_as(client, session, "regulator")
    response = client.post("/regulator/releases", data={"action": "build",
                                                        "period": release.period.code})
    assert response.status_code == 422
    assert "reload the page" in response.get_data(as_text=True)


def test_the_release_form_refuses_a_post_without_its_csrf_token(app, client, session,
                                                                published_release):
    log_in_as(client, session, "regulator")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/regulator/releases", data={"action": "build", "period": "2024"})
    assert response.status_code == 400


def test_colleges_cannot_open_the_releases_page(client, session, published_release):
    _, colleges = published_release
    log_in_as(client, session, "college", institution_id=colleges[0].id)
    assert client.get("/regulator/releases").status_code == 403


def test_the_indicators_page_shows_the_method_notes_of_the_current_settings(client, app):
    app.config["RELEASE_SETTINGS"] = ReleaseSettings(min_institutions=6)
    html = client.get("/indicators").get_data(as_text=True)
    assert "How the figures are made" in html
    assert "Cells with fewer than 6 institutions are suppressed" in html
    assert "<dt>Protection interval</dt>" in html and "<dt>Zero denominators</dt>" in html
