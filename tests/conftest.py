"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

Each test runs inside a transaction on one connection; the app's sessions join it
through SAVEPOINTs (``join_transaction_mode="create_savepoint"``), and the outer
transaction is rolled back after the test, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Airflow reads its settings when first imported: give each test run (each xdist worker)
# its own AIRFLOW_HOME (Airflow creates it on first use), no example DAGs, and this
# project's DAGs folder.
os.environ["AIRFLOW_HOME"] = os.path.join(tempfile.gettempdir(),
                                          f"registry-airflow-{os.getpid()}")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).parents[1] / "pipelines" / "dags")

import pytest
from sqlalchemy.orm import Session, sessionmaker

from registry import create_app
from registry.db import make_engine
from registry.migrate import upgrade
from registry.services.accounts.actors import Actor
from registry.services.register.register import load_reference_data
from tests.databases import (
    fresh_postgres_database,
    fresh_sqlite_database,
    postgres_unreachable_reason,
)

DATABASES = ("sqlite", "postgresql")


def fresh_database(kind: str, folder: Path):
    """An empty database of the kind ("sqlite" or "postgresql") for a with block."""
    if kind == "postgresql":
        require_postgres()
        return fresh_postgres_database()
    return fresh_sqlite_database(folder)


def pytest_collection_modifyitems(config, items):
    """Under mutmut (which sets MUTANT_UNDER_TEST) run the PostgreSQL half only when
    TEST_DATABASE_URL names a server: `make mutate` stays SQLite-only and quicker by
    default, and kills PostgreSQL-only code paths when asked to."""
    if "MUTANT_UNDER_TEST" not in os.environ or os.environ.get("TEST_DATABASE_URL"):
        return
    deselected = [item for item in items if "postgresql" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if "postgresql" not in item.keywords]


def require_postgres() -> None:
    """Skip without PostgreSQL locally; under CI a missing PostgreSQL is a failure."""
    reason = postgres_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """An empty database of each kind, migrated to head by Alembic."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        _load_reference(url)
        yield url


def _load_reference(url: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        load_reference_data(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    """One connection whose outer transaction is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection):
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(session_factory):
    with session_factory() as session:
        yield session


@pytest.fixture
def app(database_url, session_factory):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False})
    app.extensions["registry.sessionmaker"] = session_factory
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("test")
