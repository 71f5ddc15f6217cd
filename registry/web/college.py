"""College pages: return status, submitting by form or file, versions, API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from registry.db import get_session, utcnow
from registry.models import Period, Programme, Role
from registry.services import compliance as compliance_service
from registry.services import periods as period_service
from registry.services import returns as return_service
from registry.services import submissions, tokens
from registry.services.bulk import read_bulk_file
from registry.services.errors import DomainError, NotFound
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
                           returns=returns, institution=current_user.institution)


@bp.get("/returns/<int:return_id>")
@role_required(Role.COLLEGE)
def return_detail(return_id: int):
    """A return's versions, newest first, with the payload of the one chosen."""
    session = get_session()
    try:
        return_ = return_service.get_return(session, web_actor(), return_id)
    except NotFound:
        return render_template("not_found.html", what=f"return {return_id}"), 404
    chosen = request.args.get("version", type=int) or return_.latest_version
    version = next((v for v in return_.versions if v.version == chosen), return_.versions[-1])
    return render_template("college/return.html", return_=return_, version=version)


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
