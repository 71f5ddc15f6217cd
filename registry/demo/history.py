"""Realistic demo history: four academic-year periods and the colleges' returns to them.

Each programme keeps its character across periods (its figures come from one seeded
draw) and grows a little each year, so the credibility checks see plausible change;
a few returns are deliberately poor so the quality pipeline has something to say.
The open period accepts standard 1.0 and 1.1, and about two colleges in five report it in
1.1 with a synthetic cohort follow-up (three intake cohorts with plausible attrition, exam
results and burnout screening), so the views show the transition.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Institution, Period
from registry.services.accounts.actors import Actor
from registry.services.register.periods import create_period
from registry.services.submission.submissions import submit_return
from schemas import ReturnValidationError, validate_return
from schemas.cohort_examples import as_version_1_1, synthetic_cohorts
from schemas.examples import synthetic_return
from schemas.validation import LATEST_VERSION, SCHEMA_VERSION

SCALED_SECTIONS = ("needs_assessment", "capacity", "activity", "evaluation", "outcomes")


@dataclass(frozen=True)
class DemoPeriod:
    code: str
    first_year: int

    @property
    def opens_at(self) -> datetime:
        return datetime(self.first_year + 1, 9, 1, tzinfo=UTC)


DEMO_PERIODS = tuple(DemoPeriod(f"{y}-{(y + 1) % 100:02d}", y) for y in range(2022, 2026))
# The standard versions a demo period accepts, where not only 1.0.
DEMO_STANDARD_VERSIONS = {DEMO_PERIODS[-1].code: (SCHEMA_VERSION, LATEST_VERSION)}
SHARE_REPORTING_1_1 = 0.4


def ensure_demo_periods(session: Session, actor: Actor) -> list[Period]:
    """Create the academic-year periods 2022-23 … 2025-26 (the last one open now)."""
    periods = []
    for demo in DEMO_PERIODS:
        period = session.scalar(select(Period).where(Period.code == demo.code))
        if period is None:
            period = create_period(
                session, actor, code=demo.code, name=f"Academic year {demo.code}",
                starts_on=date(demo.first_year, 9, 1), ends_on=date(demo.first_year + 1, 8, 31),
                opens_at=demo.opens_at, closes_at=datetime(demo.first_year + 1, 12, 31, 23, 59,
                                                           tzinfo=UTC),
                due_at=datetime(demo.first_year + 1, 11, 30, 23, 59, tzinfo=UTC),
                standard_versions=DEMO_STANDARD_VERSIONS.get(demo.code),
            )
        periods.append(period)
    return periods


def programmes_of(institution: Institution) -> list[tuple[str, str]]:
    """The (code, level) programmes a college runs, stable per college."""
    rng = random.Random(f"programmes/{institution.code}")
    programmes = [("UG-MENTOR", "undergraduate")]
    if institution.type == "medical" and rng.random() < 0.6:
        programmes.append(("PG-RESIDENT", "postgraduate"))
    if rng.random() < 0.35:
        programmes.append(("FAC-DEV", "faculty"))
    return programmes


def seed_demo_returns(session: Session, institutions: list[Institution]) -> int:
    """Submit the demo returns for every period; returns already there are left alone."""
    if session.scalar(select(Period).where(Period.code == DEMO_PERIODS[0].code)) is None:
        raise RuntimeError("create the demo periods first")
    existing = _existing_returns(session)
    accepted = {code: versions for code, versions in
                session.execute(select(Period.code, Period.standard_versions))}
    created = 0
    for index, demo in enumerate(DEMO_PERIODS):
        is_open = index == len(DEMO_PERIODS) - 1
        for institution in institutions:
            version = _version_reported(institution, accepted.get(demo.code) or ())
            created += _submit_college(session, institution, demo, index, is_open, existing,
                                       version)
    return created


def _version_reported(institution: Institution, accepted: tuple[str, ...] | list[str]) -> str:
    """1.1 for about two colleges in five where the period accepts it, else 1.0."""
    if LATEST_VERSION in accepted and (
            random.Random(f"standard/{institution.code}").random() < SHARE_REPORTING_1_1):
        return LATEST_VERSION
    return SCHEMA_VERSION


def _submit_college(session, institution, demo, index, is_open, existing,
                    version: str = SCHEMA_VERSION) -> int:
    rng = random.Random(f"participation/{institution.code}/{demo.code}")
    # Participation grows with the registry: 70 % in the first year, about 90 % later;
    # the open period is part-way through, so only some colleges have submitted yet.
    if rng.random() > (0.55 if is_open else min(0.7 + 0.08 * index, 0.93)):
        return 0
    actor = Actor(label=f"demo:{institution.code}", role="college",
                  institution_id=institution.id, university_id=institution.university_id)
    created = 0
    for code, level in programmes_of(institution):
        if (institution.code, code, demo.code) in existing:
            continue
        payload = demo_payload(institution.code, code, level, demo.code, index, version)
        when = demo.opens_at + timedelta(days=rng.randint(1, 70), minutes=rng.randint(0, 900))
        submit_return(session, actor, payload, source="demo", now=min(when, _now()))
        created += 1
    return created


def _now() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def demo_payload(institution: str, programme: str, level: str, period: str, index: int,
                 version: str = SCHEMA_VERSION) -> dict:
    """A return whose figures are the programme's own, grown for this period; in version
    1.1 it follows three synthetic intake cohorts of about a third of its mentees each."""
    payload = _demo_payload_1_0(institution, programme, level, period, index)
    if version == SCHEMA_VERSION:
        return payload
    enrolled = payload["capacity"]["enrolled_mentees"]
    intake = max(1, enrolled // 3) if isinstance(enrolled, int) else 20
    rng = random.Random(f"cohorts/{institution}/{programme}/{period}")
    return as_version_1_1(payload, synthetic_cohorts(rng, period, intake))


def _demo_payload_1_0(institution: str, programme: str, level: str, period: str,
                      index: int) -> dict:
    base_rng = random.Random(f"return/{institution}/{programme}")
    poor = random.Random(f"quality/{institution}/{programme}/{period}").random() < 0.08
    payload = synthetic_return(base_rng, institution, period, programme, level,
                               quality="poor" if poor else "good")
    growth = 1 + 0.06 * index + random.Random(f"growth/{institution}/{period}").uniform(-.05, .05)
    scaled = _scaled(payload, growth)
    try:
        validate_return(scaled)
    except ReturnValidationError:
        return payload
    return scaled


def _scaled(payload: dict, factor: float) -> dict:
    """Multiply every count by `factor`; rounding is monotonic, so part ≤ whole holds."""
    scaled = copy.deepcopy(payload)
    for section in SCALED_SECTIONS:
        if section in scaled:
            scaled[section] = _scale_value(scaled[section], factor)
    return scaled


def _scale_value(value, factor: float):
    if isinstance(value, dict):
        return {k: _scale_value(v, factor) for k, v in value.items()}
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return round(value * factor) if isinstance(value, int) else round(value * factor, 1)


def _existing_returns(session: Session) -> set[tuple[str, str, str]]:
    from registry.models import Programme, Return

    rows = session.execute(
        select(Institution.code, Programme.code, Period.code)
        .select_from(Return)
        .join(Institution, Return.institution_id == Institution.id)
        .join(Programme, Return.programme_id == Programme.id)
        .join(Period, Return.period_id == Period.id)
    ).all()
    return {tuple(r) for r in rows}


def review_demo_history(session: Session) -> dict[str, int]:
    """Let each college's university and the regulator review the closed periods' returns.

    Deterministic per return: most validated returns are approved and then signed off; a
    few go back to the college with a comment, as real reviewers would send them.
    """
    from registry.models import Return, ReturnStatus, University
    from registry.services.review.review import decide

    closed = [d.code for d in DEMO_PERIODS[:-1]]
    universities = {u.id: u.code for u in session.scalars(select(University))}
    regulator = Actor(label="demo:regulator PMDC", role="regulator")
    counts = {"approve": 0, "return": 0, "sign_off": 0}
    returns = session.scalars(select(Return).join(Period).where(
        Period.code.in_(closed), Return.status == ReturnStatus.VALIDATED).order_by(Return.id))
    for return_ in returns.all():
        roll = random.Random(f"review/{return_.id}").random()
        university = Actor(label=f"demo:reviewer {universities[return_.institution.university_id]}",
                           role="university", university_id=return_.institution.university_id)
        if roll < 0.04:
            decide(session, university, return_.id, return_.latest_version, "return",
                   "Contact hours look implausible against meetings held; please check.")
            counts["return"] += 1
            continue
        decide(session, university, return_.id, return_.latest_version, "approve", None)
        counts["approve"] += 1
        if roll < 0.85:
            decide(session, regulator, return_.id, return_.latest_version, "sign_off", None)
            counts["sign_off"] += 1
    return counts
