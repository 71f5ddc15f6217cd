"""Publishing releases as a statistical office: calendar, preview for colleges, queries on
figures, revision notes, and confirmed publication.

A release is built as a draft only the regulator sees. The regulator may open a preview:
until it ends, each college with figures in the release sees its own figures and its
Feedback Report (never anyone else's, never the national tables) and may raise a query on
a figure, written on the return's thread. Publishing is confirmed with the revision
summary in view and, when the release follows an earlier one of the period, the
regulator's reason for the changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from registry.db import utcnow
from registry.indicators.build import figures_differ
from registry.indicators.cells import CELL_FIELDS
from registry.models import (
    BenchmarkCell,
    InstitutionFigures,
    Period,
    Release,
    ReleasePreview,
    ReleasePublication,
    ReleaseQuery,
    Return,
    ReturnVersion,
    RevisionNote,
    Role,
    ScheduledPublication,
    ScheduledRelease,
)
from registry.services.accounts.access import require_role
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import Conflict, NotFound, ValidationFailed
from registry.services.releases.releases import KINDS, get_release, publish_release
from registry.services.review.threads import MAX_BODY, add_to_thread
from registry.services.submission.returns import get_return
from schemas.indicators import BY_CODE

MAX_REASON = 2000
LARGEST_CHANGES = 5
QUERY_KIND = "figure_query"


@dataclass(frozen=True)
class PublicationSettings:
    """How long colleges preview a release; read from the app config."""

    preview_working_days: int = 5

    @classmethod
    def from_config(cls, config: Mapping) -> PublicationSettings:
        return cls(int(config.get("PREVIEW_WORKING_DAYS", cls.preview_working_days)))


# --- the calendar ------------------------------------------------------------------------

def schedule_release(session: Session, actor: Actor, period: Period, kind: str,
                     release_on: date | None, reason: str | None = None) -> ScheduledRelease:
    """Announce (or move, with a reason) the date of a period's provisional or final release."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    if kind not in KINDS:
        raise ValidationFailed(f"Unknown release kind {kind!r}.", {"kind": list(KINDS)})
    if release_on is None:
        raise ValidationFailed("Give the release date.", {"release_on": ["required"]})
    text = (reason or "").strip()
    current = _current_entry(session, period.id, kind)
    if current is not None:
        if current.release_on == release_on:
            raise Conflict(f"The {kind} release of {period.code} is already scheduled for "
                           f"{release_on.isoformat()}.")
        if not text:
            raise ValidationFailed("Say why the release date moves.",
                                   {"reason": ["required when a date moves"]})
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"Keep the reason under {MAX_REASON} characters.",
                               {"reason": [f"at most {MAX_REASON} characters"]})
    entry = ScheduledRelease(period_id=period.id, kind=kind, release_on=release_on,
                             reason=text or None, set_by=actor.label)
    session.add(entry)
    session.flush()
    record_event(session, actor, "release.schedule", "release_schedule", entry.id,
                 before=current.release_on.isoformat() if current else None,
                 after=f"{kind} {period.code} on {release_on.isoformat()}",
                 detail={"period": period.code, "kind": kind, "reason": text or None})
    return entry


def _current_entry(session: Session, period_id: int, kind: str) -> ScheduledRelease | None:
    return session.scalar(select(ScheduledRelease).where(
        ScheduledRelease.period_id == period_id, ScheduledRelease.kind == kind)
        .order_by(ScheduledRelease.id.desc()).limit(1))


@dataclass(frozen=True)
class CalendarEntry:
    """One release of the calendar: announced, built or published."""

    period: Period
    kind: str
    release_on: date
    status: str  # scheduled, published
    release_number: int | None
    release_id: int | None
    published_at: datetime | None
    history: list[ScheduledRelease]  # every announced date, oldest first

    def as_dict(self) -> dict:
        """The entry as the API lists it (without who announced it)."""
        return {
            "period": self.period.code, "kind": self.kind, "release_on": self.release_on,
            "status": self.status, "release": self.release_number,
            "published_at": self.published_at,
            "history": [{"release_on": e.release_on, "reason": e.reason,
                         "announced_at": e.set_at} for e in self.history],
        }


