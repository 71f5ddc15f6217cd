"""Review queues (university approval, regulator sign-off), audit trail and messages."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext, pgettext
from flask_login import current_user

from registry.models import ReturnStatus, Role
from registry.request_session import get_session
from registry.services.accounts.audit import audit_csv, audit_query
from registry.services.errors import DomainError, NotFound, ValidationFailed
from registry.services.labels import field_labels
from registry.services.mailer import SmtpSettings
from registry.services.quality import quality
from registry.services.register import periods as period_service
from registry.services.review import return_review as data_view
from registry.services.review import review, threads
from registry.services.submission import reminders
from registry.services.submission.returns import get_return
from registry.web.auth import role_required, web_actor
from registry.web.i18n import N_
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
        flash(getattr(exc, "message", gettext("That decision could not be read.")), "error")
        return _queue_page(), 422
    flash(gettext("Decision recorded: %(decision)s.", decision=decision_word(form["decision"])),
          "info")
    return redirect(url_for("review_pages.queue", **_kept_args()))


def _bulk(form):
    """Ask once to confirm the selected rows; on confirmation decide them all or none."""
    chosen = _chosen(form.getlist("selected"))
    decision = review.queue_decision(web_actor())
    if form.get("confirm") != "yes":
        if not chosen:
            raise ValidationFailed(gettext("Select at least one return first."))
        return _queue_page(confirm=_rows(chosen))
    done = review.decide_many(get_session(), web_actor(), chosen, decision, form.get("comment"))
    flash(ngettext("%(status)s: %(num)d return.", "%(status)s: %(num)d returns.", len(done),
                   status=status_label(done[0].status_after)), "info")
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
        return Response(audit_csv(session.scalars(query)), mimetype="text/csv", headers={
            "Content-Disposition": 'attachment; filename="audit.csv"'})
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
    """The return threads you take part in, with unread counts; then notices addressed to you."""
    session, actor = get_session(), web_actor()
    return render_template("review/messages.html", threads=threads.threads_for(session, actor),
                           messages=reminders.messages_for(session, actor))


@bp.route("/review/returns/<int:return_id>", methods=["GET", "POST"])
@role_required(*REVIEWERS)
def return_review(return_id: int):
    """One return for its reviewer: data against last period, findings, versions, thread."""
    try:
        if request.method == "POST":
            return _review_action(return_id)
        return _review_page(return_id)
    except NotFound:
        return render_template("not_found.html",
                               what=gettext("return %(id)s", id=return_id)), 404


def _review_action(return_id: int):
    """Decide an explanation, decide the return, or write to the college; then show the page."""
    session, actor, form = get_session(), web_actor(), request.form
    try:
        notice, anchor = _apply(session, actor, return_id, form)
    except NotFound:
        raise
    except (DomainError, ValueError) as exc:
        where = f"issue-{form['issue_id']}" if form.get("issue_id") else (
            "decision" if form.get("decision") else "thread")
        message = getattr(exc, "message", gettext("That request could not be read; try again."))
        return _review_page(return_id, {where: message}, form)
    threads.deliver(session, SmtpSettings.from_env(), return_id)
    flash(notice, "info")
    return redirect(url_for("review_pages.return_review", return_id=return_id, _anchor=anchor))


def _apply(session, actor, return_id: int, form) -> tuple[str, str]:
    """Run the one action the form asks for; (what to tell the reviewer, where to look)."""
    if form.get("issue_id"):
        issue_id = int(form["issue_id"])
        decision = form.get("decision", "")
        quality.decide_issue(session, actor, return_id, issue_id, decision=decision,
                             note=form.get("note"))
        notice = gettext("Explanation accepted.") if decision == "accept" else gettext(
            "Explanation refused.")
        return notice, f"issue-{issue_id}"
    if form.get("decision"):
        review.decide(session, actor, return_id, int(form.get("version", "")),
                      form["decision"], form.get("comment"))
        return gettext("Decision recorded: %(decision)s.",
                       decision=decision_word(form["decision"])), "decision"
    threads.post_message(session, actor, return_id, form.get("body"))
    return gettext("Message sent to the college."), "thread"


def _review_page(return_id: int, errors: dict | None = None, form=None):
    """Render the review page of a return (its thread is marked read for the reviewer)."""
    session, actor = get_session(), web_actor()
    return_ = get_return(session, actor, return_id)
    latest = return_.latest_version
    report = quality.quality_report(session, actor, return_id, latest)
    return render_template(
        "review/return.html", return_=return_, version=report.version,
        groups=finding_groups(report.issues),
        comparison=data_view.compare_return(session, actor, return_id, latest),
        decisions=review.decisions_for(session, actor, return_id),
        actions=review.decisions_open_to(actor, return_.status),
        messages=threads.read_thread(session, actor, return_id),
        labels=field_labels(), errors=errors or {}, form=form or {}, decision_word=decision_word,
    ), 422 if errors else 200


FINDING_GROUPS = (
    ("explained", N_("Explained by the college: accept or refuse")),
    ("open", N_("Open: waiting for the college to correct or explain")),
    ("refused", N_("Explanation refused: waiting for the college")),
    ("accepted", N_("Accepted")),
)


def finding_groups(views: list[quality.IssueView]) -> list[tuple[str, str, list]]:
    """The version's live and accepted findings, grouped by what they wait for."""
    return [(status, gettext(title), [v for v in views if v.issue.status == status])
            for status, title in FINDING_GROUPS
            if any(v.issue.status == status for v in views)]


def unread_messages_context() -> dict[str, int]:
    """Give every template `unread_messages`: the user's unread thread messages (0 if none)."""
    if not current_user.is_authenticated:
        return {"unread_messages": 0}
    return {"unread_messages": threads.unread_count(get_session(), web_actor())}


def thread_kind(kind: str) -> str:
    """The heading of a thread message of this kind, in the reader's language."""
    return gettext(threads.KIND_LABELS.get(kind, N_("Message")))


def decision_word(decision: str) -> str:
    """A review decision as the reader reads it in a sentence: approve, return, sign off."""
    words = {"approve": pgettext("review decision", "approve"),
             "return": pgettext("review decision", "return"),
             "sign_off": pgettext("review decision", "sign off")}
    return words.get(decision, decision.replace("_", " "))
