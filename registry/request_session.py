"""The Flask adapter of the database: an engine per app, one session per request.

The session opens on first use, commits once when the response succeeds and closes at the
end of the request; `registry.db` itself knows nothing of Flask. A GET or HEAD request's
transaction, and that of a view marked `begins_reading`, begins as a reader's
(`registry.db.begin_reading`): on SQLite it neither takes nor waits for the write lock, so
a page never queues behind a writer nor makes writers queue behind it. What such a
request writes (a thread's read marker, a token's last use) its service writes after
`registry.db.begin_writing`; a write without it is refused (`registry.db.ReadOnlyWrite`).
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session, sessionmaker

from registry.db import begin_reading, make_engine


def init_app(app: Flask) -> None:
    """Bind an engine and session factory to the app and close sessions per request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["registry.engine"] = engine
    app.extensions["registry.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.after_request(_commit_session)
    app.teardown_appcontext(_close_session)


READING_METHODS = frozenset({"GET", "HEAD"})  # their transactions begin as readers'


def begins_reading(view):
    """Mark a view whose other methods' (POST) transactions begin as readers' too
    (`registry.db.begin_reading`): on SQLite they neither take nor wait for the write lock.
    The view only reads, or its service calls `begin_writing` before it writes. Put it
    right above the view's `def`."""
    view.begins_reading = True
    return view


def _begins_reading() -> bool:
    """Whether the current request's transaction begins as a reader's."""
    if not has_request_context():
        return False
    if request.method in READING_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "begins_reading", False)


def get_session() -> Session:
    """Return the session of the current request, opening it on first use (as a reader's
    for GET and HEAD requests and views marked `begins_reading`)."""
    if "db_session" not in g:
        # Kept on `g` before it begins, so the request's teardown closes it even when the
        # database cannot be reached.
        g.db_session = session = current_app.extensions["registry.sessionmaker"]()
        if _begins_reading():
            begin_reading(session)
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
