"""The Data Feedback Report: one college's standing for a period, as a PDF worth printing.

In the spirit of IPEDS' Data Feedback Report. Its first page says in words where the college
stands on each headline indicator, what changed since the last period, and the strengths
and concerns its figures support; then one chart per headline indicator, the trends over
the years, the comparison colleges, the quality of its returns, provenance and methods.

Everything comes from already-computed data: the comparison (a release's institution results
and benchmark cells), the college's own returns and their quality issues, and the release's
provenance. Other colleges' values never appear individually, only the aggregates the
comparison allows. The benchmarks pipeline renders every college's report once per release
(`prerender_reports`); a download reads the stored bytes (`report_download`), and renders
through the same `report_pdf` only when none is stored (a chosen peer group, or a release
built outside the pipeline).
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, undefer

from registry.db import begin_writing, utcnow
from registry.indicators import charts
from registry.indicators.figures import InstitutionResult, decode
from registry.indicators.formatting import (
    as_shown,
    indicator_change,
    indicator_value,
    long_date,
    long_datetime,
)
from registry.models import (
    BenchmarkCell,
    FeedbackReport,
    Institution,
    InstitutionFigures,
    IssueStatus,
    Period,
    Programme,
    QualityIssue,
    Release,
    Return,
    ReturnVersion,
)
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import NotFound
from registry.services.register.peer_groups import get_peer_group
from registry.services.releases import comparison as comparison_service
from registry.services.releases.charts import distribution_row
from registry.services.releases.cohort_tables import college_cohort_table
from registry.services.releases.releases import latest_published
from registry.services.releases.series import published_releases
from schemas.indicators import BY_CODE, HEADLINE

LIVE_ISSUES = (IssueStatus.OPEN, IssueStatus.EXPLAINED, IssueStatus.REFUSED)
SHOWN_ISSUES = (*LIVE_ISSUES, IssueStatus.ACCEPTED)
SIGNIFICANCE = 0.05  # the level registry/indicators/compute.py flags differences at
TEMPLATES = Path(__file__).parent / "templates"
STRENGTHS_SHOWN = 2
TOP_QUARTER = 75  # percentile rank at or above which a value is in the nation's top quarter


# --- What the report says -------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Where the college stands on one indicator against its adjusted benchmark, in words."""

    indicator: str
    name: str
    position: str | None  # above | in line with | below | None (no figure or no benchmark)
    sentence: str
    basis: str


def verdict(row: dict) -> Verdict:
    """Above / in line with / below the value expected for the college's mix of levels.

    Decided by the registry's own comparison: the exact Poisson test of the observed against
    the expected count (flag higher / lower at p < 0.05, else as expected). Where no test is
    run, by the college's 95 % interval: in line with the benchmark when it contains it.
    """
    code, name = row["indicator"], row["name"]
    value, expected = row["value"], row["adjusted"]["expected"]
    if value is None:
        reason = (row["missing_reason"] or "not reported").replace("_", " ")
        return Verdict(code, name, None, f"{name}: no figure for your college ({reason}).", "")
    if expected is None:
        return Verdict(code, name, None, f"{name}: {_v(value, code)}; no adjusted benchmark "
                       "can be computed for it.", "")
    position, basis = _position(row, value, expected)
    if position is None:
        return Verdict(code, name, None, f"{name}: {_v(value, code)} against "
                       f"{_v(expected, code)} expected; too little data to judge.", "")
    gap = ("larger than chance alone would explain" if position != "in line with"
           else "within what chance alone would explain")
    sentence = (f"{name}: your {_v(value, code)} is {position} the {_v(expected, code)} "
                f"expected for a college with your mix of programme levels; the gap is {gap}.")
    return Verdict(code, name, position, sentence, basis)


def _position(row: dict, value: float, expected: float) -> tuple[str | None, str]:
    flag, p_value = row["adjusted"]["flag"], row["adjusted"]["p_value"]
    if flag in ("higher", "lower", "as_expected"):
        words = {"higher": "above", "lower": "below", "as_expected": "in line with"}[flag]
        return words, f"exact Poisson test, {_p(p_value)}"
    low, high = row["ci_low"], row["ci_high"]
    if low is None or high is None:
        return None, ""
    if low <= expected <= high:
        return "in line with", "the benchmark lies inside your 95 % interval"
    return ("above" if value > expected else "below",
            "the benchmark lies outside your 95 % interval")


