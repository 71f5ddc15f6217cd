"""Alembic migrations: a full round trip, and agreement with the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.db import Base, make_engine
from registry.migrate import downgrade, upgrade
from tests.conftest import require_postgres
from tests.databases import fresh_postgres_database, fresh_sqlite_database


@pytest.fixture(params=("sqlite", "postgresql"))
def empty_database_url(request, tmp_path):
    if request.param == "postgresql":
        require_postgres()
        context = fresh_postgres_database()
    else:
        context = fresh_sqlite_database(tmp_path)
    with context as url:
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
