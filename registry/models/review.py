"""Review decisions on return versions, the messages the registry sends, and who read them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.returns import ReturnVersion


class ReviewDecision(Base):
    """One accountable decision on one version; decisions are added, never changed."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_version_id: Mapped[int] = mapped_column(ForeignKey("return_versions.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(300))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_before: Mapped[str] = mapped_column(String(24))
    status_after: Mapped[str] = mapped_column(String(24))

    version: Mapped[ReturnVersion] = relationship()


class Message(Base):
    """A reminder, notice or summary, or a message on a return's thread (`return_id` set).

    Its event key makes sending it twice impossible.
    """

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    recipients: Mapped[str] = mapped_column(Text)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    university_id: Mapped[int | None] = mapped_column(ForeignKey("universities.id"), index=True)
    for_regulator: Mapped[bool] = mapped_column(default=False)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    emailed_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(String(500))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"), index=True)
    author: Mapped[str | None] = mapped_column(String(300))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ThreadRead(Base):
    """How far one user has read one return's thread (the last message id seen)."""

    __tablename__ = "thread_reads"
    __table_args__ = (UniqueConstraint("user_id", "return_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
