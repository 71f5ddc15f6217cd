"""College pages: return status, submitting by form or file, versions, API tokens."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from registry.db import utcnow
from registry.models import IssueStatus, Period, Role, Severity
from registry.request_session import get_session
from registry.services.accounts import tokens
from registry.services.errors import DomainError, NotFound
from registry.services.labels import field_labels
from registry.services.mailer import SmtpSettings
from registry.services.quality import quality
from registry.services.quality.return_findings import (
    DryRunFindings,
    dry_run_findings,
    last_period_values,
    returns_findings,
)
from registry.services.register import periods as period_service
from registry.services.register import programmes as programme_service
from registry.services.review import return_review, threads
from registry.services.submission import college_template as template_service
from registry.services.submission import compliance as compliance_service
from registry.services.submission import drafts as draft_service
from registry.services.submission import returns as return_service
from registry.services.submission import submissions
from registry.services.submission.bulk import read_bulk_file
from registry.services.submission.return_form import (
    errors_at_slots,
    form_sections,
    form_version,
    payload_from_form,
    section_of,
    values_from_form,
    values_from_payload,
)
from registry.web.auth import role_required, web_actor
from schemas import SCHEMA_VERSION
from schemas.codes import Level, MentoringModel
from schemas.examples import pilot_return

bp = Blueprint("college", __name__, url_prefix="/college")
NEW_PROGRAMME = "__new__"
PRACTICE_PROGRAMME = "PRACTICE"
MAX_FINDINGS_SHOWN = 50  # returns of one upload whose findings are shown at once
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def open_periods(session) -> list[Period]:
    return period_service.open_periods(session, utcnow())


def _not_found(what: str):
    """The not-found page naming what was asked for, with its 404."""
    return render_template("not_found.html", what=what), 404


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
        return _not_found(_("return %(id)s", id=return_id))


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
        return _not_found(_("return %(id)s", id=return_id))
    except DomainError as exc:
        return _return_page(return_id, None, errors={issue_id: exc.message})
    threads.deliver(session, SmtpSettings.from_env(), return_id)
    flash(_("Explanation recorded; your reviewer will accept or refuse it."), "info")
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
        return _not_found(_("return %(id)s", id=return_id))
    except DomainError as exc:
        return _return_page(return_id, None, errors={"thread": exc.message}, reply=body)
    threads.deliver(session, SmtpSettings.from_env(), return_id)
    flash(_("Message sent."), "info")
    return redirect(url_for("college.return_detail", return_id=return_id, _anchor="thread"))


@bp.route("/submit", methods=["GET", "POST"])
@role_required(Role.COLLEGE)
def submit():
    """Fill a return section by section, saving a draft at each step; submit when ready."""
    session, actor = get_session(), web_actor()
    if request.method == "POST":
        return _post_return_form(session, actor)
    key, start_errors = _chosen_key(request.args)
    if key is None:
        return _start_page(session, actor, start_errors)
    values, source = draft_service.form_start(session, actor, *key)
    return _form_page(session, actor, key, values, source=source)


def _chosen_key(args) -> tuple[tuple[str, str] | None, dict[str, list[str]]]:
    """The period and programme code chosen on the start page (or named in the link)."""
    period, programme = args.get("period", ""), args.get("programme", "").strip()
    if programme == NEW_PROGRAMME:
        programme = args.get("new_programme", "").strip()
        if not programme:
            return None, {"new_programme": [_("Give the new programme's code.")]}
    if period and programme:
        return (period, programme), {}
    return None, {}


def _start_page(session, actor, errors: dict[str, list[str]]):
    """Pick the period and the programme (or a new one), or resume a draft."""
    return render_template(
        "college/submit_start.html", periods=open_periods(session), errors=errors,
        programmes=programme_service.programmes_of(session, actor.institution_id),
        drafts=draft_service.drafts_of(session, actor), new_value=NEW_PROGRAMME,
        chosen_period=request.args.get("period"),
        level_labels={level.value: level.label for level in Level},
        model_labels={model.value: model.label for model in MentoringModel},
    ), 422 if errors else 200


def _form_page(session, actor, key: tuple[str, str], values: dict[str, str], *,
               errors: dict | None = None, message: str | None = None, source: str = "",
               status: int = 200):
    """The form's steps with last period's values beside each field."""
    errors = errors or {}
    last_period, last = last_period_values(session, actor, *key)
    version = form_version(session, key[0])
    sections = form_sections(values, errors, last, version)
    focus = _focus_field(sections, request.args.get("focus", ""))
    opened = _opened_steps(sections, errors, focus or None, request.args.get("step"))
    draft = draft_service.find_draft(session, actor, *key)
    outcome = submissions.submission_outcome(session, actor.institution_id, *key)
    return render_template(
        "college/submit.html", sections=sections, errors=errors, message=message,
        period=key[0], programme_code=key[1], last_period=last_period, has_last=bool(last),
        opened=opened, focus=focus, draft=draft, source=source, outcome=outcome,
        institution=current_user.institution, labels=field_labels(), version=version,
    ), status


def _focus_field(sections, wanted: str) -> str:
    """The input to focus: the field named, or the first field of the group named."""
    if not wanted:
        return ""
    return next((f.path for s in sections for f in s.fields
                 if f.path == wanted or f.path.startswith(f"{wanted}.")), "")


def _opened_steps(sections, errors: dict, focus: str | None, step: str | None) -> set[str]:
    """The steps shown open: those with errors, else the focused field's, the asked or the first."""
    names = [s.name for s in sections]
    with_errors = {section_of(path) for path in errors} & set(names)
    if with_errors:
        return with_errors
    if focus:
        return {section_of(focus)}
    if step in names:
        return {step}
    return {next((s.name for s in sections if s.status != "complete"), names[0])}


