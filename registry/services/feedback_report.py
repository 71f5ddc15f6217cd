"""The Data Feedback Report: one college's headline indicators for a period, as a PDF.

In the spirit of IPEDS' Data Feedback Report. Everything comes from already-computed data:
the comparison (a published release's institution results and benchmark cells), the
college's own returns and their quality issues, and the release's provenance. Other
colleges' values never appear individually, only the aggregates the comparison allows.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, undefer

from registry.models import (
    Institution,
    IssueStatus,
    Period,
    Programme,
    QualityIssue,
    Release,
    Return,
    ReturnVersion,
)
from registry.services import comparison as comparison_service
from registry.services.actors import Actor
from registry.services.cohort_tables import college_cohort_table
from registry.services.errors import NotFound
from registry.services.peer_groups import get_peer_group
from registry.services.releases import latest_published
from schemas.indicators import BY_CODE, HEADLINE

LIVE_ISSUES = (IssueStatus.OPEN, IssueStatus.EXPLAINED, IssueStatus.REFUSED)


def feedback_report(
    session: Session, actor: Actor, institution: Institution, period: Period | None,
    peer_group_id: int | None = None, now: datetime | None = None,
) -> dict:
    """Gather the report of a college for a period (NotFound when nothing is published)."""
    comparison_service.require_comparison_access(actor, institution)
    if period is None:
        raise NotFound("No reporting period has a published benchmark release yet, so there "
                       "is no feedback report to download.")
    release = latest_published(session, period)
    if release is None:
        raise NotFound(f"No benchmark release has been published for period {period.code} "
                       "yet, so there is no feedback report for it. Choose a period with a "
                       "published release.")
    data = comparison_service.comparison(session, actor, institution, period, peer_group_id)
    by_code = {row["indicator"]: row for row in data["indicators"]}
    return {
        "institution": institution, "period": period, "generated_at": now,
        "headline": [{**by_code[c], "definition": BY_CODE[c].definition}
                     for c in HEADLINE if c in by_code],
        "others": [row for row in data["indicators"] if row["indicator"] not in HEADLINE],
        "peer_group": _peer_definition(session, actor, institution, data, peer_group_id),
        "min_institutions": data["min_institutions"],
        "quality": return_quality(session, institution, period, _counted(session, release)),
        "provenance": provenance(session, release),
        "cohorts": college_cohort_table(session, actor, institution),
    }


def _peer_definition(session, actor, institution, data, group_id) -> dict:
    """Who the college is compared with, stated as a rule or as a list of members."""
    group = data["peer_group"]
    if group_id is None:
        return {"name": group["name"], "custom": False, "members": [],
                "rule": f"Every {institution.type} college of the {institution.sector} sector "
                        "on the register with a counted return in the period (all provinces), "
                        "other than this college."}
    members = sorted((m.institution for m in get_peer_group(session, actor, group_id).members),
                     key=lambda i: i.code)
    return {"name": group["name"], "custom": True,
            "members": [{"code": i.code, "name": i.name} for i in members],
            "rule": f"A custom peer group of {len(members)} colleges chosen by "
                    "a university or the regulator."}


def _counted(session: Session, release: Release) -> set[int]:
    ids = session.scalar(select(Release.provenance).where(Release.id == release.id))
    return set((ids or {}).get("return_version_ids", []))


def return_quality(session: Session, institution: Institution, period: Period,
                   counted_versions: set[int]) -> list[dict]:
    """Per return of the college in the period: status, live quality issues, counted or not."""
    returns = session.scalars(
        select(Return).options(joinedload(Return.programme))
        .join(Programme, Programme.id == Return.programme_id)
        .where(Return.institution_id == institution.id, Return.period_id == period.id)
        .order_by(Programme.code)).all()
    if not returns:
        return []
    counted = set(session.scalars(select(ReturnVersion.return_id).where(
        ReturnVersion.return_id.in_([r.id for r in returns]),
        ReturnVersion.id.in_(counted_versions)))) if counted_versions else set()
    issues = _issue_counts(session, [r.id for r in returns])
    return [{"programme": r.programme.code, "name": r.programme.name, "status": r.status,
             "version": r.latest_version,
             "errors": issues[(r.id, "error")], "warnings": issues[(r.id, "warning")],
             "counted": r.id in counted} for r in returns]


def _issue_counts(session: Session, return_ids: list[int]) -> Counter:
    """Live (not resolved, not accepted) issues on each return's latest version, by severity."""
    rows = session.execute(
        select(QualityIssue.return_id, QualityIssue.severity, func.count())
        .join(ReturnVersion, ReturnVersion.id == QualityIssue.return_version_id)
        .join(Return, Return.id == QualityIssue.return_id)
        .where(QualityIssue.return_id.in_(return_ids),
               ReturnVersion.version == Return.latest_version,
               QualityIssue.status.in_(LIVE_ISSUES))
        .group_by(QualityIssue.return_id, QualityIssue.severity)).all()
    return Counter({(rid, severity): n for rid, severity, n in rows})


def provenance(session: Session, release: Release) -> dict:
    """The release's identity, checksums, versions and method notes."""
    full = session.scalar(select(Release).options(undefer(Release.method_notes),
                                                  joinedload(Release.publication))
                          .where(Release.id == release.id))
    return {"number": full.number, "kind": full.kind, "built_at": full.built_at,
            "published_at": full.publication.published_at if full.publication else None,
            "checksum_sha256": full.checksum_sha256, "json_sha256": full.json_sha256,
            "sdmx_sha256": full.sdmx_sha256, "method_version": full.method_version,
            "catalogue_version": full.catalogue_version, "suite_version": full.suite_version,
            "acceptance_level": full.acceptance_level,
            "min_institutions": full.min_institutions, "min_people": full.min_people,
            "method_notes": [line for line in full.method_notes.splitlines() if line.strip()]}


def render_pdf(html: str) -> bytes:
    """Turn the report's self-contained HTML (inline CSS and SVG) into PDF bytes."""
    import weasyprint  # ~1 s to import: only when a report is asked for
    from weasyprint.urls import URLFetcher

    # The report is self-contained: fetch nothing, so no text in it can reach a file or host.
    offline = URLFetcher(allowed_protocols=("data",))
    # PDF/UA: a tagged PDF (headings, tables, figures, language) that screen readers can follow.
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=offline).write_pdf(
        pdf_variant="pdf/ua-1")
