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
    session = get_session()
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable",
                        "detail": type(exc).__name__}), 503
    return jsonify({"status": "ok", "database": "ok"})
