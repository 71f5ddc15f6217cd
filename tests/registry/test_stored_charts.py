"""Charts of the default views: drawn when releases are published, stored, read on the first
request; keyed by what they draw, so never stale in another database or after a publish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.tasks.benchmarks import build_releases, store_charts
from registry.config import ReleaseSettings
from registry.db import make_engine
from registry.indicators import charts as chart_specs
from registry.migrate import upgrade
from registry.models import StoredChart
from registry.services.accounts.actors import Actor
from registry.services.register.register import load_reference_data
from registry.services.releases import charts
from registry.services.releases.dashboard import national_picture
from tests.conftest import fresh_database
from tests.registry.benchmark_data import (
    add_return,
    closed_period,
    payload_with,
    seven_colleges,
)
from tests.registry.web.conftest import log_in_as

SYSTEM = Actor.system("test")
LANGUAGES = ("en", "ur")


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The label of every chart vl-convert draws from now on (the real renderer runs)."""
    drawn: list[str] = []
    render = chart_specs.render_svg

    def counted(spec: dict, label: str) -> str:
        drawn.append(label)
        return render(spec, label)

    monkeypatch.setattr(chart_specs, "render_svg", counted)
    return drawn


@pytest.fixture
def bilingual_app(app):
    app.config["LANGUAGES"] = LANGUAGES
    return app


def publish(app, session: Session, period: str, run_id: str) -> dict:
    """Build and publish a period's release through the release task's own code, as the
    web build, the API and `registry build-release --publish` run it."""
    with app.app_context():
        built = build_releases(session, SYSTEM, ReleaseSettings(),
                               {"period": period, "publish": True}, run_id,
                               as_of=datetime.now(UTC), languages=LANGUAGES)
    charts.CACHE.clear()  # the pages below are served as by a worker that just started
    return built


def stored_keys(session: Session) -> set[str]:
    return set(session.scalars(select(StoredChart.key)))


@pytest.fixture
def colleges(session):
    """Seven colleges with returns in 2024 (a closed period)."""
    return seven_colleges(session, closed_period(session, "2024"))


def test_the_default_views_first_requests_after_a_publish_read_stored_charts(
        bilingual_app, client, session, colleges, renders):
    publish(bilingual_app, session, "2024", "first")
    log_in_as(client, session, "regulator")
    renders.clear()
    for language in LANGUAGES:
        pages = {path: client.get(path, headers={"Accept-Language": language}).get_data(
            as_text=True) for path in ("/", "/benchmarks", "/regulator",
                                       "/regulator?indicator=meetings_per_pair")}
        assert all('class="marks chart" role="img"' in html for html in pages.values())
        assert pages["/regulator"].count('class="marks chart"') >= 6  # trends, tiles, compliance
    assert renders == []


def test_a_filtered_dashboard_is_drawn_on_request_and_stores_nothing(
        bilingual_app, client, session, colleges, renders):
    publish(bilingual_app, session, "2024", "first")
    stored = stored_keys(session)
    log_in_as(client, session, "regulator")
    renders.clear()
    assert client.get("/regulator?type=medical").status_code == 200
    assert renders and stored_keys(session) == stored


def test_the_pipelines_own_store_draws_every_published_choice_of_the_dashboards_filters(
        bilingual_app, client, session, colleges, renders):
    publish(bilingual_app, session, "2024", "first")
    with bilingual_app.app_context():
        store_charts(session, SYSTEM, as_of=datetime.now(UTC))
    charts.CACHE.clear()
    log_in_as(client, session, "regulator")
    renders.clear()
    for query in ("type=medical", "type=dental&indicator=meetings_per_pair", "province=PB",
                  "sector=private&level=undergraduate", "type=medical&province=KP"):
        response = client.get(f"/regulator?{query}", headers={"Accept-Language": "ur"})
        assert response.status_code == 200
    assert renders == []
    html = client.get("/regulator?type=medical").get_data(as_text=True)
    assert html.count('class="marks chart" role="img"') >= 6 and renders == []


def test_a_new_publication_draws_and_stores_the_charts_again(bilingual_app, client, session,
                                                             colleges, renders):
    publish(bilingual_app, session, "2024", "first")
    first = stored_keys(session)
    later = closed_period(session, "2025")
    for college in colleges:
        add_return(session, college, later, payload_with(college, later, "undergraduate",
                                                         enrolled=45))
    renders.clear()
    publish(bilingual_app, session, "2025", "second")
    assert renders  # the trends now run across two periods: drawn anew
    second = stored_keys(session)
    assert second - first and first - second  # new charts stored, the old ones dropped
    renders.clear()
    html = client.get("/").get_data(as_text=True)
    assert "2025" in html and renders == []


def test_one_release_id_in_two_databases_draws_each_databases_own_figures(database_url,
                                                                          tmp_path):
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    drawn = []
    for extra_college in (False, True):
        with fresh_database(kind, tmp_path) as url:
            drawn.append(front_page_trend(url, extra_college))
    (first_id, first_trend), (second_id, second_trend) = drawn
    assert first_id == second_id  # the same release id in both databases
    assert first_trend != second_trend  # yet each its own chart


def front_page_trend(url: str, extra_college: bool) -> tuple[int, str]:
    """The release id and coverage trend of the front page of a new database (seven
    colleges, and an eighth with other figures when asked)."""
    from registry.services.releases import releases
    from tests.factories import make_institution

    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_reference_data(session)
            period = closed_period(session)
            seven_colleges(session, period)
            if extra_college:
                college = make_institution(session, code="KP-BEN-7", name="Bench College 7")
                add_return(session, college, period,
                           payload_with(college, period, "undergraduate", enrolled=10))
            release = releases.build_release(session, SYSTEM, period, ReleaseSettings(),
                                             run_id="one")
            releases.publish_release(session, SYSTEM, release)
            session.commit()
            picture = national_picture(session)
            return release.id, next(h.trend for h in picture.headlines
                                    if h.indicator == "coverage")
    finally:
        engine.dispose()
