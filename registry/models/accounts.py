"""People who log in, and the role that scopes what they see."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.register import Institution, University


class Role(StrEnum):
    COLLEGE = "college"
    UNIVERSITY = "university"
    REGULATOR = "regulator"
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    university_id: Mapped[int | None] = mapped_column(ForeignKey("universities.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution | None] = relationship()
    university: Mapped[University | None] = relationship()

    def get_id(self) -> str:
        """Flask-Login's identity for the session cookie."""
        return str(self.id)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False
