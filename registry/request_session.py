"""The Flask adapter of the database: an engine per app, one session per request.

The session opens on first use, commits once when the response succeeds and closes at the
end of the request; `registry.db` itself knows nothing of Flask.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session, sessionmaker

from registry.db import begin_reading, make_engine


def init_app(app: Flask) -> None:
    """Bind an engine and session factory to the app and close sessions per request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["registry.engine"] = engine
    app.extensions["registry.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.before_request(_begin_reading_if_marked)
    app.after_request(_commit_session)
    app.teardown_appcontext(_close_session)


def begins_reading(view):
    """Mark a view whose transaction begins as a reader's (`registry.db.begin_reading`): on
    SQLite it neither takes nor waits for the write lock. The view only reads, or its
    service calls `begin_writing` before it writes. Put it right above the view's `def`."""
    view.begins_reading = True
    return view


def _begin_reading_if_marked() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "begins_reading", False):
        begin_reading(get_session())


def get_session() -> Session:
    """Return the session of the current request, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["registry.sessionmaker"]()
    return g.db_session


def _commit_session(response):
    """Commit once, at the request boundary: successful responses keep their writes.

    A failed commit (the database went away mid-request) is rolled back and re-raised;
    Flask then answers through the app's error handlers, which see the original error.
    """
    session = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400:
        session.rollback()
        return response
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise
    return response


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
