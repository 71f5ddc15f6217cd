"""Pages for publishing releases: the calendar, a release's page, the confirmed publication,
the colleges' preview with queries on figures, and the open-data catalogue."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from registry.db import utcnow
from registry.models import Institution, Role
from registry.request_session import get_session
from registry.services.errors import DomainError
from registry.services.register.periods import get_period, list_periods
from registry.services.releases import catalogue as catalogue_service
from registry.services.releases import feedback_report as report_service
from registry.services.releases import publication as service
from registry.services.releases import releases as release_service
from registry.services.releases import stored_charts
from registry.web.auth import role_required, web_actor
from registry.web.i18n import left_to_right, long_date, long_datetime

bp = Blueprint("publication", __name__)
NATIONAL = (Role.REGULATOR, Role.ADMIN)


def _base_url() -> str:
    return request.url_root.rstrip("/")


def _actor_or_none():
    return web_actor() if current_user.is_authenticated else None


@bp.get("/releases/calendar")
def calendar():
    """Past and coming releases, with every moved date and its reason."""
    return _calendar_page()


def _calendar_page(status: int = 200):
    session = get_session()
    policy = {"revision_window_days": current_app.config["RELEASE_SETTINGS"]
              .revision_window_days,
              "preview_working_days": service.PublicationSettings.from_config(
                  current_app.config).preview_working_days}
    return render_template("publication/calendar.html", entries=service.calendar(session),
                           periods=list_periods(session), kinds=release_service.KINDS,
                           today=utcnow().date(), form=request.form, policy=policy), status


@bp.post("/releases/calendar")
@role_required(*NATIONAL)
def schedule():
    """Announce or move a release date (regulator)."""
    session = get_session()
    form = request.form
    try:
        when = date.fromisoformat(form.get("release_on", ""))
    except ValueError:
        when = None
    try:
        entry = service.schedule_release(session, web_actor(),
                                         get_period(session, form.get("period", "")),
                                         form.get("kind", ""), when, form.get("reason"))
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        return _calendar_page(exc.status)
    flash(gettext("The %(kind)s release of %(period)s is scheduled for %(date)s.",
                  kind=gettext(entry.kind), period=left_to_right(entry.period.code),
                  date=long_date(entry.release_on)), "info")
    return redirect(url_for("publication.calendar"))


@bp.get("/releases/calendar.ics")
def calendar_ics():
    """The calendar as an iCalendar feed to subscribe to."""
    body = service.to_ical(service.calendar(get_session()), _base_url(), utcnow())
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="releases.ics"'})


@bp.get("/releases/<int:release_id>")
def release_page(release_id: int):
    """A release: citation, downloads, revision notes; drafts and exclusions nationally."""
    session = get_session()
    actor = _actor_or_none()
    try:
        release = release_service.get_release(session, actor, release_id)
    except DomainError as exc:
        abort(exc.status)
    national = actor is not None and actor.is_national
    settings = catalogue_service.CatalogueSettings.from_config(current_app.config)
    return render_template(
        "publication/release.html", release=release, national=national,
        summary=service.revision_summary(session, release),
        citation=catalogue_service.citation(release, _base_url(), settings),
        url=catalogue_service.release_url(_base_url(), release),
        excluded=release.provenance.get("excluded", []) if national else [],
        excluded_counts=release_service.excluded_counts(release),
        preview=service.preview_of(session, release) if national else None,
        scheduled=service.scheduled_publication(session, release) if national else None,
        queries=service.queries_of(session, release) if national else [],
        period_open=service.period_is_open(release.period))


@bp.route("/releases/<int:release_id>/publish", methods=["GET", "POST"])
@role_required(*NATIONAL)
def confirm_publication(release_id: int):
    """What will be published and what changed; publishing only when confirmed."""
    session = get_session()
    actor = web_actor()
    try:
        release = service.release_for_regulator(session, actor, release_id)
    except DomainError as exc:
        abort(exc.status)
    status = 200
    if request.method == "POST":
        try:
            flash(_publish_or_schedule(session, actor, release, request.form), "info")
        except DomainError as exc:
            session.rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            return redirect(url_for("publication.release_page", release_id=release.id))
    return render_template(
        "publication/confirm.html", release=release,
        summary=service.revision_summary(session, release),
        previous=service.previous_release(session, release),
        excluded_counts=release_service.excluded_counts(release),
        cells=release.export_csv.count("\n") - 1, queries=service.queries_of(session, release),
        period_open=service.period_is_open(release.period),
        preview=service.preview_of(session, release),
        scheduled=service.scheduled_publication(session, release),
        reason=request.form.get("reason", "")), status


def _publish_or_schedule(session, actor, release, form) -> str:
    """Publish now, or at the end of the preview when asked; say which was done."""
    if form.get("when") == "preview_end":
        row = service.schedule_publication(session, actor, release, form.get("reason"))
        return gettext("Release %(number)s will be published at %(when)s, when its preview ends.",
                       number=release.number, when=long_datetime(row.publish_at))
    service.confirm_publication(session, actor, release, form.get("reason"))
    stored_charts.prerender_charts(session, actor, current_app.config["LANGUAGES"], utcnow())
    return gettext("Release %(number)s is published.", number=release.number)


@bp.post("/releases/<int:release_id>/preview")
@role_required(*NATIONAL)
def open_preview(release_id: int):
    """Open a built release to the colleges for the preview window."""
    session = get_session()
    actor = web_actor()
    try:
        release = service.release_for_regulator(session, actor, release_id)
        preview = service.open_preview(
            session, actor, release,
            service.PublicationSettings.from_config(current_app.config))
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        flash(gettext("Colleges can preview release %(number)s until %(when)s.",
                      number=release.number, when=long_datetime(preview.ends_at)), "info")
    return redirect(url_for("publication.release_page", release_id=release_id))


@bp.get("/college/previews")
@role_required(Role.COLLEGE)
def previews():
    """The releases the college may preview before publication."""
    return render_template("publication/previews.html",
                           releases=service.previews_for(get_session(), web_actor()))


@bp.get("/college/previews/<int:release_id>")
@role_required(Role.COLLEGE)
def preview(release_id: int):
    """The college's own figures in a release before publication, and its queries."""
    return _preview_page(release_id)