def _post_return_form(session, actor):
    """Save the draft and go to the step asked for, or submit the return."""
    form = request.form
    key = (form.get("header.period_code", ""), form.get("header.programme_code", "").strip())
    version = form_version(session, key[0])
    values = values_from_form(form, version)
    goto = form.get("goto")
    if goto is not None:
        try:
            draft_service.save_draft(session, actor, key[0], key[1], values)
        except DomainError as exc:
            return _form_page(session, actor, key, values, errors=exc.fields,
                              message=exc.message, status=422)
        flash(_("Draft saved at %(time)s UTC.", time=f"{utcnow():%H:%M}"), "info")
        return redirect(url_for("college.submit", period=key[0], programme=key[1],
                                step=goto or None) + (f"#step-{goto}" if goto else ""))
    payload = payload_from_form(form, current_user.institution.code, version)
    try:
        result = submissions.submit_return(session, actor, payload, source="web")
    except DomainError as exc:
        return _form_page(session, actor, key, values,
                          errors=errors_at_slots(exc.fields, values, version),
                          message=exc.message, status=422)
    flash(_("Version %(version)s received; quality checks are running.", version=result.version),
          "info")
    return redirect(url_for("college.submitted", return_id=result.return_id,
                            version=result.version))


@bp.route("/upload", methods=["GET", "POST"])
@role_required(Role.COLLEGE)
def upload():
    """Upload the XLSX template or a CSV; every problem is listed by sheet, row and cell."""
    problems: dict[str, list[str]] = {}
    message = None
    if request.method == "POST":
        upload_file = request.files.get("file")
        if upload_file is None or not upload_file.filename:
            message = _("Choose a file to upload.")
        else:
            session = get_session()
            try:
                payloads, source = read_bulk_file(upload_file.filename, upload_file.read())
                results = submissions.store_returns(session, web_actor(), payloads,
                                                    source=source)
            except DomainError as exc:
                problems, message = exc.fields, exc.message
            else:
                flash(ngettext("%(num)d return(s) received from %(file)s.",
                               "%(num)d return(s) received from %(file)s.", len(results),
                               file=upload_file.filename), "info")
                if len(results) > MAX_FINDINGS_SHOWN:
                    return redirect(url_for("college.dashboard"))
                return redirect(url_for("college.submitted_many", v=[
                    f"{result.return_id}:{result.version}" for result in results]))
    status = 422 if (problems or message) and request.method == "POST" else 200
    return render_template("college/upload.html", problems=problems, message=message,
                           periods=open_periods(get_session())), status


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
                flash(_("Token revoked."), "info")
            else:
                new_secret = tokens.create_token(
                    session, actor, current_user, request.form.get("name", ""),
                    _whole_number(request.form.get("lifetime_days"),
                                  tokens.DEFAULT_LIFETIME_DAYS)).secret
        except (DomainError, ValueError) as exc:
            flash(getattr(exc, "message", None) or _("That token does not exist."), "error")
    return render_template("college/tokens.html", tokens=tokens.tokens_of(session, actor),
                           new_secret=new_secret, lifetimes=tokens.LIFETIMES_DAYS,
                           default_lifetime=tokens.DEFAULT_LIFETIME_DAYS, now=utcnow())


