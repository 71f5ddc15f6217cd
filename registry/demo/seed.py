"""Demo data: the synthetic register plus accounts for each role (never in production)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.demo.history import ensure_demo_periods, seed_demo_returns
from registry.models import Institution, User
from registry.services.accounts.accounts import create_user
from registry.services.accounts.actors import Actor
from registry.services.register.register import load_register, synthetic_register

DEMO_PASSWORD = "mentoring-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    institution: str | None = None
    university: str | None = None


DEMO_LOGINS = (
    DemoLogin("regulator", "analyst@pmdc.demo"),
    DemoLogin("admin", "admin@registry.demo"),
    DemoLogin("university", "reviewer@kmu.demo", university="KMU"),
    DemoLogin("college", "officer@kp-med-pub-001.demo", institution="KP-MED-PUB-001"),
    DemoLogin("college", "officer@kp-med-pvt-001.demo", institution="KP-MED-PVT-001"),
)


@dataclass
class DemoSummary:
    password: str
    users: list[DemoLogin] = field(default_factory=list)
    returns_created: int = 0


def seed_demo(session: Session, actor: Actor) -> DemoSummary:
    """Load everything the demo shows; safe to run again."""
    load_register(session, synthetic_register(), actor)
    summary = DemoSummary(password=DEMO_PASSWORD)
    for login in DEMO_LOGINS:
        _ensure_user(session, actor, login)
        summary.users.append(login)
    ensure_demo_periods(session, actor)
    institutions = list(session.scalars(select(Institution).order_by(Institution.code)))
    summary.returns_created = seed_demo_returns(session, institutions)
    return summary


def _ensure_user(session: Session, actor: Actor, login: DemoLogin) -> None:
    if session.scalar(select(User.id).where(User.email == login.email)) is not None:
        return
    create_user(
        session, actor, email=login.email, name=f"Demo {login.role}", password=DEMO_PASSWORD,
        role=login.role, institution_code=login.institution, university_code=login.university,
    )