def _preview_page(release_id: int, error: str | None = None, status: int = 200):
    session = get_session()
    actor = web_actor()
    try:
        release = service.previewed_release(session, actor, release_id)
        report = report_service.feedback_report(
            session, actor, _own_institution(session, actor), release.period, now=utcnow(),
            release=release)
    except DomainError as exc:
        abort(exc.status)
    return render_template("publication/preview.html", release=release, report=report,
                           returns=service.returns_to_query(session, actor, release),
                           preview=service.preview_of(session, release),
                           queries=service.queries_of(session, release, actor.institution_id),
                           error=error, form=request.form), status


def _own_institution(session, actor) -> Institution:
    """The college of the logged-in college user."""
    return session.get(Institution, actor.institution_id)


@bp.get("/college/previews/<int:release_id>/feedback-report.pdf")
@role_required(Role.COLLEGE)
def preview_report(release_id: int):
    """The college's Feedback Report of a release under preview, as a PDF."""
    session = get_session()
    actor = web_actor()
    try:
        release = service.previewed_release(session, actor, release_id)
        institution = _own_institution(session, actor)
        pdf = report_service.report_pdf(session, actor, institution, release, now=utcnow())
    except DomainError as exc:
        abort(exc.status)
    name = f"feedback-report-{institution.code}-release-{release.number}-preview.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/college/previews/<int:release_id>/queries")
@role_required(Role.COLLEGE)
def raise_query(release_id: int):
    """Raise a query on one of the college's figures; it goes on the return's thread."""
    session = get_session()
    form = request.form
    try:
        service.raise_query(session, web_actor(), release_id, form.get("indicator"),
                            form.get("return", type=int), form.get("body"))
    except DomainError as exc:
        session.rollback()
        if exc.status == 404:
            abort(404)
        return _preview_page(release_id, exc.message, exc.status)
    flash(gettext("Your query is sent to the regulator and your reviewers."), "info")
    return redirect(url_for("publication.preview", release_id=release_id, _anchor="queries"))


@bp.get("/catalog.ttl")
def catalogue_turtle():
    """The DCAT-AP catalogue of published releases, in Turtle."""
    return Response(_graph().serialize(format="turtle"), mimetype="text/turtle")


@bp.get("/catalog.jsonld")
def catalogue_jsonld():
    """The DCAT-AP catalogue of published releases, in JSON-LD."""
    return Response(_graph().serialize(format="json-ld"), mimetype="application/ld+json")


def _graph():
    return catalogue_service.catalogue_graph(
        get_session(), _base_url(),
        catalogue_service.CatalogueSettings.from_config(current_app.config))
