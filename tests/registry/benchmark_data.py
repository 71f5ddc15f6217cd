"""Test data for indicator, benchmark and release tests: colleges with accepted returns.

Rows are inserted directly (as the submission and quality services would leave them), so
a test can set up dozens of returns in milliseconds.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from registry.models import Institution, Period, Programme, Return, ReturnVersion
from schemas.examples import pilot_return
from tests.factories import make_institution, make_period

LEVEL_CODES = {"undergraduate": "UG", "postgraduate": "PG", "faculty": "FAC"}


def payload_with(institution: Institution, period: Period, level: str, *,
                 enrolled: int = 40, eligible: int = 50, **sections) -> dict:
    """The pilot return for this college and level with coverage enrolled / eligible."""
    payload = pilot_return(institution.code, period.code, LEVEL_CODES[level])
    payload["programme"]["level"] = level
    payload["capacity"].update(eligible_mentees=eligible, enrolled_mentees=enrolled)
    for section, values in sections.items():
        payload[section] = {**payload.get(section, {}), **values}
    return payload


def add_return(session: Session, institution: Institution, period: Period, payload: dict, *,
               status: str = "validated", received_at: datetime | None = None,
               history: tuple[str, ...] = ()) -> Return:
    """Store a return whose versions have the statuses `history` + `status` (oldest first)."""
    level = payload["programme"]["level"]
    code = payload["header"]["programme_code"]
    programme = session.query(Programme).filter_by(institution_id=institution.id,
                                                   code=code).one_or_none()
    if programme is None:
        programme = Programme(institution_id=institution.id, code=code, name=f"{level} programme",
                              level=level, model="mixed", disciplines=["medicine"],
                              components={})
        session.add(programme)
        session.flush()
    return_ = Return(institution_id=institution.id, programme_id=programme.id,
                     period_id=period.id, latest_version=0, status=status)
    session.add(return_)
    session.flush()
    when = received_at or period.opens_at + timedelta(days=1)
    for number, version_status in enumerate((*history, status), start=1):
        body = copy.deepcopy(payload)
        session.add(ReturnVersion(
            return_id=return_.id, version=number, payload=body,
            payload_sha256=hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(),
            schema_version=payload["header"]["schema_version"], source="api",
            received_at=when + timedelta(hours=number),
            submitted_by="test", status=version_status))
    return_.latest_version = len(history) + 1
    session.flush()
    return return_


def closed_period(session: Session, code: str = "2024") -> Period:
    """A period whose window has closed (due date passed)."""
    now = datetime.now(UTC)
    return make_period(session, code, open_now=False, opens_at=now - timedelta(days=90),
                       due_at=now - timedelta(days=10), closes_at=now - timedelta(days=5))


def seven_colleges(session: Session, period: Period) -> list[Institution]:
    """Seven public medical colleges in KP, each with one undergraduate return (coverage k/50).

    Coverage numerators 30, 32, …, 42 out of 50 each: Σ = 252 / 350 = 0.72.
    """
    colleges = []
    for k in range(7):
        college = make_institution(session, code=f"KP-BEN-{k}", name=f"Bench College {k}")
        add_return(session, college, period,
                   payload_with(college, period, "undergraduate", enrolled=30 + 2 * k))
        colleges.append(college)
    return colleges


def api_token(session: Session, role: str, **overrides) -> str:
    """An API token of a new user of the role; the user has no usable password (no hashing)."""
    from registry.models import User
    from registry.services.accounts.actors import Actor
    from registry.services.accounts.tokens import create_token

    count = session.query(User).count()
    user = User(email=f"bench{count}-{role}@test.example", name=f"Bench {role}",
                password_hash="!unusable", role=role, **overrides)
    session.add(user)
    session.flush()
    return create_token(session, Actor.system("test"), user, "test token").secret


def college_token(session: Session, institution: Institution) -> str:
    return api_token(session, "college", institution_id=institution.id,
                     university_id=institution.university_id)


def two_published_periods(session: Session) -> dict:
    """Periods 2023 (a published provisional release) and 2024 (a provisional, then a final
    release, both published); seven KP public medical colleges report in both.

    Coverage: 2023 Σ 252 / 350; 2024 Σ 301 / 350. Returns the releases by run id a, b, c.
    """
    from registry.services.accounts.actors import Actor
    from registry.services.releases import releases

    system, settings = Actor.system("test"), releases.ReleaseSettings()
    earlier, later = closed_period(session, "2023"), closed_period(session, "2024")
    colleges = seven_colleges(session, earlier)
    for k, college in enumerate(colleges):
        add_return(session, college, later,
                   payload_with(college, later, "undergraduate", enrolled=40 + k))
    after_window = datetime.now(UTC) + timedelta(days=settings.revision_window_days + 1)
    published = {}
    for period, run in ((earlier, "a"), (later, "b"), (later, "c")):
        release = releases.build_release(session, system, period, settings, run_id=run,
                                         kind="final" if run == "c" else "provisional",
                                         now=after_window if run == "c" else None)
        releases.publish_release(session, system, release)
        published[run] = release
    return published
