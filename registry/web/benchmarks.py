"""Pages for indicators and benchmarks: catalogue, public explorer, comparison, releases."""

from __future__ import annotations

import re
import uuid

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
from sqlalchemy import select

from registry import pipeline_runs
from registry.db import utcnow
from registry.indicators import formatting, method
from registry.indicators.charts import SeriesPoint, suppressed_note
from registry.models import Institution, Period, Role
from registry.pipeline_runs import TriggerSettings
from registry.request_session import begins_reading, get_session
from registry.services.errors import DomainError, ValidationFailed
from registry.services.register import peer_groups as peer_group_service
from registry.services.register.periods import get_period, list_periods
from registry.services.releases import benchmarks as benchmark_service
from registry.services.releases import charts as chart_service
from registry.services.releases import cohort_tables
from registry.services.releases import comparison as comparison_service
from registry.services.releases import feedback_report as report_service
from registry.services.releases import releases as release_service
from registry.web.auth import role_required, web_actor
from registry.web.i18n import breakdown_text, left_to_right, number, signed, stratum_text
from schemas.codes import Level
from schemas.indicators import BY_CODE, CATALOGUE, HEADLINE

bp = Blueprint("benchmarks", __name__)
VIEWER_ROLES = (Role.COLLEGE, Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)


@bp.app_template_filter("indicator_value")
def indicator_value(value, code: str) -> str:
    """A value as the indicator reads, in the reader's language: percentages for proportions,
    two decimals otherwise (the Feedback Report's English twin: formatting.indicator_value)."""
    if value is None:
        return "–"
    if BY_CODE[code].kind == "proportion":
        return gettext("%(value)s %%", value=number(100 * value, 1))
    return number(value, 2)


@bp.app_template_filter("indicator_change")
def indicator_change(value, code: str) -> str:
    """A change between periods: percentage points for proportions, signed figures otherwise;
    'no change' when it rounds to zero at the precision shown."""
    if value is None:
        return "–"
    if formatting.as_shown(value, code) == 0:
        return gettext("no change")
    if BY_CODE[code].kind == "proportion":
        return gettext("%(change)s percentage points", change=signed(100 * value, 1))
    return signed(value, 2)


@bp.app_template_global("indicator_name")
def indicator_name(code: str) -> str:
    return gettext(BY_CODE[code].name)


@bp.app_template_global("stratum_label")
def _stratum_label(code: str) -> str:
    return stratum_text(code)


@bp.app_template_global("suppressed_note")
def _suppressed_note(suppression: str, min_institutions: int) -> str:
    return suppressed_note(suppression, min_institutions, gettext)


@bp.app_template_global("breakdown_label")
def _breakdown_label(breakdown: str) -> str:
    return breakdown_text(breakdown)


@bp.get("/indicators")
def catalogue():
    """The indicator catalogue: what each indicator measures and how, and the method notes
    the next release would carry under the current settings."""
    notes = release_service.method_notes(current_app.config["RELEASE_SETTINGS"])
    return render_template("benchmarks/catalogue.html", indicators=CATALOGUE,
                           notes=method.sections(notes),
                           level_labels={level.value: level.label for level in Level})


@bp.get("/benchmarks")
def explorer():
    """The public explorer: one indicator by one breakdown for one period, and downloads."""
    session = get_session()
    published = release_service.latest_published_by_period(session)
    periods = [p for p in list_periods(session) if p.id in published]
    period = _chosen(periods, request.args.get("period"))
    indicator = request.args.get("indicator", HEADLINE[0])
    breakdown = request.args.get("breakdown", "national")
    if indicator not in BY_CODE or breakdown not in benchmark_service.BREAKDOWNS:
        abort(404)
    view = benchmark_service.explorer(session, period, indicator, breakdown)
    chart = chart_service.explorer_chart(session, view)
    releases = session.scalars(release_service.releases_query(None).limit(20)).all()
    return render_template("benchmarks/explorer.html", view=view, periods=periods,
                           period=period, indicators=CATALOGUE, indicator=BY_CODE[indicator],
                           breakdowns=benchmark_service.BREAKDOWNS, releases=releases,
                           chart=chart)


@bp.get("/cohorts")
def national_cohorts():
    """The nation's cohort table: retention and completion by intake and years since."""
    table = cohort_tables.national_cohort_table(get_session(),
                                                current_app.config["RELEASE_SETTINGS"])
    return render_template("benchmarks/cohorts.html", table=table, institution=None,
                           cohort_chart=_cohort_chart(table, gettext("the nation")))


@bp.get("/college/cohorts")
@role_required(*VIEWER_ROLES)
def college_cohorts():
    """A college's own cohort table (its v1.1 returns' cohort follow-up)."""
    session = get_session()
    institution = _institution(session)
    try:
        table = cohort_tables.college_cohort_table(session, web_actor(), institution)
    except DomainError as exc:
        abort(exc.status)
    return render_template("benchmarks/cohorts.html", table=table, institution=institution,
                           cohort_chart=_cohort_chart(table, institution.name))


def _cohort_chart(table: cohort_tables.CohortTable, whose: str) -> str | None:
    rows = table.as_rows()
    if not any(row["retention"] is not None for row in rows):
        return None
    return chart_service.cohort_chart(rows, gettext(
        "Retention of %(whose)s's intake cohorts by years since intake; the table below has "
        "the figures", whose=whose))


def _chosen(periods: list[Period], code: str | None) -> Period | None:
    return next((p for p in periods if p.code == code), periods[-1] if periods else None)


