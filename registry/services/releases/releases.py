"""Benchmark releases: build (provisional, then final), publish, list, read and export.

A build reads everything first (the counted returns, the register, the period's earlier
releases and the provisional release it revises), computes the release from that plain
data in one pure step (`registry.indicators.build.build_content`: no database, no clock),
then stores it. The release is built entirely in memory and added in one go, so a failed or
interrupted build leaves every earlier release as it was; stored releases are never changed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from registry.config import ReleaseSettings
from registry.db import begin_writing, utcnow
from registry.indicators import exports, method
from registry.indicators.aggregates import InstitutionInfo
from registry.indicators.build import build_content
from registry.indicators.cells import CELL_FIELDS
from registry.indicators.compute import METHOD_VERSION, ReleaseContent
from registry.indicators.disclosure_audit import AuditedRelease, audit_releases
from registry.indicators.figures import encode_table
from registry.indicators.revisions import ReleaseView, release_view
from registry.models import (
    ACCEPTANCE_LEVELS,
    BenchmarkCell,
    InstitutionFigures,
    Period,
    Release,
    ReleasePublication,
    ReturnVersion,
    Role,
)
from registry.services.accounts.access import require_role
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import Conflict, NotFound, ValidationFailed
from registry.services.releases.indicators import (
    check_acceptance_level,
    institution_info,
    release_inputs,
    suite_version,
)
from registry.services.releases.institution_figures import release_rows
from schemas.indicators import CATALOGUE_VERSION

KINDS = ("provisional", "final")


def method_notes(settings: ReleaseSettings) -> dict:
    """How the figures are made under these settings (`method.method_notes`): published
    inside the JSON export and with every release, and on the indicators page."""
    return method.method_notes(settings, ACCEPTANCE_LEVELS, suite_version())


def build_release(
    session: Session, actor: Actor, period: Period, settings: ReleaseSettings, *,
    run_id: str, kind: str | None = None, now: datetime | None = None,
) -> Release:
    """Build the period's next release (provisional, or final after the window) and add it."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    existing = release_of_run(session, run_id)
    if existing is not None:
        return existing
    check_acceptance_level(settings.acceptance_level)
    now = now or utcnow()
    kind, provisional = _next_kind(session, period, settings, kind, now)
    seen = _release_ids(session, period)
    with collector_paused():
        # read everything the release is made of
        inputs, selection = release_inputs(session, period, settings.acceptance_level)
        earlier = earlier_views(session, period, inputs.institutions)
        previous = _cells_of(session, provisional)
        standard_versions = standard_versions_of(
            session, sorted(unit.version_id for unit in inputs.returns))
        # compute it from that plain data alone
        built = build_content(inputs, settings, earlier, previous, final=kind == "final")
        # then store it
        content = built.content
        build = Build(kind, run_id, now, provisional, selection.excluded,
                      selection.pending_newer, built.suppressed_across_releases,
                      built.suppression, standard_versions)
        begin_writing(session)  # a caller that began reading held no write lock until here
        existing = release_of_run(session, run_id)
        if existing is not None:
            return existing
        if _release_ids(session, period) != seen:
            raise Conflict(f"Another release of period {period.code} was stored while this "
                           "one was built; build it again.")
        try:
            with session.begin_nested():
                return store_release(session, actor, period, settings, content, build)
        except IntegrityError:
            # the same run, asked twice at once (a double click): the other one stored it
            existing = release_of_run(session, run_id)
            if existing is None:
                raise
            return existing


def period_run_id(run_id: str, period_code: str) -> str:
    """The id a pipeline run's release of one period is stored under (a run may build
    several periods; each release is keyed by the run and its period)."""
    return f"{run_id}:{period_code}"


def release_of_run(session: Session, run_id: str) -> Release | None:
    """The release a pipeline run built, if it has (a run builds each period's once)."""
    return session.scalar(select(Release).where(Release.pipeline_run_id == run_id))


def _release_ids(session: Session, period: Period) -> list[int]:
    return list(session.scalars(select(Release.id).where(Release.period_id == period.id)
                                .order_by(Release.id)))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a release is built.

    Reading tens of thousands of payloads creates millions of containers that live until
    the release is stored; the collector would walk them again and again (a third of the
    build at 18,500 institutions). Whatever cycles the build leaves are collected as usual
    once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def earlier_views(session: Session, period: Period,
                  institutions: Sequence[InstitutionInfo]) -> list[ReleaseView]:
    """Every release already built for the period, as the differencing check and the
    interval check read it."""
    views = []
    for release_id in session.scalars(select(Release.id).where(Release.period_id == period.id)
                                      .order_by(Release.number)):
        cells = session.execute(select(*(getattr(BenchmarkCell, name) for name in CELL_FIELDS))
                                .where(BenchmarkCell.release_id == release_id)).mappings()
        views.append(release_view(list(cells), release_rows(session, release_id),
                                  institutions))
    return views