def _p(p_value: float | None) -> str:
    if p_value is None:
        return "p not computed"
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def _v(value: float | None, code: str) -> str:
    return indicator_value(value, code)


@dataclass(frozen=True)
class Change:
    """One headline indicator's change since the previous period, in words."""

    indicator: str
    sentence: str


def change_sentence(code: str, now: float | None, before: float | None,
                    previous_period: str | None, broken: bool) -> Change:
    """'Coverage rose from 58.0 % in 2023-24 to 60.0 % (+2.0 percentage points).'"""
    name = BY_CODE[code].name
    if previous_period is None:
        return Change(code, f"{name}: no earlier period has a published release to compare "
                            "with.")
    if now is None or before is None:
        missing = "this period" if now is None else previous_period
        return Change(code, f"{name}: no figure for {missing}, so no change can be given.")
    difference = as_shown(now, code) - as_shown(before, code)  # adds up as printed
    if _v(now, code) == _v(before, code):
        words = f"stayed at {_v(now, code)} (as in {previous_period})"
    else:
        verb = "rose" if difference > 0 else "fell"
        words = (f"{verb} from {_v(before, code)} in {previous_period} to {_v(now, code)} "
                 f"({indicator_change(difference, code)})")
    care = "; the method changed between the two periods, so compare with care" if broken \
        else ""
    return Change(code, f"{name} {words}{care}.")


@dataclass(frozen=True)
class Evidence:
    """A strength or a concern: an indicator and the evidence for it."""

    indicator: str
    name: str
    sentence: str
    rank: tuple


def strengths_and_concerns(rows: list[dict]) -> tuple[list[Evidence], list[Evidence]]:
    """The strongest evidence each way: a significant adjusted difference first, then the
    best or worst quarter of the nation. Indicators with no better direction, no value or
    too few people are left out; the figures decide, so there may be fewer than two."""
    strengths, concerns = [], []
    for row in rows:
        found = _judged(row)
        if found is not None:
            (strengths if found[0] else concerns).append(found[1])
    return (sorted(strengths, key=lambda f: f.rank)[:STRENGTHS_SHOWN],
            sorted(concerns, key=lambda f: f.rank)[:STRENGTHS_SHOWN])


def _judged(row: dict) -> tuple[bool, Evidence] | None:
    """(good?, evidence) when the figures support one; None otherwise."""
    better, value = row["better"], row["value"]
    if better not in ("higher", "lower") or value is None or row["small_denominator"]:
        return None
    code, name = row["indicator"], row["name"]
    flag, expected = row["adjusted"]["flag"], row["adjusted"]["expected"]
    if flag in ("higher", "lower"):
        good = flag == better
        sentence = (f"{name}: {_v(value, code)}, significantly {flag} than the "
                    f"{_v(expected, code)} expected for your mix of programme levels "
                    f"({_p(row['adjusted']['p_value'])}).")
        return good, Evidence(code, name, sentence, (0, row["adjusted"]["p_value"] or 1.0))
    percentile = row["percentile"]
    if percentile is None:
        return None
    above = percentile if better == "higher" else 100 - percentile
    if TOP_QUARTER > above > 100 - TOP_QUARTER:
        return None
    good = above >= TOP_QUARTER
    direction = better if good else ("lower" if better == "higher" else "higher")
    share = round(percentile if direction == "higher" else 100 - percentile)
    sentence = (f"{name}: {_v(value, code)}, {direction} than at about {share} % of colleges "
                f"in the nation (percentile rank {round(percentile)}).")
    return good, Evidence(code, name, sentence, (1, -abs(percentile - 50)))


# --- Gathering the figures --------------------------------------------------------------


def feedback_report(
    session: Session, actor: Actor, institution: Institution, period: Period | None,
    peer_group_id: int | None = None, now: datetime | None = None, *,
    release: Release | None = None,
) -> dict:
    """Gather the report of a college for a period's newest published release, or for
    `release`, an unpublished one the caller has already let the actor preview."""
    if release is None:
        release = published_release(session, actor, institution, period)
    else:
        comparison_service.require_comparison_access(actor, institution)
    return release_report(session, actor, institution, release, peer_group_id, now)


