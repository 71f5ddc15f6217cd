"""Review queues (university approval, regulator sign-off), audit trail and messages."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for

from registry.api.review import audit_csv
from registry.db import get_session
from registry.models import ReturnStatus, Role
from registry.services import periods as period_service
from registry.services import reminders, review
from registry.services.audit import audit_query
from registry.services.errors import DomainError, ValidationFailed
from registry.services.returns import get_return
from registry.web.auth import role_required, web_actor
from registry.web.status import status_label

bp = Blueprint("review_pages", __name__)

REVIEWERS = (Role.UNIVERSITY, Role.REGULATOR)


@bp.route("/review", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def queue():
    """Returns waiting for this reviewer: filter, page, decide one or several at once."""
    if request.method == "GET":
        return _queue_page()
    form = request.form
    try:
        if form.get("action") == "bulk":
            return _bulk(form)
        review.decide(get_session(), web_actor(), int(form["return_id"]), int(form["version"]),
                      form["decision"], form.get("comment"))
    except (DomainError, ValueError, KeyError) as exc:
        flash(getattr(exc, "message", "That decision could not be read."), "error")
        return _queue_page(), 422
    flash(f"Decision recorded: {form['decision'].replace('_', ' ')}.", "info")
    return redirect(url_for("review_pages.queue", **_kept_args()))


def _bulk(form):
    """Ask once to confirm the selected rows; on confirmation decide them all or none."""
    chosen = _chosen(form.getlist("selected"))
    decision = review.queue_decision(web_actor())
    if form.get("confirm") != "yes":
        if not chosen:
            raise ValidationFailed("Select at least one return first.")
        return _queue_page(confirm=_rows(chosen))
    done = review.decide_many(get_session(), web_actor(), chosen, decision, form.get("comment"))
    flash(f"{status_label(done[0].status_after)}: {len(done)} "
          f"return{'s' if len(done) != 1 else ''}.", "info")
    return redirect(url_for("review_pages.queue", **_kept_args()))


def _chosen(values: list[str]) -> list[tuple[int, int]]:
    """Selected rows as (return id, version) from "id:version" checkbox values."""
    pairs = []
    for value in values:
        return_id, _, version = value.partition(":")
        pairs.append((int(return_id), int(version)))
    return pairs


def _rows(chosen: list[tuple[int, int]]) -> list:
    """The returns behind the selected rows, to name them in the confirmation."""
    session, actor = get_session(), web_actor()
    return [(get_return(session, actor, return_id), version) for return_id, version in chosen]


QUEUE_ARGS = ("period", "status", "college", "findings", "page")


def _kept_args() -> dict[str, str]:
    """The queue's filters and page, carried from the form back to the list."""
    source = request.form if request.method == "POST" else request.args
    return {k: source[k] for k in QUEUE_ARGS if source.get(k)}


def _queue_page(confirm: list | None = None) -> str:
    """Render the queue with the filters asked for."""
    session, actor = get_session(), web_actor()
    args = _kept_args()
    findings = {"yes": True, "no": False}.get(args.get("findings", ""))
    filters = review.QueueFilters(args.get("period"), args.get("status"), args.get("college"),
                                  findings)
    return render_template(
        "review/queue.html", page=review.review_queue(session, actor, filters, args.get("page")),
        args=args, periods=period_service.list_periods(session), statuses=list(ReturnStatus),
        waiting=review.awaiting_status(actor), decision=review.queue_decision(actor),
        confirm=confirm)


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
