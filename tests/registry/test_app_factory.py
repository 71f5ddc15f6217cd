"""Building the app connects to nothing, so gunicorn can build it once and fork workers."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.pool import Pool

from registry import create_app


def test_building_the_app_opens_no_database_connection(database_url):
    opened = []

    def note_connection(dbapi_connection, record) -> None:
        opened.append(record)

    event.listen(Pool, "connect", note_connection)
    app = None
    try:
        app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test"})
        assert opened == []
        with app.extensions["registry.sessionmaker"]() as session:
            session.connection()  # the first use does connect, so the check can fail
        assert len(opened) == 1
    finally:
        event.remove(Pool, "connect", note_connection)
        if app is not None:  # close the connection the check opened
            app.extensions["registry.sessionmaker"].kw["bind"].dispose()
