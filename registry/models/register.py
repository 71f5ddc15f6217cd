"""The reference register: provinces, regulators, universities and colleges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow


class Province(Base):
    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Regulator(Base):
    __tablename__ = "regulators"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class University(Base):
    __tablename__ = "universities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))

    province: Mapped[Province] = relationship()
    institutions: Mapped[list[Institution]] = relationship(back_populates="university")


class Institution(Base):
    """A medical or dental college: the unit that submits returns."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("universities.id"), index=True)
    synthetic: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    province: Mapped[Province] = relationship()
    university: Mapped[University] = relationship(back_populates="institutions")