def calendar(session: Session) -> list[CalendarEntry]:
    """Past and coming releases by date: each announced one, and published ones never
    announced (dated by their publication); no figure of an unpublished release."""
    announced: dict[tuple[int, str], list[ScheduledRelease]] = {}
    for entry in session.scalars(select(ScheduledRelease).options(
            joinedload(ScheduledRelease.period)).order_by(ScheduledRelease.id)):
        announced.setdefault((entry.period_id, entry.kind), []).append(entry)
    published = {(r.period_id, r.kind): r for r in session.scalars(
        select(Release).join(ReleasePublication, ReleasePublication.release_id == Release.id)
        .options(joinedload(Release.period), joinedload(Release.publication))
        .order_by(Release.number))}
    entries = []
    for key in announced.keys() | published.keys():
        history, release = announced.get(key, []), published.get(key)
        when = history[-1].release_on if history else release.publication.published_at.date()
        entries.append(CalendarEntry(
            period=history[-1].period if history else release.period, kind=key[1],
            release_on=when, status="published" if release else "scheduled",
            release_number=release.number if release else None,
            release_id=release.id if release else None,
            published_at=release.publication.published_at if release else None,
            history=history))
    return sorted(entries, key=lambda e: (e.release_on, e.period.code, KINDS.index(e.kind)))


