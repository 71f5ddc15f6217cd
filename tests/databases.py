"""Throwaway test databases on SQLite and on the local (or configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_server_url() -> str:
    """The PostgreSQL used to create throwaway databases (TEST_DATABASE_URL or local)."""
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL)


def postgres_unreachable_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    engine = sa.create_engine(postgres_server_url())
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        return f"PostgreSQL at {make_url(postgres_server_url()).render_as_string()} " \
               f"is unreachable: {exc.orig}"
    finally:
        engine.dispose()
    return None


@contextmanager
def fresh_postgres_database():
    """Create an empty PostgreSQL database for the duration of the block."""
    server = make_url(postgres_server_url())
    name = f"registry_t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_sqlite_database(folder: Path):
    """Create an empty SQLite file database for the duration of the block."""
    path = folder / f"registry_{uuid.uuid4().hex[:8]}.sqlite3"
    yield f"sqlite:///{path}"
    path.unlink(missing_ok=True)
