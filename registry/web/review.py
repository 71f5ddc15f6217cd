"""Review queues (university approval, regulator sign-off), audit trail and messages."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for

from registry.api.review import audit_csv
from registry.db import get_session
from registry.models import Role
from registry.services import reminders, review
from registry.services.audit import audit_query
from registry.services.errors import DomainError
from registry.web.auth import role_required, web_actor

bp = Blueprint("review_pages", __name__)

REVIEWERS = (Role.UNIVERSITY, Role.REGULATOR)


@bp.route("/review", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def queue():
    """Returns waiting for this reviewer, with approve / return / sign-off actions."""
    session = get_session()
    actor = web_actor()
    if request.method == "POST":
        form = request.form
        try:
            review.decide(session, actor, int(form["return_id"]), int(form["version"]),
                          form["decision"], form.get("comment"))
        except (DomainError, ValueError, KeyError) as exc:
            flash(getattr(exc, "message", "That decision could not be read."), "error")
            return render_template("review/queue.html", returns=review.review_queue(
                session, actor)), 422
        flash(f"Decision recorded: {form['decision'].replace('_', ' ')}.", "info")
        return redirect(url_for("review_pages.queue"))
    return render_template("review/queue.html", returns=review.review_queue(session, actor))


@bp.get("/regulator/audit")
@role_required(Role.REGULATOR, Role.ADMIN)
def audit():
    """Filter the audit trail; export what is shown as CSV."""
    args = request.args
    filters = {
        "action": args.get("action") or None,
        "actor_contains": args.get("actor") or None,
        "object_type": args.get("object_type") or None,
        "since": _day(args.get("since")),
        "until": _day(args.get("until"), end=True),
    }
    query = audit_query(web_actor(), **filters)
    session = get_session()
    if args.get("format") == "csv":
        return audit_csv(session.scalars(query))
    return render_template("review/audit.html", events=session.scalars(query.limit(200)).all(),
                           args=args)


def _day(text: str | None, end: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@bp.get("/messages")
@role_required(Role.COLLEGE, Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
def messages():
    """Reminders, notices and summaries addressed to you."""
    return render_template("review/messages.html",
                           messages=reminders.messages_for(get_session(), web_actor()))