def disclosure_audit(session: Session, actor: Actor, period: Period, *,
                     joint: bool = True) -> list[dict]:
    """The attacker's audit of every release of the period, together (regulator): one row
    per release (`disclosure_audit.audit_releases`), under the newest release's thresholds."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    releases = list(session.scalars(select(Release).where(Release.period_id == period.id)
                                    .order_by(Release.number)))
    if not releases:
        return []
    views = earlier_views(session, period, institution_info(session))
    audited = [AuditedRelease(f"{r.number} {r.kind} {period.code}"
                              f"{'' if r.publication else ' (unpublished)'}",
                              list(view.cells.values()), view.truth)
               for r, view in zip(releases, views, strict=True)]
    return audit_releases(audited, releases[-1].min_institutions, releases[-1].min_people,
                          joint=joint)


def _next_kind(session, period, settings, kind, now) -> tuple[str, Release | None]:
    """Provisional first; final once the revision window after the first provisional ends."""
    if kind not in (None, *KINDS):
        raise ValidationFailed(f"Unknown release kind {kind!r}.", {"kind": list(KINDS)})
    releases = list(session.scalars(select(Release).where(Release.period_id == period.id)
                                    .order_by(Release.number)))
    if any(r.kind == "final" for r in releases):
        raise Conflict(f"Period {period.code} already has a final release; it is not rebuilt.")
    provisional = [r for r in releases if r.kind == "provisional"]
    if not provisional:
        if kind == "final":
            raise Conflict("A final release needs a provisional release first.")
        return "provisional", None
    opens = provisional[0].built_at + timedelta(days=settings.revision_window_days)
    if kind == "final" and now < opens:
        raise Conflict(f"The revision window runs until {opens.isoformat()}; the final "
                       "release can be built after it.")
    return ("final" if now >= opens and kind != "provisional" else "provisional"), provisional[-1]


def _cells_of(session: Session, release: Release | None) -> list[dict]:
    if release is None:
        return []
    rows = session.scalars(select(BenchmarkCell).where(BenchmarkCell.release_id == release.id))
    return [{name: getattr(row, name) for name in CELL_FIELDS} for row in rows]


def render_exports(period: Period, content: ReleaseContent, notes: dict) -> dict[str, str]:
    """The three canonical exports of the content."""
    return {
        "csv": exports.to_csv(period.code, content.cells),
        "json": exports.to_json(period.code, content.cells, notes),
        "sdmx": exports.to_sdmx_csv(exports.time_period(period.starts_on, period.ends_on),
                                    content.cells),
    }


@dataclass(frozen=True)
class Build:
    """How a release came about: its kind, run, time, what it revises and what it left out."""

    kind: str
    run_id: str
    now: datetime
    revises: Release | None = None
    excluded: list = field(default_factory=list)
    pending_newer: list = field(default_factory=list)
    suppressed_across_releases: int = 0
    suppression: dict = field(default_factory=dict)  # counts, and what it hid since the last
    standard_versions: list[str] = field(default_factory=list)  # of the counted returns


def store_release(session: Session, actor: Actor, period: Period, settings: ReleaseSettings,
                  content: ReleaseContent, build: Build) -> Release:
    """Add a computed release, its cells and institution results in one go (no commit)."""
    notes = method_notes(settings)
    standard_versions = build.standard_versions
    notes["standard_versions"] = ("Return data standard versions of the counted returns: "
                                  f"{', '.join(standard_versions) or 'none'}.")
    rendered = render_exports(period, content, notes)
    number = (session.scalar(select(func.max(Release.number))) or 0) + 1
    release = Release(
        number=number, period_id=period.id, kind=build.kind,
        revises_id=build.revises.id if build.revises else None,
        acceptance_level=settings.acceptance_level, min_institutions=settings.min_institutions,
        min_people=settings.min_people, method_version=METHOD_VERSION,
        catalogue_version=CATALOGUE_VERSION, suite_version=notes["suite_version"],
        pipeline_run_id=build.run_id, built_at=build.now, built_by=actor.label,
        checksum_sha256=exports.sha256(rendered["csv"]),
        json_sha256=exports.sha256(rendered["json"]),
        sdmx_sha256=exports.sha256(rendered["sdmx"]),
        export_csv=rendered["csv"], export_json=rendered["json"],
        export_sdmx_csv=rendered["sdmx"], method_notes=method.notes_text(notes),
        provenance={"return_version_ids": content.return_version_ids,
                    "standard_versions": standard_versions,
                    "excluded": build.excluded,
                    "accepted_but_newer_version_pending": build.pending_newer,
                    "suppressed_against_earlier_releases": build.suppressed_across_releases,
                    "suppression": build.suppression},
    )
    session.add(release)
    session.flush()
    _add_rows(session, release, content)
    record_event(session, actor, "release.build", "release", release.number,
                 after=f"{release.kind} {period.code} ({release.checksum_sha256[:12]})",
                 detail={"period": period.code, "run_id": build.run_id,
                         "cells": len(content.cells),
                         "return_versions": len(content.return_version_ids),
                         "excluded": len(build.excluded)})
    return release


def standard_versions_of(session: Session, version_ids: list[int]) -> list[str]:
    """The return standard versions the given return versions follow, oldest first."""
    found: set[str] = set()
    for start in range(0, len(version_ids), _IDS_PER_QUERY):
        found.update(session.scalars(select(ReturnVersion.schema_version).where(
            ReturnVersion.id.in_(version_ids[start:start + _IDS_PER_QUERY])).distinct()))
    return sorted(found, key=lambda v: tuple(int(part) for part in v.split(".")))


_IDS_PER_QUERY = 5000  # well under every driver's limit of bound parameters


def release_standard_versions(session: Session, release: Release) -> list[str]:
    """The standard versions a release drew on (read back for releases built before
    provenance recorded them)."""
    recorded = release.provenance.get("standard_versions")
    if recorded is not None:
        return recorded
    return standard_versions_of(session, release.provenance.get("return_version_ids", []))


def _add_rows(session: Session, release: Release, content: ReleaseContent) -> None:
    """Insert the cells, then each institution's figures (COPY on PostgreSQL)."""
    connection = session.connection()
    if content.cells:
        connection.execute(insert(BenchmarkCell.__table__), [
            {**{name: cell[name] for name in CELL_FIELDS}, "revised": cell["revised"],
             "release_id": release.id} for cell in content.cells])
    _insert_rows(connection, InstitutionFigures.__tablename__,
                 ("release_id", "institution_id", "figures"),
                 ((release.id, institution_id, document.decode())
                  for institution_id, document in encode_table(content.institutions)))


