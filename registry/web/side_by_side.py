"""A university's colleges side by side on the headline indicators, as a page and as CSV."""

from __future__ import annotations

import re

from flask import Blueprint, Response, render_template, request

from registry.models import Role
from registry.request_session import get_session
from registry.services.errors import DomainError
from registry.services.releases import side_by_side as side_by_side_service
from registry.web.auth import role_required, web_actor

bp = Blueprint("side_by_side", __name__, url_prefix="/university")


@bp.get("/side-by-side", endpoint="colleges")
@role_required(Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
def colleges():
    """The affiliated colleges of a university, one row each, for a chosen period."""
    try:
        table = side_by_side_service.side_by_side(
            get_session(), web_actor(), request.args.get("university") or None,
            request.args.get("period") or None, request.args.get("sort", "college"),
            request.args.get("order") == "desc")
    except DomainError as exc:
        return render_template("oversight/side_by_side.html", table=None,
                               message=exc.message), exc.status
    if request.args.get("format") == "csv" and table.university and table.period:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_",
                      f"colleges-{table.university.code}-{table.period.code}.csv")
        return Response(side_by_side_service.to_csv(table), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    return render_template("oversight/side_by_side.html", table=table, message=None)
