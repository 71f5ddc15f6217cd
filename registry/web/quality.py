"""Quality pages: the public rule directory and the board for universities and the regulator."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext

from expectations import load_rules
from registry.models import Role
from registry.request_session import get_session
from registry.services.errors import NotFound
from registry.services.quality.quality_board import quality_board
from registry.web.auth import role_required, web_actor
from registry.web.i18n import N_

bp = Blueprint("quality_pages", __name__, url_prefix="/quality")

KIND_LABELS = {
    "within_return": N_("Within a return"),
    "credibility": N_("Against the programme's previous period"),
    "national_distribution": N_("Against the national distribution of the period"),
    "completeness": N_("Completeness of the college's returns"),
}


@bp.get("/rules")
def rules():
    """The published rule directory, grouped by kind."""
    kinds = [(kind, gettext(KIND_LABELS[kind]), list(group))
             for kind, group in groupby(load_rules(), key=lambda rule: rule.kind)]
    return render_template("quality_rules.html", kinds=kinds)


@bp.get("/board")
@role_required(Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
def board():
    """Open issues, trends and the rules that fire most, within the user's scope."""
    try:
        data = quality_board(get_session(), web_actor(), request.args.get("period") or None)
    except NotFound:
        abort(404)
    return render_template("quality_board.html", board=data)