def _insert_rows(connection: Connection, table: str, names: tuple[str, ...],
                 rows: Iterable[tuple]) -> None:
    """Insert rows of values already as the driver takes them."""
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {quote(table)} ({columns}) VALUES ({', '.join([marker] * len(names))})",
        list(rows))


def publish_release(session: Session, actor: Actor, release: Release,
                    now: datetime | None = None, *,
                    revision_note: str | None = None) -> ReleasePublication:
    """Make a release public (regulator); publishing twice is refused."""
    require_role(actor, Role.REGULATOR, Role.ADMIN)
    if release.publication is not None:
        raise Conflict(f"Release {release.number} is already published.")
    publication = ReleasePublication(release_id=release.id, published_by=actor.label,
                                     published_at=now or utcnow())
    session.add(publication)
    session.flush()
    session.refresh(release, ["publication"])
    record_event(session, actor, "release.publish", "release", release.number,
                 after=f"published {release.kind} {release.period.code}",
                 detail={"revision_note": revision_note} if revision_note else None)
    return publication


def releases_query(actor: Actor | None):
    """Releases newest first; the public sees published ones only."""
    query = (select(Release).options(joinedload(Release.period),
                                     joinedload(Release.publication))
             .order_by(Release.number.desc()))
    if actor is None or not actor.is_national:
        query = query.join(ReleasePublication, ReleasePublication.release_id == Release.id)
    return query


def get_release(session: Session, actor: Actor | None, release_id: int) -> Release:
    """One release, if the actor may see it (unpublished ones only nationally)."""
    release = session.get(Release, release_id)
    if release is None or (release.publication is None
                           and (actor is None or not actor.is_national)):
        raise NotFound(f"No release {release_id}.")
    return release


def latest_published(session: Session, period: Period) -> Release | None:
    """The newest published release of a period (final outranks provisional by number)."""
    return session.scalar(
        select(Release).join(ReleasePublication, ReleasePublication.release_id == Release.id)
        .where(Release.period_id == period.id).order_by(Release.number.desc()).limit(1))


def latest_published_by_period(session: Session) -> dict[int, Release]:
    """period id → its newest published release."""
    found: dict[int, Release] = {}
    for release in session.scalars(
            select(Release).join(ReleasePublication, ReleasePublication.release_id == Release.id)
            .options(joinedload(Release.period)).order_by(Release.number)):
        found[release.period_id] = release
    return found


def structure_document(release: Release) -> bytes:
    """The SDMX-ML 2.1 structure message describing the release's SDMX-CSV."""
    return exports.structure_xml(release.built_at.strftime("%Y-%m-%dT%H:%M:%S"))


def excluded_counts(release: Release) -> dict[str, int]:
    """How many returns were left out, by reason (safe to show publicly)."""
    counts: dict[str, int] = {}
    for row in release.provenance.get("excluded", []):
        counts[row["reason"]] = counts.get(row["reason"], 0) + 1
    return dict(sorted(counts.items()))