@bp.get("/college/comparison")
@role_required(*VIEWER_ROLES)
def comparison():
    """A college's comparison with its peers and the nation, with its trend and adjustment."""
    session = get_session()
    actor = web_actor()
    institution = _institution(session)
    published = release_service.latest_published_by_period(session)
    periods = [p for p in list_periods(session) if p.id in published]
    period = _chosen(periods, request.args.get("period"))
    indicator = request.args.get("indicator", HEADLINE[0])
    group_id = request.args.get("peer_group", type=int)
    if indicator not in BY_CODE:
        abort(404)
    try:
        data = comparison_service.comparison(session, actor, institution, period, group_id) \
            if period else None
        trend = comparison_service.trend(session, actor, institution, indicator)
        cohorts = cohort_tables.college_cohort_table(session, actor, institution)
    except DomainError as exc:
        abort(exc.status)
    return render_template("benchmarks/comparison.html", institution=institution, data=data,
                           periods=periods, period=period, trend=trend,
                           standing=_standing(data), cohorts=cohorts,
                           trend_chart=_trend_chart(trend, indicator),
                           indicator=BY_CODE[indicator], indicators=CATALOGUE,
                           peer_groups=peer_group_service.list_peer_groups(session, actor),
                           peer_group=group_id)


def _standing(data: dict | None) -> list:
    """The 'where you stand' charts of a comparison (none without a release)."""
    if not data:
        return []
    return chart_service.standing_charts(data["indicators"], data["min_institutions"])


def _trend_chart(trend: list[dict], indicator: str) -> str | None:
    """The college's series against the national and peer medians."""
    if not trend:
        return None
    points = [SeriesPoint(name, p["period"], p[field], p["status"])
              for p in trend for name, field in TREND_SERIES]
    breaks = [p["period"] for p in trend if p["break_before"]]
    label = gettext("%(indicator)s across periods: your college against the national median "
                    "and your peers' median; the table below has the figures",
                    indicator=gettext(BY_CODE[indicator].name))
    return chart_service.series_chart(indicator, points, breaks, label, intervals=False)


TREND_SERIES = (("National", "national_median"), ("Peers", "peer_median"),
                ("Your college", "value"))  # drawn last, so on top where the lines meet


@bp.get("/college/feedback-report.pdf")
@role_required(*VIEWER_ROLES)
def feedback_report():
    """The college's Data Feedback Report for a period: the pipeline's stored PDF."""
    session = get_session()
    institution = _institution(session)
    try:
        report = report_service.report_download(
            session, web_actor(), institution, _report_period(session),
            request.args.get("peer_group", type=int), now=utcnow())
    except DomainError as exc:
        return render_template("benchmarks/no_report.html", institution=institution,
                               message=exc.message), exc.status
    return Response(report.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{report.filename}"',
        "ETag": f'"{report.checksum_sha256}"'})


def _report_period(session) -> Period | None:
    """The period asked for (NotFound when unknown), else the newest with a published release."""
    code = request.args.get("period")
    if code:
        return get_period(session, code)
    published = release_service.latest_published_by_period(session)
    return _chosen([p for p in list_periods(session) if p.id in published], None)


def _institution(session) -> Institution:
    """The college of a college user; others choose one with ?institution=CODE."""
    code = request.args.get("institution", "")
    if current_user.role == Role.COLLEGE:
        if code and code != current_user.institution.code:
            abort(403)
        return current_user.institution
    institution = session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        abort(404)
    return institution


BUILD_ID = re.compile("[0-9a-f]{32}")


@bp.route("/regulator/releases", methods=["GET", "POST"])
@role_required(Role.REGULATOR, Role.ADMIN)
@begins_reading  # a build in-process computes first and writes only to store the release
def releases():
    """List releases; build the next release of a period (publishing is confirmed on its page)."""
    session = get_session()
    status = 200
    if request.method == "POST":
        try:
            _release_action(session, request.form)
        except (DomainError, ValueError) as exc:
            flash(getattr(exc, "message", gettext("Choose a period.")), "error")
            status = getattr(exc, "status", 400) if getattr(exc, "status", 400) in (
                409, 422) else 400
        else:
            return redirect(url_for("benchmarks.releases"))
    found = session.scalars(release_service.releases_query(web_actor())).all()
    return render_template("benchmarks/releases.html", releases=found, build_id=uuid.uuid4().hex,
                           periods=list_periods(session)), status


def _release_action(session, form) -> None:
    actor = web_actor()
    period = get_period(session, form.get("period", ""))
    conf = {"period": period.code, **({"kind": form["kind"]} if form.get("kind") else {})}
    built = pipeline_runs.request_release(
        session, actor, TriggerSettings.from_config(current_app.config),
        current_app.config["RELEASE_SETTINGS"], conf, _build_run_id(form), as_of=utcnow(),
        languages=current_app.config["LANGUAGES"])
    if built is None:
        flash(gettext("The release of %(period)s is being built by the pipeline; it appears "
                      "here when done.", period=left_to_right(period.code)), "info")
        return
    [release] = built["releases"]
    flash(gettext("Release %(number)s (%(kind)s) built; check it on its page, open the preview "
                  "for colleges, then publish.", number=release["number"],
                  kind=gettext(release["kind"])), "info")


def _build_run_id(form) -> str:
    """The pipeline run id of a build: the form's own id, so a double click builds once."""
    build_id = form.get("build_id", "")
    if not BUILD_ID.fullmatch(build_id):
        raise ValidationFailed(gettext("This form has expired: reload the page and build again."),
                               {"build_id": ["the id the releases page gives its form"]})
    return f"web:{build_id}"
