"""Public pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from registry.request_session import get_session
from registry.services.releases.dashboard import national_picture

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """The front page: the national picture from the newest release, and where to go next."""
    picture = national_picture(get_session())
    return render_template("index.html", picture=picture, counts=picture.colleges,
                           total=sum(picture.colleges.values()))
