"""Returns and their append-only versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.register import Institution
from registry.models.reporting import Period, Programme


class ReturnStatus(StrEnum):
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    NEEDS_ATTENTION = "needs_attention"
    REJECTED = "rejected"
    APPROVED = "approved"
    RETURNED = "returned"
    SIGNED_OFF = "signed_off"


# The statuses a return reaches once accepted, in order: a higher one satisfies a release
# (or a compliance count) that asks for a lower one.
ACCEPTANCE_LEVELS = (ReturnStatus.VALIDATED.value, ReturnStatus.APPROVED.value,
                     ReturnStatus.SIGNED_OFF.value)


class Return(Base):
    """One institution × programme × period; its content lives in its versions."""

    __tablename__ = "returns"
    __table_args__ = (UniqueConstraint("institution_id", "programme_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    latest_version: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(24), default=ReturnStatus.SUBMITTED, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship()
    programme: Mapped[Programme] = relationship()
    period: Mapped[Period] = relationship()
    versions: Mapped[list[ReturnVersion]] = relationship(
        back_populates="return_", order_by="ReturnVersion.version"
    )


class ReturnVersion(Base):
    """An immutable version: the exact payload received, when, and from whom."""

    __tablename__ = "return_versions"
    __table_args__ = (UniqueConstraint("return_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    version: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    # The sending program's version when it names itself (the toolkit: Registry-Client).
    client_version: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    submitted_by: Mapped[str] = mapped_column(String(300))
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    status: Mapped[str] = mapped_column(String(24), default=ReturnStatus.SUBMITTED, index=True)

    return_: Mapped[Return] = relationship(back_populates="versions")


class IdempotencyRecord(Base):
    """Remembers which version a retried POST with the same Idempotency-Key created."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("institution_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    return_version_id: Mapped[int | None] = mapped_column(ForeignKey("return_versions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