def _whole_number(text: str | None, default: int) -> int:
    """A form's whole number, the default when absent; -1 (refused later) when not a number."""
    if not text:
        return default
    return int(text) if text.isdigit() else -1


@bp.post("/drafts/<int:draft_id>/delete")
@role_required(Role.COLLEGE)
def delete_draft(draft_id: int):
    """Delete one of the college's drafts."""
    try:
        draft_service.delete_draft(get_session(), web_actor(), draft_id)
    except NotFound:
        return _not_found(_("draft %(id)s", id=draft_id))
    flash(_("Draft deleted."), "info")
    return redirect(url_for("college.submit"))


@bp.get("/submitted/<int:return_id>/<int:version>")
@role_required(Role.COLLEGE)
def submitted(return_id: int, version: int):
    """What the within-return and previous-period rules found on the version just submitted."""
    return _findings_page([(return_id, version)])


@bp.get("/submitted")
@role_required(Role.COLLEGE)
def submitted_many():
    """The same findings for every version a file stored (?v=<return id>:<version>, repeated)."""
    try:
        keys = [tuple(int(part) for part in item.split(":", 1))
                for item in request.args.getlist("v")]
    except ValueError:
        keys = []
    if not keys or any(len(key) != 2 for key in keys):
        return _not_found(_("those returns"))
    return _findings_page(keys[:MAX_FINDINGS_SHOWN])


def _findings_page(keys: list[tuple[int, int]]):
    try:
        found = returns_findings(get_session(), web_actor(), keys)
    except NotFound:
        return _not_found(_("that return"))
    return render_template("college/submitted.html", found_all=found)


@bp.route("/practice", methods=["GET", "POST"])
@role_required(Role.COLLEGE)
def practice():
    """A training page: the form, filled with an example only when asked; nothing is stored."""
    session, actor = get_session(), web_actor()
    institution = current_user.institution
    periods = open_periods(session)
    period = periods[0].code if periods else ""
    if request.method == "GET":
        values = values_from_payload(pilot_return(institution.code, period, PRACTICE_PROGRAMME)
                                     ) if request.args.get("example") else {}
        return _practice_page(period, values)
    values = values_from_form(request.form)
    payload = payload_from_form(request.form, institution.code, SCHEMA_VERSION)
    try:
        checked = submissions.check_return(session, actor, payload)
    except DomainError as exc:
        return _practice_page(period, values, errors=exc.fields, message=exc.message,
                              status=422)
    return _practice_page(period, values, ok=_("This return meets the data standard: "
                                               "submitted for real, it would be accepted."),
                          findings=dry_run_findings(session, checked))


def _practice_page(period: str, values: dict[str, str], *, errors: dict | None = None,
                   message: str | None = None, ok: str | None = None,
                   findings: DryRunFindings | None = None, status: int = 200):
    """The training form; after a check, what the quality rules would find on submit."""
    sections = form_sections(values, errors or {}, {})
    return render_template(
        "college/submit.html", practice=True, practice_ok=ok, practice_findings=findings,
        sections=sections,
        errors=errors or {}, message=message, period=period, programme_code=PRACTICE_PROGRAMME,
        opened={s.name for s in sections}, focus="", institution=current_user.institution,
        labels=field_labels(),
    ), status


@bp.get("/template.xlsx")
@role_required(Role.COLLEGE)
def template_xlsx():
    """The college's XLSX template for a period, pre-filled with its programmes."""
    return _template_download("xlsx")


@bp.get("/template.csv")
@role_required(Role.COLLEGE)
def template_csv():
    """The college's CSV template for a period, pre-filled with its programmes."""
    return _template_download("csv")


def _template_download(kind: str):
    session = get_session()
    periods = open_periods(session)
    period = request.args.get("period") or (periods[0].code if periods else "")
    try:
        template = template_service.college_template(session, web_actor(), period)
    except NotFound:
        return _not_found(_("reporting period %(period)s", period=repr(period)))
    body = (template_service.college_xlsx(template) if kind == "xlsx"
            else template_service.college_csv(template))
    name = f"returns-{template.institution.code}-{template.period.code}.{kind}"
    return Response(body, mimetype=TEMPLATE_TYPES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