def to_ical(entries: list[CalendarEntry], base_url: str, stamp: datetime) -> str:
    """The calendar as iCalendar (RFC 5545): one all-day event per release."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mentoring Registry//Releases//EN",
             "CALSCALE:GREGORIAN", "X-WR-CALNAME:Mentoring Registry releases"]
    for entry in entries:
        summary = f"{entry.kind.capitalize()} benchmark release, period {entry.period.code}"
        moved = [e.reason for e in entry.history[1:] if e.reason]
        description = (f"Status: {entry.status}." + (f" Moved: {'; '.join(moved)}" if moved
                                                       else ""))
        lines += ["BEGIN:VEVENT",
                  f"UID:release-{entry.period.code}-{entry.kind}@mentoring-registry",
                  f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
                  f"DTSTART;VALUE=DATE:{entry.release_on.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(entry.release_on + timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{_ical_text(summary)}", f"DESCRIPTION:{_ical_text(description)}",
                  f"URL:{base_url}/releases/calendar", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ical_text(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, as RFC 5545 asks."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


# --- preview -------------------------------------------------------------------------------

def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day."""
    moment, left = start, days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def open_preview(session: Session, actor: Actor, release: Release, settings: PublicationSettings,
                 now: datetime | None = None) -> ReleasePreview:
    """Open a built, unpublished release to the colleges for the preview window."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    if release.publication is not None:
        raise Conflict(f"Release {release.number} is already published.")
    if preview_of(session, release) is not None:
        raise Conflict(f"Release {release.number} is already open for preview.")
    now = now or utcnow()
    preview = ReleasePreview(release_id=release.id, opened_at=now, opened_by=actor.label,
                             ends_at=add_working_days(now, settings.preview_working_days))
    session.add(preview)
    session.flush()
    record_event(session, actor, "release.preview", "release", release.number,
                 after=f"preview until {preview.ends_at.isoformat()}")
    return preview


def preview_of(session: Session, release: Release) -> ReleasePreview | None:
    return session.scalar(select(ReleasePreview).where(ReleasePreview.release_id == release.id))


def previews_for(session: Session, actor: Actor, now: datetime | None = None) -> list[Release]:
    """The unpublished releases a college may preview now (its figures are in them)."""
    if actor.role != Role.COLLEGE or actor.institution_id is None:
        return []
    now = now or utcnow()
    return list(session.scalars(
        select(Release).join(ReleasePreview, ReleasePreview.release_id == Release.id)
        .join(InstitutionFigures, InstitutionFigures.release_id == Release.id)
        .outerjoin(ReleasePublication, ReleasePublication.release_id == Release.id)
        .where(ReleasePublication.id.is_(None), ReleasePreview.opened_at <= now,
               ReleasePreview.ends_at > now,
               InstitutionFigures.institution_id == actor.institution_id)
        .options(joinedload(Release.period)).order_by(Release.number)))


def previewed_release(session: Session, actor: Actor, release_id: int,
                      now: datetime | None = None) -> Release:
    """A release the college may preview now; NotFound for anything else, as if absent."""
    found = next((r for r in previews_for(session, actor, now) if r.id == release_id), None)
    if found is None:
        raise NotFound(f"No release {release_id} to preview.")
    return found


def raise_query(session: Session, actor: Actor, release_id: int, indicator: str | None,
                return_id: int | None, body: str | None,
                now: datetime | None = None) -> ReleaseQuery:
    """A college's query on one of its figures in a previewed release, on the return's thread."""
    release = previewed_release(session, actor, release_id, now)
    if indicator not in BY_CODE:
        raise ValidationFailed("Choose the figure you are asking about.",
                               {"indicator": ["unknown indicator"]})
    text = (body or "").strip()
    if not text or len(text) > MAX_BODY:
        raise ValidationFailed(f"Write a query of 1 to {MAX_BODY} characters.",
                               {"body": [f"1 to {MAX_BODY} characters"]})
    return_ = get_return(session, actor, return_id or 0)
    if return_.period_id != release.period_id:
        raise ValidationFailed("Choose a return of the release's period.",
                               {"return": ["not in the release's period"]})
    message = add_to_thread(session, actor, return_, QUERY_KIND,
                            f"Query on release {release.number} (preview), "
                            f"{BY_CODE[indicator].name}: {text}")
    query = ReleaseQuery(release_id=release.id, institution_id=return_.institution_id,
                         indicator=indicator, message_id=message.id, raised_at=message.created_at)
    session.add(query)
    session.flush()
    record_event(session, actor, "release.query", "release_query", query.id,
                 detail={"release": release.number, "indicator": indicator,
                         "return_id": return_.id, "message_id": message.id})
    return query


def returns_to_query(session: Session, actor: Actor, release: Release) -> list[Return]:
    """The college's returns of the release's period, which a query may concern."""
    return list(session.scalars(select(Return).options(joinedload(Return.programme)).where(
        Return.institution_id == actor.institution_id, Return.period_id == release.period_id)
        .order_by(Return.id)))


def queries_of(session: Session, release: Release, institution_id: int | None = None
               ) -> list[ReleaseQuery]:
    """The queries raised on a release (one college's only, when given), oldest first."""
    query = (select(ReleaseQuery).where(ReleaseQuery.release_id == release.id)
             .options(joinedload(ReleaseQuery.message), joinedload(ReleaseQuery.institution))
             .order_by(ReleaseQuery.id))
    if institution_id is not None:
        query = query.where(ReleaseQuery.institution_id == institution_id)
    return list(session.scalars(query))


# --- revision notes --------------------------------------------------------------------------

def previous_release(session: Session, release: Release) -> Release | None:
    """The release of the same period built just before this one, if any."""
    return session.scalar(select(Release).where(
        Release.period_id == release.period_id, Release.number < release.number)
        .order_by(Release.number.desc()).limit(1))


def revision_summary(session: Session, release: Release) -> dict | None:
    """What changed since the period's previous release, computed from the stored data,
    with the regulator's reason once given; None for a period's first release."""
    previous = previous_release(session, release)
    if previous is None:
        return None
    now_cells, then_cells = _cells(session, release), _cells(session, previous)
    changed = [key for key, cell in now_cells.items()
               if key not in then_cells or figures_differ(cell, then_cells[key])]
    note = session.scalar(select(RevisionNote).where(RevisionNote.release_id == release.id))
    return {
        "previous": {"id": previous.id, "number": previous.number, "kind": previous.kind},
        "returns": _return_changes(session, release, previous),
        "cells": {"total": len(now_cells), "changed": len(changed),
                  "added": len(now_cells.keys() - then_cells.keys()),
                  "removed": len(then_cells.keys() - now_cells.keys())},
        "largest_national_changes": _largest_changes(now_cells, then_cells),
        "suppression": _suppression_changes(now_cells, then_cells),
        "reason": note.reason if note else None,
    }


def _cells(session: Session, release: Release) -> dict[tuple[str, str], dict]:
    rows = session.execute(select(*(getattr(BenchmarkCell, n) for n in CELL_FIELDS))
                           .where(BenchmarkCell.release_id == release.id)).mappings()
    return {(row["indicator"], row["stratum"]): dict(row) for row in rows}


def _return_changes(session: Session, release: Release, previous: Release) -> dict:
    """Returns counted now and not before (added), or counted in a newer version (revised)."""
    def versions(r: Release) -> dict[int, int]:
        ids = (session.scalar(select(Release.provenance).where(Release.id == r.id)) or {}).get(
            "return_version_ids", [])
        if not ids:
            return {}
        return dict(session.execute(select(ReturnVersion.return_id, ReturnVersion.version)
                                    .where(ReturnVersion.id.in_(ids))).all())
    now, then = versions(release), versions(previous)
    return {"added": len(now.keys() - then.keys()), "dropped": len(then.keys() - now.keys()),
            "revised": sum(1 for rid, v in now.items() if rid in then and then[rid] != v)}


def _largest_changes(now: dict, then: dict) -> list[dict]:
    """The national pooled rates that moved most, largest first."""
    moves = []
    for (indicator, stratum), cell in now.items():
        old = then.get((indicator, stratum))
        if stratum != "national" or old is None or indicator not in BY_CODE:
            continue
        if cell["pooled_rate"] is None or old["pooled_rate"] is None:
            continue
        change = cell["pooled_rate"] - old["pooled_rate"]
        if change:
            moves.append({"indicator": indicator, "name": BY_CODE[indicator].name,
                          "before": old["pooled_rate"], "after": cell["pooled_rate"],
                          "change": change})
    return sorted(moves, key=lambda m: -abs(m["change"]))[:LARGEST_CHANGES]


def _suppression_changes(now: dict, then: dict) -> dict:
    shared = now.keys() & then.keys()
    return {"newly_suppressed": sum(1 for k in shared if then[k]["suppression"] == "none"
                                    and now[k]["suppression"] != "none"),
            "newly_published": sum(1 for k in shared if then[k]["suppression"] != "none"
                                   and now[k]["suppression"] == "none")}


# --- confirmed publication -------------------------------------------------------------------

def confirm_publication(session: Session, actor: Actor, release: Release, reason: str | None,
                        now: datetime | None = None) -> ReleasePublication:
    """Publish after confirmation; a release following an earlier one needs the reason for
    its changes, kept as its revision note."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    _refuse_published(release)
    return _publish(session, actor, release, _revision_reason(session, release, reason), now)


def schedule_publication(session: Session, actor: Actor, release: Release,
                         reason: str | None) -> ScheduledPublication:
    """Confirm now that the release is published when its preview ends (by the pipeline)."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    _refuse_published(release)
    preview = preview_of(session, release)
    if preview is None:
        raise Conflict(f"Open the preview of release {release.number} first; it is "
                       "published when the preview ends.")
    if scheduled_publication(session, release) is not None:
        raise Conflict(f"Release {release.number} is already set to be published at "
                       f"{preview.ends_at.isoformat()}.")
    text = _revision_reason(session, release, reason)
    row = ScheduledPublication(release_id=release.id, publish_at=preview.ends_at,
                               reason=text, confirmed_by=actor.label)
    session.add(row)
    session.flush()
    record_event(session, actor, "release.schedule_publication", "release", release.number,
                 after=f"publish at {row.publish_at.isoformat()}",
                 detail={"revision_note": text} if text else None)
    return row


def scheduled_publication(session: Session, release: Release) -> ScheduledPublication | None:
    return session.scalar(select(ScheduledPublication).where(
        ScheduledPublication.release_id == release.id))


def publish_due(session: Session, actor: Actor, now: datetime | None = None) -> list[Release]:
    """Publish every release whose confirmed publication time has come (the pipeline's task)."""
    now = now or utcnow()
    due = session.scalars(
        select(ScheduledPublication)
        .outerjoin(ReleasePublication,
                   ReleasePublication.release_id == ScheduledPublication.release_id)
        .where(ReleasePublication.id.is_(None), ScheduledPublication.publish_at <= now)
        .order_by(ScheduledPublication.publish_at, ScheduledPublication.id)).all()
    for row in due:
        _publish(session, actor, row.release, row.reason, now)
    return [row.release for row in due]


def _refuse_published(release: Release) -> None:
    if release.publication is not None:
        raise Conflict(f"Release {release.number} is already published.")


def _revision_reason(session: Session, release: Release, reason: str | None) -> str | None:
    """The regulator's reason, required when the release follows an earlier one."""
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"Keep the reason under {MAX_REASON} characters.",
                               {"reason": [f"at most {MAX_REASON} characters"]})
    if previous_release(session, release) is not None and not text:
        raise ValidationFailed(
            "Say why the figures changed since the previous release of the period.",
            {"reason": ["required for a release that revises an earlier one"]})
    return text or None


def _publish(session: Session, actor: Actor, release: Release, reason: str | None,
             now: datetime | None) -> ReleasePublication:
    if reason:
        session.add(RevisionNote(release_id=release.id, reason=reason, written_by=actor.label))
    return publish_release(session, actor, release, now, revision_note=reason)


def period_is_open(period: Period, now: datetime | None = None) -> bool:
    """Whether returns may still come in for the period (a release would soon be stale)."""
    return period.closes_at > (now or utcnow())


def release_for_regulator(session: Session, actor: Actor, release_id: int) -> Release:
    """A release as the regulator inspects it before publication."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    return get_release(session, actor, release_id)
