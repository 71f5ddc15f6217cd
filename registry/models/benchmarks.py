"""Immutable benchmark releases, their cells, and peer groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.register import Institution, University
from registry.models.reporting import Period


class ReleaseImmutable(RuntimeError):
    """Raised when code tries to change a stored release or one of its rows."""


class Release(Base):
    """A numbered, immutable benchmark release for one period, with its exports."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    revises_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    acceptance_level: Mapped[str] = mapped_column(String(16))
    min_institutions: Mapped[int]
    min_people: Mapped[int]
    method_version: Mapped[str] = mapped_column(String(16))
    catalogue_version: Mapped[str] = mapped_column(String(16))
    suite_version: Mapped[str] = mapped_column(String(64))
    pipeline_run_id: Mapped[str] = mapped_column(String(250), unique=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    built_by: Mapped[str] = mapped_column(String(300))
    checksum_sha256: Mapped[str] = mapped_column(String(64))
    json_sha256: Mapped[str] = mapped_column(String(64))
    sdmx_sha256: Mapped[str] = mapped_column(String(64))
    # The exports and provenance are large: loaded only when asked for.
    export_csv: Mapped[str] = mapped_column(Text, deferred=True)
    export_json: Mapped[str] = mapped_column(Text, deferred=True)
    export_sdmx_csv: Mapped[str] = mapped_column(Text, deferred=True)
    method_notes: Mapped[str] = mapped_column(Text, deferred=True)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)

    period: Mapped[Period] = relationship()
    publication: Mapped[ReleasePublication | None] = relationship(
        back_populates="release", uselist=False)


class ReleasePublication(Base):
    """The regulator's act of publishing a release; the release itself never changes."""

    __tablename__ = "release_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), unique=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(300))

    release: Mapped[Release] = relationship(back_populates="publication")


class BenchmarkCell(Base):
    """One indicator × stratum of a release: its distribution, pooled rate and suppression."""

    __tablename__ = "benchmark_cells"
    __table_args__ = (UniqueConstraint("release_id", "indicator", "stratum"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    stratum: Mapped[str] = mapped_column(String(80))
    institutions: Mapped[int | None]
    returns: Mapped[int | None]
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    pooled_rate: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    mean: Mapped[float | None] = mapped_column(Float)
    p10: Mapped[float | None] = mapped_column(Float)
    p25: Mapped[float | None] = mapped_column(Float)
    median: Mapped[float | None] = mapped_column(Float)
    p75: Mapped[float | None] = mapped_column(Float)
    p90: Mapped[float | None] = mapped_column(Float)
    suppression: Mapped[str] = mapped_column(String(12))
    rate_withheld: Mapped[str | None] = mapped_column(String(40))
    revised: Mapped[bool] = mapped_column(default=False)


class InstitutionFigures(Base):
    """One institution's figures for every indicator in a release, as one JSON document.

    The document's layout, and the `InstitutionResult` rows read from it, are in
    registry/indicators/figures.py.
    """

    __tablename__ = "institution_figures"

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"),
                                                primary_key=True, index=True)
    figures: Mapped[str] = mapped_column(Text)


class FeedbackReport(Base):
    """A college's Data Feedback Report for a release, rendered once by the benchmarks pipeline.

    Downloading it is reading these bytes; the checksum lets a college check what it got.
    """

    __tablename__ = "feedback_reports"

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"),
                                                primary_key=True, index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    checksum_sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)
    rendered_by: Mapped[str] = mapped_column(String(300))


class StoredChart(Base):
    """A chart's SVG, drawn by the benchmarks pipeline when releases are published, so a
    page's first request reads it instead of drawing it.

    The key is a digest of what the chart draws, its language and its renderer
    (registry/services/releases/charts.py), so a stored chart is never stale: new figures
    have a new key.
    """

    __tablename__ = "stored_charts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(16))
    svg: Mapped[str] = mapped_column(Text)
    rendered_at: Mapped[datetime] = mapped_column(default=utcnow)
    rendered_by: Mapped[str] = mapped_column(String(300))


class PeerGroup(Base):
    """A comparison group a university or the regulator defines (five members or more)."""

    __tablename__ = "peer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    owner_university_id: Mapped[int | None] = mapped_column(
        ForeignKey("universities.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_university: Mapped[University | None] = relationship()
    members: Mapped[list[PeerGroupMember]] = relationship(
        back_populates="group", order_by="PeerGroupMember.institution_id")


class PeerGroupMember(Base):
    __tablename__ = "peer_group_members"
    __table_args__ = (UniqueConstraint("peer_group_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))

    group: Mapped[PeerGroup] = relationship(back_populates="members")
    institution: Mapped[Institution] = relationship()


def _refuse_change(_mapper, _connection, target) -> None:
    raise ReleaseImmutable(f"{type(target).__name__} rows are immutable once stored.")


for _model in (Release, ReleasePublication, BenchmarkCell, InstitutionFigures, FeedbackReport):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
