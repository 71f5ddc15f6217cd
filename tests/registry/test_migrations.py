"""Alembic migrations: a full round trip, and agreement with the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.db import Base, make_engine
from registry.migrate import downgrade, upgrade
from tests.conftest import fresh_database


@pytest.fixture(params=("sqlite", "postgresql"))
def empty_database_url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(empty_database_url):
    upgrade(empty_database_url)
    assert set(Base.metadata.tables) <= table_names(empty_database_url)
    downgrade(empty_database_url, "base")
    assert table_names(empty_database_url) <= {"alembic_version"}


def test_models_and_migrations_agree(empty_database_url):
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_institution_figures_migration_carries_a_release_figure_for_figure(empty_database_url):
    from sqlalchemy.orm import Session

    from registry.services.accounts.actors import Actor
    from registry.services.register.register import load_reference_data
    from registry.services.releases import releases
    from registry.services.releases.institution_figures import release_rows
    from tests.registry.benchmark_data import closed_period, seven_colleges

    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    with Session(engine) as session:
        load_reference_data(session)
        period = closed_period(session)
        seven_colleges(session, period)
        release = releases.build_release(session, Actor.system("test"), period,
                                         releases.ReleaseSettings(), run_id="migration")
        session.commit()
        built = list(release_rows(session, release.id))
    assert len(built) > 7 and all(row["by_level"] for row in built if row["value"] is not None)

    downgrade(empty_database_url, "0005")
    with engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT institution_id, indicator, value, percentile, by_level "
            "FROM institution_results ORDER BY institution_id, id")).all()
    assert [(r["institution_id"], r["indicator"], r["value"], r["percentile"])
            for r in built] == [tuple(row[:4]) for row in stored]

    upgrade(empty_database_url)
    with Session(engine) as session:
        assert list(release_rows(session, release.id)) == built
    engine.dispose()