def published_release(session: Session, actor: Actor, institution: Institution,
                      period: Period | None) -> Release:
    """The period's newest published release (NotFound, in words, when there is none)."""
    comparison_service.require_comparison_access(actor, institution)
    if period is None:
        raise NotFound("No reporting period has a published benchmark release yet, so there "
                       "is no feedback report to download.")
    release = latest_published(session, period)
    if release is None:
        raise NotFound(f"No benchmark release has been published for period {period.code} "
                       "yet, so there is no feedback report for it. Choose a period with a "
                       "published release.")
    return release


def release_report(
    session: Session, actor: Actor, institution: Institution, release: Release,
    peer_group_id: int | None = None, now: datetime | None = None,
) -> dict:
    """Everything the report of a college in one release shows."""
    data = comparison_service.release_comparison(session, actor, institution, release,
                                                 peer_group_id)
    by_code = {row["indicator"]: row for row in data["indicators"]}
    headline = [{**by_code[c], "definition": BY_CODE[c].definition}
                for c in HEADLINE if c in by_code]
    trends = headline_trends(session, institution, release, [r["indicator"] for r in headline])
    strengths, concerns = strengths_and_concerns(data["indicators"])
    return {
        "institution": institution, "period": release.period, "generated_at": now,
        "headline": headline, "indicators": data["indicators"],
        "cohorts": college_cohort_table(session, actor, institution),
        "verdicts": [verdict(row) for row in headline],
        "changes": _changes(headline, trends),
        "previous_period": _previous_period(trends),
        "strengths": strengths, "concerns": concerns,
        "trends": trends,
        "peer_group": _peer_definition(session, actor, institution, release, data,
                                       peer_group_id),
        "min_institutions": data["min_institutions"],
        "quality": return_quality(session, institution, release.period,
                                  _counted(session, release)),
        "findings": return_findings(session, institution, release.period),
        "provenance": provenance(session, release),
    }


def headline_trends(session: Session, institution: Institution, release: Release,
                    indicators: list[str]) -> dict[str, list[dict]]:
    """Per indicator, one point per period up to the report's: the college's value, the
    national median and its default peers' median, from each earlier period's newest
    published release and from the report's own release for its period."""
    releases = _trend_releases(session, release)
    own = _own_results(session, [r.id for r in releases], institution.id, indicators)
    medians = _national_medians(session, [r.id for r in releases], indicators)
    trends = {}
    for code in indicators:
        points, previous = [], None
        for rel in releases:
            versions = (rel.catalogue_version, rel.method_version)
            points.append(_trend_point(rel, own.get((rel.id, code)),
                                       medians.get((rel.id, code)),
                                       previous is not None and versions != previous))
            previous = versions
        trends[code] = points
    return trends


def _trend_point(release: Release, mine: InstitutionResult | None, national: float | None,
                 break_before: bool) -> dict:
    return {"period": release.period.code, "release": release.number, "status": release.kind,
            "break_before": break_before, "value": mine.value if mine else None,
            "peer_median": comparison_service.peer_median(mine, release.min_institutions),
            "national_median": national}


def _national_medians(session: Session, release_ids: list[int], indicators: list[str]
                      ) -> dict[tuple[int, str], float | None]:
    """(release id, indicator) → the national median, where it is published."""
    rows = session.execute(
        select(BenchmarkCell.release_id, BenchmarkCell.indicator, BenchmarkCell.median)
        .where(BenchmarkCell.release_id.in_(release_ids), BenchmarkCell.indicator.in_(indicators),
               BenchmarkCell.stratum == "national", BenchmarkCell.suppression == "none"))
    return {(release_id, code): median for release_id, code, median in rows}


def _trend_releases(session: Session, release: Release) -> list[Release]:
    """Each earlier period's newest published release, then the report's own release."""
    starts = release.period.starts_on
    earlier = [r for r in published_releases(session)
               if r.period.starts_on < starts and r.period_id != release.period_id]
    return [*earlier, release]


def _own_results(session: Session, release_ids: list[int], institution_id: int,
                 indicators: list[str]) -> dict[tuple[int, str], InstitutionResult]:
    found = {}
    for release_id, document in session.execute(
            select(InstitutionFigures.release_id, InstitutionFigures.figures).where(
                InstitutionFigures.release_id.in_(release_ids),
                InstitutionFigures.institution_id == institution_id)):
        for result in decode(release_id, institution_id, document, indicators):
            found[(release_id, result.indicator)] = result
    return found


