"""University and regulator pages: status grids, compliance tracker, periods."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from registry.db import utcnow
from registry.indicators.strata import DIMENSION_LABELS, dimension_choices
from registry.models import Period, Role
from registry.reference_data import INSTITUTION_TYPES, PROVINCES, SECTORS
from registry.request_session import get_session
from registry.services.errors import DomainError
from registry.services.paging import page_of
from registry.services.register import periods as period_service
from registry.services.register.institutions import RegisterFilters, get_institution
from registry.services.releases import dashboard as dashboard_service
from registry.services.submission import compliance as compliance_service
from registry.web.auth import role_required, web_actor
from registry.web.i18n import long_date
from registry.web.status import STANDING_LABELS
from schemas.cells import escape_text
from schemas.indicators import CATALOGUE

university = Blueprint("university", __name__, url_prefix="/university")
regulator = Blueprint("regulator", __name__, url_prefix="/regulator")

SORT_KEYS = {
    "college": lambda r: (r.institution.code, r.programme.code if r.programme else ""),
    "state": lambda r: (r.standing, r.institution.code),
    "received": lambda r: (r.received_at or datetime.max.replace(tzinfo=UTC)),
    "province": lambda r: (r.institution.province_code, r.institution.code),
}


def chosen_period(session) -> Period | None:
    """The period asked for, else the newest one."""
    code = request.args.get("period")
    periods = list(session.scalars(select(Period).order_by(Period.starts_on.desc())))
    return next((p for p in periods if p.code == code), periods[0] if periods else None)


def tracker_rows(session):
    """The chosen period and its rows, filtered in the service and sorted as asked."""
    period = chosen_period(session)
    if period is None:
        return None, []
    rows = compliance_service.compliance(
        session, web_actor(), period, utcnow(), RegisterFilters.from_args(request.args),
        request.args.get("status") or None)
    sort = request.args.get("sort", "college")
    rows.sort(key=SORT_KEYS.get(sort, SORT_KEYS["college"]),
              reverse=request.args.get("order") == "desc")
    return period, rows


TRACKER_ARGS = ("period", "sort", "order", "type", "sector", "province", "status", "q")


def _tracker(session, title: str, endpoint: str, period, rows):
    """Render the status grid or tracker: one page of rows, with the filters kept."""
    args = {k: request.args[k] for k in TRACKER_ARGS if request.args.get(k)}
    return render_template(
        "oversight/tracker.html", period=period, page=page_of(rows, request.args.get("page")),
        summary=compliance_service.summarise(rows), periods=period_service.list_periods(session),
        title=title, endpoint=endpoint, provinces=PROVINCES, args=args,
        types=INSTITUTION_TYPES, sectors=SECTORS, standings=STANDING_LABELS)


@university.get("", endpoint="dashboard")
@role_required(Role.UNIVERSITY)
def university_dashboard():
    """The status grid of the university's affiliated colleges."""
    session = get_session()
    period, rows = tracker_rows(session)
    return _tracker(session, gettext("Affiliated colleges"), "university.dashboard", period, rows)


@regulator.get("", endpoint="dashboard")
@role_required(Role.REGULATOR, Role.ADMIN)
def national_dashboard():
    """The national dashboard: headline indicators and trends, provinces, compliance, quality."""
    session = get_session()
    filters = {name: request.args.get(name) or None for name in dashboard_service.FILTERS}
    status = 200
    try:
        board = dashboard_service.national_dashboard(session, web_actor(), filters, utcnow(),
                                                     request.args.get("indicator"))
    except DomainError as exc:
        flash(exc.message, "error")
        board, status = None, exc.status
    return render_template("oversight/national.html", board=board, filters=filters,
                           figures=dashboard_service.period_figures(session),
                           choices=dimension_choices(), labels=DIMENSION_LABELS,
                           indicators=CATALOGUE), status


@regulator.get("/compliance")
@role_required(Role.REGULATOR, Role.ADMIN)
def compliance():
    """Submitted / late / missing per college and programme, sortable and exportable."""
    session = get_session()
    period, rows = tracker_rows(session)
    if request.args.get("format") == "csv" and period is not None:
        return _csv(period, rows)
    return _tracker(session, gettext("Compliance tracker"), "regulator.compliance", period, rows)


def _csv(period, rows) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "institution", "name", "province", "university", "programme",
                     "state", "status", "version", "received_at", "on_time"])
    for r in rows:
        writer.writerow([escape_text(str(v)) for v in (
            period.code, r.institution.code, r.institution.name, r.institution.province_code,
            r.institution.university.code, r.programme.code if r.programme else "", r.state,
            r.status or "", r.version or "",
            r.received_at.isoformat() if r.received_at else "",
            "" if r.on_time is None else ("yes" if r.on_time else "no"))])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="compliance-{period.code}.csv"'})


@regulator.route("/periods", methods=["GET", "POST"])
@role_required(Role.REGULATOR, Role.ADMIN)
def periods():
    """Open reporting periods and grant extensions."""
    session = get_session()
    if request.method == "POST":
        try:
            _period_action(session, request.form)
        except (DomainError, ValueError) as exc:
            flash(exc.message if isinstance(exc, DomainError)
                  else gettext("Check the dates: %(problem)s", problem=exc), "error")
            return render_template("oversight/periods.html",
                                   periods=period_service.list_periods(session)), 422
        return redirect(url_for("regulator.periods"))
    return render_template("oversight/periods.html", periods=period_service.list_periods(session))


def _period_action(session, form) -> None:
    actor = web_actor()
    if form.get("action") == "extension":
        period = period_service.get_period(session, form["period"])
        institution = get_institution(session, form.get("institution", "").strip())
        until = _moment(form["until"])
        period_service.grant_extension(session, actor, period, institution, until,
                                       form.get("reason", "").strip() or "not given")
        flash(gettext("%(college)s may submit for %(period)s until %(date)s.",
                      college=institution.code, period=period.code,
                      date=long_date(until.date())), "info")
        return
    period_service.create_period(
        session, actor, code=form["code"].strip(), name=form["name"].strip(),
        starts_on=date.fromisoformat(form["starts_on"]),
        ends_on=date.fromisoformat(form["ends_on"]),
        opens_at=_moment(form["opens_at"], end_of_day=False),
        closes_at=_moment(form["closes_at"]),
        due_at=_moment(form["due_at"]))
    flash(gettext("Period %(period)s created.", period=form["code"]), "info")


PAKISTAN = ZoneInfo("Asia/Karachi")


def _moment(text: str, end_of_day: bool = True) -> datetime:
    """A date from a form as the start or end of that day in Pakistan, in UTC."""
    day = date.fromisoformat(text)
    clock = time(23, 59, 59) if end_of_day else time(0, 0)
    return datetime.combine(day, clock, tzinfo=PAKISTAN).astimezone(UTC)
