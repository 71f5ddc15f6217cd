"""Factories for test data: institutions, users and (later) returns."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Institution, University, User
from registry.services.accounts.accounts import hash_password

_sequence = itertools.count(1)
TEST_PASSWORD = "correct horse battery"


def make_institution(session: Session, **overrides) -> Institution:
    """Create a college; defaults to a public medical college in KP affiliated to KMU."""
    n = next(_sequence)
    university_code = overrides.pop("university", "KMU")
    university = session.scalar(select(University).where(University.code == university_code))
    values = {
        "code": f"T-{n:04d}",
        "name": f"Test Medical College {n}",
        "type": "medical",
        "sector": "public",
        "province_code": "KP",
        "university_id": university.id,
        "synthetic": True,
    }
    values.update(overrides)
    institution = Institution(**values)
    session.add(institution)
    session.flush()
    return institution


def make_user(session: Session, role: str = "college", **overrides) -> User:
    """Create a user with TEST_PASSWORD."""
    n = next(_sequence)
    values = {
        "email": f"user{n}@test.example",
        "name": f"Test User {n}",
        "password_hash": hash_password(TEST_PASSWORD),
        "role": role,
    }
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_period(session: Session, code: str = "2025", *, open_now: bool = True, **overrides):
    """Create a reporting period whose window is open now (or closed, if asked)."""
    from datetime import UTC, date, datetime, timedelta

    from registry.models import Period

    now = datetime.now(UTC)
    opens, closes = (now - timedelta(days=30), now + timedelta(days=30)) if open_now else (
        now - timedelta(days=60), now - timedelta(days=1))
    year = int(code[:4]) if code[:4].isdigit() else 2025
    values = {
        "code": code, "name": f"Academic year {code}",
        "starts_on": date(year, 1, 1), "ends_on": date(year, 12, 31),
        "opens_at": opens, "closes_at": closes, "due_at": closes - timedelta(days=1),
    }
    values.update(overrides)
    period = Period(**values)
    session.add(period)
    session.flush()
    return period


def make_college_token(session: Session, institution: Institution) -> str:
    """Create a college user of the institution and return a fresh API token's secret."""
    from registry.services.accounts.actors import Actor
    from registry.services.accounts.tokens import create_token

    user = make_user(session, "college", institution_id=institution.id,
                     university_id=institution.university_id)
    return create_token(session, Actor.system("test"), user, "test token").secret


def make_user_token(session: Session, role: str, **overrides) -> str:
    """Create a user of any role and return an API token's secret."""
    from registry.services.accounts.actors import Actor
    from registry.services.accounts.tokens import create_token

    user = make_user(session, role, **overrides)
    return create_token(session, Actor.system("test"), user, "test token").secret


def return_payload(institution: Institution, period_code: str = "2025",
                   programme_code: str = "PG-PEER", **section_overrides) -> dict:
    """A valid return (modelled on the published pilot) for this institution."""
    from schemas.examples import pilot_return

    payload = pilot_return(institution.code, period_code, programme_code)
    for section, values in section_overrides.items():
        payload[section].update(values)
    return payload


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def add_institution_results(session: Session, release_id: int, rows: list[dict]) -> None:
    """Store results for a hand-made release: each row names institution_id and indicator;
    figures it leaves out are missing (peer_institutions 0, no by_level)."""
    from registry.indicators.figures import ROW_FIELDS, encode_rows
    from registry.models import InstitutionFigures

    complete = [{**dict.fromkeys(ROW_FIELDS), "returns": 1, "peer_institutions": 0,
                 "by_level": {}, **row} for row in rows]
    for institution_id, document in encode_rows(complete).items():
        session.add(InstitutionFigures(release_id=release_id, institution_id=institution_id,
                                       figures=document.decode()))
    session.flush()