def _previous_period(trends: dict[str, list[dict]]) -> str | None:
    points = next(iter(trends.values()), [])
    return points[-2]["period"] if len(points) > 1 else None


def _changes(headline: list[dict], trends: dict[str, list[dict]]) -> list[Change]:
    changes = []
    for row in headline:
        points = trends[row["indicator"]]
        before = points[-2] if len(points) > 1 else None
        changes.append(change_sentence(
            row["indicator"], row["value"], before["value"] if before else None,
            before["period"] if before else None, points[-1]["break_before"]))
    return changes


def _peer_definition(session, actor, institution, release, data, group_id) -> dict:
    """Who the college is compared with: how they were chosen, and each of them by name."""
    group = data["peer_group"]
    if group_id is None:
        members = comparison_colleges(session, institution, release)
        return {"name": group["name"], "custom": False, "members": members,
                "rule": f"Every {institution.type} college of the {institution.sector} sector "
                        "on the register with a return counted in this release (all "
                        "provinces), other than your college: the same college type and "
                        f"sector, so {len(members)} colleges."}
    found = sorted((m.institution for m in get_peer_group(session, actor, group_id).members),
                   key=lambda i: i.code)
    return {"name": group["name"], "custom": True,
            "members": [{"code": i.code, "name": i.name, "province": i.province_code}
                        for i in found],
            "rule": f"A custom peer group of {len(found)} colleges chosen by "
                    "a university or the regulator."}


def comparison_colleges(session: Session, institution: Institution,
                        release: Release) -> list[dict]:
    """The colleges of the default peer group: same type and sector, a return counted in the
    release, the college itself left out."""
    counted = _counted(session, release)
    if not counted:
        return []
    found = session.scalars(
        select(Institution).join(Return, Return.institution_id == Institution.id)
        .join(ReturnVersion, ReturnVersion.return_id == Return.id)
        .where(ReturnVersion.id.in_(counted), Institution.type == institution.type,
               Institution.sector == institution.sector, Institution.id != institution.id)
        .distinct().order_by(Institution.code))
    return [{"code": i.code, "name": i.name, "province": i.province_code} for i in found]


def _counted(session: Session, release: Release) -> set[int]:
    ids = session.scalar(select(Release.provenance).where(Release.id == release.id))
    return set((ids or {}).get("return_version_ids", []))


def return_quality(session: Session, institution: Institution, period: Period,
                   counted_versions: set[int]) -> list[dict]:
    """Per return of the college in the period: status, live quality issues, counted or not."""
    returns = _returns(session, institution, period)
    if not returns:
        return []
    counted = set(session.scalars(select(ReturnVersion.return_id).where(
        ReturnVersion.return_id.in_([r.id for r in returns]),
        ReturnVersion.id.in_(counted_versions)))) if counted_versions else set()
    issues = _issue_counts(session, [r.id for r in returns])
    return [{"programme": r.programme.code, "name": r.programme.name, "status": r.status,
             "version": r.latest_version,
             "errors": issues[(r.id, "error")], "warnings": issues[(r.id, "warning")],
             "explained": issues[(r.id, IssueStatus.EXPLAINED)],
             "accepted": issues[(r.id, IssueStatus.ACCEPTED)],
             "counted": r.id in counted} for r in returns]


def _returns(session: Session, institution: Institution, period: Period) -> list[Return]:
    return list(session.scalars(
        select(Return).options(joinedload(Return.programme))
        .join(Programme, Programme.id == Return.programme_id)
        .where(Return.institution_id == institution.id, Return.period_id == period.id)
        .order_by(Programme.code)))


def _latest_issues(return_ids: list[int], statuses):
    return (select(QualityIssue)
            .join(ReturnVersion, ReturnVersion.id == QualityIssue.return_version_id)
            .join(Return, Return.id == QualityIssue.return_id)
            .where(QualityIssue.return_id.in_(return_ids),
                   ReturnVersion.version == Return.latest_version,
                   QualityIssue.status.in_(statuses)))


