"""Public pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from registry.db import get_session
from registry.models import Institution

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """The registry's front page: what it is and what it holds."""
    session = get_session()
    counts = dict(
        session.execute(
            select(Institution.type, func.count()).group_by(Institution.type)
        ).all()
    )
    return render_template("index.html", counts=counts, total=sum(counts.values()))
