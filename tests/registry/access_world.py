"""Objects the access matrix and the API fuzzer act on.

Two colleges in two universities (the "own" college of KMU owns every object; the "other"
college belongs to DUHS), an open period, and the credentials of each role. Rows are
inserted as the services would leave them, so a case sets up in milliseconds; users get
no usable password (hashing one costs ~0.2 s) and log in through Flask-Login's session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from expectations import load_rules
from registry.db import utcnow
from registry.models import (
    Message,
    QualityIssue,
    Release,
    ReleasePreview,
    ReleasePublication,
    Return,
    User,
)
from registry.services.accounts.actors import Actor
from registry.services.accounts.tokens import create_token
from registry.services.register.peer_groups import create_peer_group
from tests.factories import (
    add_institution_results,
    make_institution,
    make_period,
    return_payload,
)
from tests.registry.benchmark_data import add_return

SYSTEM = Actor.system("test")

# role → (user role, which college's or university's user, logs in, holds an API token)
ROLE_SPECS: dict[str, tuple[str | None, str | None, bool, bool]] = {
    "anonymous": (None, None, False, False),
    "college": ("college", "own", True, False),
    "other_college": ("college", "other", True, False),
    "token": ("college", "own", False, True),
    "other_token": ("college", "other", False, True),
    "university": ("university", "own", True, True),
    "other_university": ("university", "other", True, True),
    "regulator": ("regulator", None, True, True),
    "admin": ("admin", None, True, True),
}
ROLES = tuple(ROLE_SPECS)


@dataclass
class Principal:
    """Who makes a request: a logged-in session, a bearer token, both, or neither."""

    role: str
    user_id: int | None = None
    secret: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    session: Session
    own: object
    other: object
    period: object

    def college(self, which: str | None):
        return {"own": self.own, "other": self.other}.get(which)


def make_world(session: Session) -> World:
    """Two colleges (KMU and DUHS) and an open period "2025"."""
    own = make_institution(session, code="KP-MED-PUB-910", name="Peshawar Access College")
    other = make_institution(session, code="SD-MED-PVT-910", name="Karachi Access College",
                             province_code="SD", university="DUHS", sector="private")
    return World(session, own, other, make_period(session, "2025"))


def make_principal(world: World, role: str) -> Principal:
    """A user of the role placed in the hierarchy, with the credentials the role carries."""
    user_role, which, logs_in, has_token = ROLE_SPECS[role]
    principal = Principal(role)
    if user_role is None:
        return principal
    college = world.college(which)
    scope = {}
    if user_role == "college":
        scope = {"institution_id": college.id, "university_id": college.university_id}
    elif user_role == "university":
        scope = {"university_id": college.university_id}
    user = _user(world.session, user_role, **scope)
    principal.user_id = user.id if logs_in else None
    if has_token:
        principal.secret = create_token(world.session, SYSTEM, user, "access test").secret
        principal.headers = {"Authorization": f"Bearer {principal.secret}"}
    return principal


def _user(session: Session, role: str, **scope) -> User:
    """A user without a usable password (make_user would hash one)."""
    user = User(email=f"{role}-{uuid.uuid4().hex[:12]}@access.test", name=f"Access {role}",
                password_hash="!no-password", role=role, **scope)
    session.add(user)
    session.flush()
    return user


def log_in(client, principal: Principal) -> None:
    """Put the user into the client's session as Flask-Login does after a good password."""
    if principal.user_id is None:
        return
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(principal.user_id)
        flask_session["_fresh"] = True


def make_return(world: World, status: str = "submitted") -> Return:
    """A return of the own college for the open period, one version in `status`."""
    payload = return_payload(world.own, world.period.code)
    return add_return(world.session, world.own, world.period, payload, status=status)


def make_issue(world: World, return_: Return, *, explained: bool = False) -> QualityIssue:
    """A warning on the return's latest version, open or explained by the college."""
    rule = next(r for r in load_rules() if r.severity == "warning")
    version = return_.versions[-1]
    issue = QualityIssue(
        return_version_id=version.id, return_id=return_.id, rule_id=rule.id, kind=rule.kind,
        severity=rule.severity, field=rule.field, value="1", expected=rule.expected,
        message=rule.message, status="explained" if explained else "open")
    if explained:
        issue.explanation, issue.explained_by = "The cohort was small this year.", "test"
        issue.explained_at = version.received_at
    version.status = return_.status = "needs_attention"
    world.session.add(issue)
    world.session.flush()
    return issue


def make_release(world: World, *, published: bool) -> Release:
    """A release of the open period holding one result of the own college."""
    session = world.session
    number = (session.scalar(select(func.max(Release.number))) or 0) + 1
    release = Release(
        number=number, period_id=world.period.id, kind="provisional",
        acceptance_level="validated", min_institutions=5, min_people=23, method_version="1",
        catalogue_version="1", suite_version="test", pipeline_run_id=f"test:{uuid.uuid4()}",
        built_by="test", checksum_sha256="0" * 64, json_sha256="1" * 64, sdmx_sha256="2" * 64,
        export_csv="indicator,stratum\n", export_json="{}", export_sdmx_csv="STRUCTURE\n",
        method_notes="Test release.", provenance={"return_version_ids": [], "excluded": []})
    session.add(release)
    session.flush()
    add_institution_results(session, release.id, [dict(
        institution_id=world.own.id, indicator="coverage", value=0.8, numerator=40,
        denominator=50, returns=1, peer_institutions=1)])
    if published:
        session.add(ReleasePublication(release_id=release.id, published_by="test"))
    session.flush()
    session.refresh(release, ["publication"])
    return release


def make_preview(world: World) -> Release:
    """An unpublished release of the own college's figures, open to the colleges for preview."""
    release = make_release(world, published=False)
    world.session.add(ReleasePreview(release_id=release.id, opened_by="test",
                                     opened_at=utcnow() - timedelta(hours=1),
                                     ends_at=utcnow() + timedelta(days=5)))
    world.session.flush()
    return release


def make_peer_group(world: World):
    """A peer group owned by the own college's university (KMU)."""
    actor = Actor("university:test", "university", university_id=world.own.university_id)
    return create_peer_group(world.session, actor, "Access peers",
                             [world.own.code, world.other.code], min_members=2)


def make_college_message(world: World) -> str:
    """A reminder addressed to the own college, as the reminder run stores it; its subject."""
    subject = f"Reminder: {world.own.code} return due for {world.period.code}"
    world.session.add(Message(
        event_key=f"due:{world.period.code}:{world.own.code}:test", kind="due",
        recipients="officer@access.test", institution_id=world.own.id, subject=subject,
        body="Your return is due."))
    world.session.flush()
    return subject


def make_extra_colleges(world: World, count: int) -> list[str]:
    return [make_institution(world.session).code for _ in range(count)]


def make_college_token(world: World) -> int:
    """A second token of the own college (the one a revocation acts on); its id."""
    user = _user(world.session, "college", institution_id=world.own.id,
                 university_id=world.own.university_id)
    return create_token(world.session, SYSTEM, user, "to revoke").token.id


def extension_until(world: World) -> str:
    return (world.period.closes_at + timedelta(days=10)).isoformat()