def _issue_counts(session: Session, return_ids: list[int]) -> Counter:
    """Live (not resolved, not accepted) issues on each return's latest version, by severity;
    and explanations waiting for a decision or accepted, by status."""
    counts: Counter = Counter()
    for issue in session.scalars(_latest_issues(return_ids, SHOWN_ISSUES)):
        if issue.status in LIVE_ISSUES:
            counts[(issue.return_id, issue.severity)] += 1
        if issue.status in (IssueStatus.EXPLAINED, IssueStatus.ACCEPTED):
            counts[(issue.return_id, issue.status)] += 1
    return counts


def return_findings(session: Session, institution: Institution, period: Period) -> list[dict]:
    """The quality findings on the college's latest versions that are not resolved: each with
    its rule, status and the college's explanation, if any."""
    returns = {r.id: r for r in _returns(session, institution, period)}
    if not returns:
        return []
    issues = session.scalars(_latest_issues(list(returns), SHOWN_ISSUES)
                             .order_by(QualityIssue.return_id, QualityIssue.rule_id))
    return [{"programme": returns[i.return_id].programme.code, "rule": i.rule_id,
             "severity": i.severity, "message": i.message, "status": i.status,
             "explanation": i.explanation} for i in issues]


def provenance(session: Session, release: Release) -> dict:
    """The release's identity, checksums, versions and method notes."""
    full = session.scalar(select(Release).options(undefer(Release.method_notes))
                          .where(Release.id == release.id))
    return {"number": full.number, "kind": full.kind, "built_at": full.built_at,
            "checksum_sha256": full.checksum_sha256, "json_sha256": full.json_sha256,
            "sdmx_sha256": full.sdmx_sha256, "method_version": full.method_version,
            "catalogue_version": full.catalogue_version, "suite_version": full.suite_version,
            "acceptance_level": full.acceptance_level,
            "min_institutions": full.min_institutions, "min_people": full.min_people,
            "method_notes": [line for line in full.method_notes.splitlines() if line.strip()]}


# --- Drawing it -------------------------------------------------------------------------


def headline_chart(row: dict, min_institutions: int) -> str:
    """The nation and the peer group, the college marked with its expected value."""
    value, expected = row["value"], row["adjusted"]["expected"]
    national = (distribution_row(row["national"], "Nation", min_institutions, value)
                if row["national"] else
                charts.DistributionRow("Nation", suppressed_note="no figure"))
    peers = row["peers"] or {"withheld": "no peers"}
    peer_row = (charts.DistributionRow("Peer group", None, peers["p25"], peers["median"],
                                       peers["p75"], None, value)
                if not peers.get("withheld") and peers.get("median") is not None else
                charts.DistributionRow("Peer group", marker=value, suppressed_note=(
                    f"not shown (fewer than {min_institutions} other colleges)")))
    rows = [charts.DistributionRow(**{**national.__dict__, "expected": expected}), peer_row]
    label = (f"{row['name']}: your value against your peer group and the nation; the table "
             "gives the figures")
    return charts.render_svg(charts.distribution_spec(rows, BY_CODE[row["indicator"]]), label)


TREND_SERIES = (("National", "national_median"), ("Peers", "peer_median"),
                ("Your college", "value"))  # drawn last, so on top where the lines meet


def trend_chart(code: str, points: list[dict]) -> str | None:
    """The college's series against the national and peer medians, breaks marked."""
    if not any(p["value"] is not None or p["national_median"] is not None for p in points):
        return None
    series = [charts.SeriesPoint(name, p["period"], p[field], p["status"])
              for p in points for name, field in TREND_SERIES]
    breaks = [p["period"] for p in points if p["break_before"]]
    label = (f"{BY_CODE[code].name} across periods: your college against the national "
             "median and your peers' median; the table gives the figures")
    return charts.render_svg(charts.series_spec(series, BY_CODE[code], breaks,
                                                intervals=False), label)


@functools.cache
def _environment() -> jinja2.Environment:
    """The report's template environment (plain Jinja: pipelines render it without Flask)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters.update(indicator_value=indicator_value,
                               indicator_change=indicator_change, date=long_date,
                               datetime=long_datetime)
    environment.globals.update(headline_chart=headline_chart, trend_chart=trend_chart)
    return environment


def render_html(report: dict) -> str:
    """The report as self-contained HTML (inline CSS and SVG), the PDF's source."""
    return _environment().get_template("feedback_report.html").render(report=report)


