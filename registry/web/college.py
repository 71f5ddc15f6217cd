"""College pages: return status, submitting by form or file, versions, API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from registry.db import get_session, utcnow
from registry.models import IssueStatus, Period, Programme, Role, Severity
from registry.services import compliance as compliance_service
from registry.services import periods as period_service
from registry.services import quality, return_review, submissions, threads, tokens
from registry.services import returns as return_service
from registry.services.bulk import read_bulk_file
from registry.services.errors import DomainError, NotFound
from registry.services.labels import field_labels
from registry.services.mailer import SmtpSettings
from registry.services.return_form import form_fields, payload_from_form, values_from_payload
from registry.web.auth import role_required, web_actor
from schemas import SCHEMA_VERSION
from schemas.examples import pilot_return

bp = Blueprint("college", __name__, url_prefix="/college")


def open_periods(session) -> list[Period]:
    return period_service.open_periods(session, utcnow())


@bp.get("")
@role_required(Role.COLLEGE)
def dashboard():
    """Where each programme's return stands for the open period, and every return so far."""
    session = get_session()
    actor = web_actor()
    periods = open_periods(session)
    status = {p.code: compliance_service.compliance(session, actor, p, utcnow()) for p in periods}
    returns = session.scalars(return_service.returns_query(actor)).all()
    return render_template("college/dashboard.html", periods=periods, status=status,
                           returns=returns, institution=current_user.institution,
                           findings=quality.open_findings(session, actor),
                           labels=field_labels())


@bp.get("/returns/<int:return_id>")
@role_required(Role.COLLEGE)
def return_detail(return_id: int):
    """A return's findings, thread and versions, with the payload of the version chosen."""
    try:
        return _return_page(return_id, request.args.get("version", type=int))
    except NotFound:
        return render_template("not_found.html", what=f"return {return_id}"), 404


def _return_page(return_id: int, chosen: int | None, errors: dict | None = None,
                 reply: str = ""):
    """Render the return page (the thread is marked read for the user)."""
    session, actor = get_session(), web_actor()
    return_ = return_service.get_return(session, actor, return_id)
    number = chosen if chosen in {v.version for v in return_.versions} else (
        return_.latest_version)
    report = quality.quality_report(session, actor, return_id, number)
    return render_template(
        "college/return.html", return_=return_, version=report.version,
        findings=findings_by_severity(report.issues),
        comparison=return_review.compare_return(session, actor, return_id, number),
        messages=threads.read_thread(session, actor, return_id),
        errors=errors or {}, reply=reply, labels=field_labels(),
    ), 422 if errors else 200


def findings_by_severity(views: list[quality.IssueView]) -> list[tuple[str, list]]:
    """Live findings grouped errors first, then warnings; resolved ones are left out."""
    live = [view for view in views if view.issue.status != IssueStatus.RESOLVED]
    return [(severity, [v for v in live if v.issue.severity == severity])
            for severity in (Severity.ERROR, Severity.WARNING)
            if any(v.issue.severity == severity for v in live)]


@bp.post("/returns/<int:return_id>/issues/<int:issue_id>/explanation")
@role_required(Role.COLLEGE)
def explain(return_id: int, issue_id: int):
    """Explain a warning: new text, or the explanation accepted in an earlier period."""
    session, text = get_session(), request.form.get("text", "")
    try:
        quality.explain_issue(session, web_actor(), return_id, issue_id, text=text,
                              reuse_previous=bool(request.form.get("reuse")))
    except NotFound:
        return render_template("not_found.html", what=f"return {return_id}"), 404
    except DomainError as exc:
        return _return_page(return_id, None, errors={issue_id: exc.message})
    threads.deliver(session, SmtpSettings.from_env(), return_id)
    flash("Explanation recorded; your reviewer will accept or refuse it.", "info")
    return redirect(url_for("college.return_detail", return_id=return_id,
                            _anchor=f"issue-{issue_id}"))


