"""GET /healthz: is the service up and its database reachable?"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.request_session import get_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database answers, 503 otherwise."""
    try:  # a GET's session begins its transaction when opened: that too may fail
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        get_session().rollback()
        return jsonify({"status": "unavailable", "database": "unreachable",
                        "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": "ok"})
