"""Publishing a release as a statistical office does: its calendar, preview and queries.

The calendar is append-only: moving a date adds a row with the reason, so the history of
every announced date stays. A preview opens a built, unpublished release to each college
(its own figures only) until it ends; a query is a college's question on one of its
figures, written on the return's thread and listed with the release.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.benchmarks import Release
from registry.models.register import Institution
from registry.models.reporting import Period
from registry.models.review import Message


class ScheduledRelease(Base):
    """One announced date of a period's provisional or final release (latest row counts)."""

    __tablename__ = "release_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    release_on: Mapped[date]
    reason: Mapped[str | None] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    set_by: Mapped[str] = mapped_column(String(300))

    period: Mapped[Period] = relationship()


class ReleasePreview(Base):
    """A built release opened to the colleges before publication, until `ends_at`."""

    __tablename__ = "release_previews"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime]
    opened_by: Mapped[str] = mapped_column(String(300))

    release: Mapped[Release] = relationship()


class ReleaseQuery(Base):
    """A college's query on one of its figures in a previewed release."""

    __tablename__ = "release_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship()
    message: Mapped[Message] = relationship()


class RevisionNote(Base):
    """The regulator's reason for what a release changed, given when confirming publication."""

    __tablename__ = "release_revision_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    written_by: Mapped[str] = mapped_column(String(300))


class ScheduledPublication(Base):
    """The regulator's confirmation that a previewed release is published when its preview
    ends; the publication pipeline publishes it then."""

    __tablename__ = "release_scheduled_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), unique=True)
    publish_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by: Mapped[str] = mapped_column(String(300))

    release: Mapped[Release] = relationship()
