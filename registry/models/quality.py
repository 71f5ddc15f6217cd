"""Quality issues found on return versions, and explanations accepted for later periods."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.reporting import Programme
from registry.models.returns import Return, ReturnVersion


class IssueStatus(StrEnum):
    OPEN = "open"
    EXPLAINED = "explained"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    RESOLVED = "resolved"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class QualityIssue(Base):
    """One rule firing on one field of one return version; re-runs update it in place."""

    __tablename__ = "quality_issues"
    __table_args__ = (UniqueConstraint("return_version_id", "rule_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_version_id: Mapped[int] = mapped_column(ForeignKey("return_versions.id"))
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(8))
    field: Mapped[str] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(String(300))
    expected: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=IssueStatus.OPEN, index=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_by: Mapped[str | None] = mapped_column(String(300))
    explained_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    explained_at: Mapped[datetime | None]
    reused_explanation_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_explanations.id"))
    decided_by: Mapped[str | None] = mapped_column(String(300))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)

    version: Mapped[ReturnVersion] = relationship()
    return_: Mapped[Return] = relationship()


class AcceptedExplanation(Base):
    """The latest explanation a reviewer accepted for a rule on a programme, offered again later."""

    __tablename__ = "quality_explanations"
    __table_args__ = (UniqueConstraint("programme_id", "rule_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    rule_id: Mapped[str] = mapped_column(String(8))
    field: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    period_code: Mapped[str] = mapped_column(String(16))
    source_version_id: Mapped[int] = mapped_column(ForeignKey("return_versions.id"))
    explained_by: Mapped[str] = mapped_column(String(300))
    accepted_by: Mapped[str] = mapped_column(String(300))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[Programme] = relationship()
