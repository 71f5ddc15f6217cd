"""Reporting periods, extensions, registered programmes and API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.register import Institution
from schemas.validation import SCHEMA_VERSION

DEFAULT_STANDARD_VERSIONS: tuple[str, ...] = (SCHEMA_VERSION,)


class Period(Base):
    """A reporting period: the months it covers and its submission window."""

    __tablename__ = "periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    due_at: Mapped[datetime]
    # The return standard versions the period accepts (e.g. ["1.0", "1.1"]), oldest first.
    standard_versions: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_STANDARD_VERSIONS),
        server_default=text("'[\"1.0\"]'"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    extensions: Mapped[list[Extension]] = relationship(back_populates="period")


class Extension(Base):
    """The regulator's permission for one institution to submit after the window closes."""

    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("period_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500))
    granted_by: Mapped[str] = mapped_column(String(300))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    period: Mapped[Period] = relationship(back_populates="extensions")
    institution: Mapped[Institution] = relationship()


class Programme(Base):
    """A mentoring programme a college registers once; returns refer to its code."""

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), index=True)
    model: Mapped[str] = mapped_column(String(32))
    disciplines: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None]
    components: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    components_period: Mapped[str | None] = mapped_column(String(16))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored. Institution tokens act for one college."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    institution: Mapped[Institution | None] = relationship()
    user: Mapped[Any] = relationship("User")
