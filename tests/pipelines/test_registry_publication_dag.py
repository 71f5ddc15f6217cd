"""The registry_publication DAG through Airflow's dag.test(): a release confirmed for the end
of its preview stays embargoed until then and is published on time, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines import embedded
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import Release, StoredChart
from registry.services.accounts.actors import Actor
from registry.services.register.register import load_reference_data
from registry.services.releases import publication, releases
from tests.conftest import fresh_database
from tests.registry.benchmark_data import closed_period, seven_colleges

REGULATOR = Actor("user:analyst", "regulator")


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def previewed(request, tmp_path_factory):
    """A committed registry with a built release under preview, confirmed for its end."""
    with fresh_database(request.param, tmp_path_factory.mktemp("publication")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            period = closed_period(session)
            seven_colleges(session, period)
            release = releases.build_release(session, REGULATOR, period,
                                             releases.ReleaseSettings(), run_id="dag")
            preview = publication.open_preview(session, REGULATOR, release,
                                               publication.PublicationSettings())
            publication.schedule_publication(session, REGULATOR, release, None)
            session.commit()
            found = release.id, preview.ends_at
        engine.dispose()
        yield url, *found


def published_at(url: str, release_id: int):
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            publication_ = session.get(Release, release_id).publication
            return publication_.published_at if publication_ else None
    finally:
        engine.dispose()


def run(url: str, now) -> str:
    return embedded.run_dag("registry_publication", {"now": now.isoformat()},
                            {"DATABASE_URL": url})


def test_the_release_is_embargoed_until_its_time_then_published_once(previewed,
                                                                    airflow_metadata):
    url, release_id, ends_at = previewed
    assert run(url, ends_at - timedelta(minutes=5)) == "success"
    assert published_at(url, release_id) is None
    assert run(url, ends_at + timedelta(minutes=1)) == "success"
    assert published_at(url, release_id) == ends_at + timedelta(minutes=1)
    assert run(url, ends_at + timedelta(hours=2)) == "success"
    assert published_at(url, release_id) == ends_at + timedelta(minutes=1)


def stored_charts(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(StoredChart))
    finally:
        engine.dispose()


def test_the_run_that_publishes_stores_the_default_views_charts(previewed, airflow_metadata):
    url, release_id, ends_at = previewed
    assert run(url, ends_at + timedelta(minutes=1)) == "success"
    assert published_at(url, release_id) is not None and stored_charts(url) >= 6