def render_pdf(html: str) -> bytes:
    """Turn the report's self-contained HTML (inline CSS and SVG) into PDF bytes."""
    import weasyprint  # ~1 s to import: only when a report is asked for
    from weasyprint.urls import URLFetcher

    # The report is self-contained: fetch nothing, so no text in it can reach a file or host.
    offline = URLFetcher(allowed_protocols=("data",))
    # PDF/UA: a tagged PDF (headings, tables, figures, language) that screen readers can follow.
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=offline).write_pdf(
        pdf_variant="pdf/ua-1")


def report_pdf(session: Session, actor: Actor, institution: Institution, release: Release,
               peer_group_id: int | None = None, now: datetime | None = None) -> bytes:
    """The one way a report is rendered, by the pipeline ahead of time or on demand."""
    return render_pdf(render_html(release_report(session, actor, institution, release,
                                                 peer_group_id, now)))


# --- Storing and reading it -------------------------------------------------------------


def prerender_reports(session: Session, actor: Actor, release: Release,
                      now: datetime | None = None,
                      institution_ids: Collection[int] | None = None,
                      limit: int | None = None) -> int:
    """Render and store the report of every college with figures in the release (or of the
    colleges given; at most `limit` of them), skipping those stored already, so a retried
    task continues where it stopped; return how many were added.

    The reports are rendered before anything is written: a caller that began reading
    (`registry.db.begin_reading`) holds SQLite's write lock only while they are stored."""
    done = set(session.scalars(select(FeedbackReport.institution_id)
                               .where(FeedbackReport.release_id == release.id)))
    query = (select(Institution).join(InstitutionFigures,
                                      InstitutionFigures.institution_id == Institution.id)
             .where(InstitutionFigures.release_id == release.id).order_by(Institution.code))
    if institution_ids is not None:
        query = query.where(Institution.id.in_(list(institution_ids)))
    colleges = [college for college in session.scalars(query) if college.id not in done]
    rendered_at = now or utcnow()
    rendered = [(college.id, report_pdf(session, actor, college, release, now=rendered_at))
                for college in colleges[:limit]]
    begin_writing(session)
    stored = set(session.scalars(select(FeedbackReport.institution_id)
                                 .where(FeedbackReport.release_id == release.id)))
    added = 0
    for institution_id, pdf in rendered:
        if institution_id in stored:  # another run stored it meanwhile
            continue
        session.add(FeedbackReport(release_id=release.id, institution_id=institution_id,
                                   pdf=pdf, checksum_sha256=hashlib.sha256(pdf).hexdigest(),
                                   rendered_at=rendered_at, rendered_by=actor.label))
        added += 1
    session.flush()
    record_event(session, actor, "release.feedback_reports", "release", release.number,
                 after=f"{added} reports rendered",
                 detail={"rendered": added, "already_stored": len(done)})
    return added


@dataclass(frozen=True)
class ReportFile:
    """A report ready to send: its bytes, checksum, and whether it was stored or rendered."""

    pdf: bytes
    checksum_sha256: str
    filename: str
    stored: bool


def report_download(session: Session, actor: Actor, institution: Institution,
                    period: Period | None, peer_group_id: int | None = None,
                    now: datetime | None = None) -> ReportFile:
    """The report of the period's newest published release: the stored one for the default
    peer group, else rendered now by the same function the pipeline uses."""
    release = published_release(session, actor, institution, period)
    name = f"feedback-report-{institution.code}-{release.period.code}.pdf"
    if peer_group_id is None:
        stored = session.execute(
            select(FeedbackReport.pdf, FeedbackReport.checksum_sha256).where(
                FeedbackReport.release_id == release.id,
                FeedbackReport.institution_id == institution.id)).first()
        if stored is not None:
            return ReportFile(stored.pdf, stored.checksum_sha256, name, True)
    pdf = report_pdf(session, actor, institution, release, peer_group_id, now)
    return ReportFile(pdf, hashlib.sha256(pdf).hexdigest(), name, False)


def stored_report_count(session: Session, release: Release) -> int:
    """How many reports the pipeline stored for a release."""
    return session.scalar(select(func.count()).select_from(FeedbackReport)
                          .where(FeedbackReport.release_id == release.id)) or 0