@bp.post("/returns/<int:return_id>/messages")
@role_required(Role.COLLEGE)
def reply(return_id: int):
    """Reply on the return's thread; the reviewers are e-mailed when SMTP is configured."""
    session = get_session()
    body = request.form.get("body", "")
    try:
        threads.post_message(session, web_actor(), return_id, body)
    except NotFound:
        return render_template("not_found.html", what=f"return {return_id}"), 404
    except DomainError as exc:
        return _return_page(return_id, None, errors={"thread": exc.message}, reply=body)
    threads.deliver(session, SmtpSettings.from_env(), return_id)
    flash("Message sent.", "info")
    return redirect(url_for("college.return_detail", return_id=return_id, _anchor="thread"))


@bp.route("/submit", methods=["GET", "POST"])
@role_required(Role.COLLEGE)
def submit():
    """Submit a return by form; errors appear beside their fields."""
    session = get_session()
    institution = current_user.institution
    errors: dict[str, list[str]] = {}
    message = None
    if request.method == "POST":
        payload = payload_from_form(request.form, institution.code, SCHEMA_VERSION)
        try:
            result = submissions.submit_return(session, web_actor(), payload, source="web")
        except DomainError as exc:
            errors, message = exc.fields, exc.message
            values = {k: v for k, v in request.form.items()}
            values.update({k: ";".join(request.form.getlist(k)) for k in request.form})
        else:
            flash(f"Version {result.version} received; quality checks are running.",
                  "info")
            return redirect(url_for("college.return_detail", return_id=result.return_id))
    else:
        values = _starting_values(session, institution)
    return render_template(
        "college/submit.html", sections=form_fields(values, errors), errors=errors,
        message=message, periods=open_periods(session), institution=institution,
    ), 422 if errors else 200


def _starting_values(session, institution) -> dict[str, str]:
    """Prefill from the chosen programme's latest return, else a worked example."""
    period = request.args.get("period")
    programme_code = request.args.get("programme")
    if programme_code:
        programme = session.scalar(select(Programme).where(
            Programme.institution_id == institution.id, Programme.code == programme_code))
        found = session.scalars(return_service.returns_query(
            web_actor(), programme=programme_code)).first() if programme else None
        if found is not None:
            values = values_from_payload(return_service.latest_version(session, found).payload)
            if period:
                values["header.period_code"] = period
            return values
    example = pilot_return(institution.code, period or "", programme_code or "")
    return values_from_payload(example)


@bp.route("/upload", methods=["GET", "POST"])
@role_required(Role.COLLEGE)
def upload():
    """Upload the XLSX template or a CSV; every problem is listed by sheet, row and cell."""
    problems: dict[str, list[str]] = {}
    message = None
    if request.method == "POST":
        upload_file = request.files.get("file")
        if upload_file is None or not upload_file.filename:
            message = "Choose a file to upload."
        else:
            session = get_session()
            try:
                payloads, source = read_bulk_file(upload_file.filename, upload_file.read())
                results = submissions.store_returns(session, web_actor(), payloads,
                                                    source=source)
            except DomainError as exc:
                problems, message = exc.fields, exc.message
            else:
                flash(f"{len(results)} return(s) received from {upload_file.filename}.", "info")
                return redirect(url_for("college.dashboard"))
    status = 422 if (problems or message) and request.method == "POST" else 200
    return render_template("college/upload.html", problems=problems, message=message), status


@bp.route("/tokens", methods=["GET", "POST"])
@role_required(Role.COLLEGE)
def api_tokens():
    """The college's API tokens: create one (shown once) or revoke one."""
    session = get_session()
    actor = web_actor()
    new_secret = None
    if request.method == "POST":
        try:
            if request.form.get("revoke"):
                tokens.revoke_token(session, actor, int(request.form["revoke"]))
                flash("Token revoked.", "info")
            else:
                new_secret = tokens.create_token(session, actor, current_user,
                                                 request.form.get("name", "")).secret
        except (DomainError, ValueError) as exc:
            flash(getattr(exc, "message", "That token does not exist."), "error")
    return render_template("college/tokens.html", tokens=tokens.tokens_of(session, actor),
                           new_secret=new_secret)
