"""Drafts of returns: a college's unfinished form, kept between steps; never a version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.reporting import Period


class Draft(Base):
    """One institution × period × programme code: the form's values as typed, replaced on save.

    A draft names its programme by code, not by row: a new programme has no row until
    its first return is submitted.
    """

    __tablename__ = "return_drafts"
    __table_args__ = (UniqueConstraint("institution_id", "period_id", "programme_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    programme_code: Mapped[str] = mapped_column(String(32))
    values: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_by: Mapped[str] = mapped_column(String(300))
    saved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    period: Mapped[Period] = relationship()
