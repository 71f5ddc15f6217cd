"""Committed scenarios for pipeline tests: two periods of returns with known quality."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.models import Institution, Period, Programme, QualityIssue, Return
from registry.services.accounts.actors import Actor
from registry.services.register.register import load_reference_data
from registry.services.submission.submissions import submit_return
from tests.factories import make_institution, make_period, return_payload

NOT_COLLECTED = {"activity": {"contact_hours": "not_collected"}}
NO_MENTORS = {"capacity": {"active_mentors": 0, "mentors_trained": 0}}

# college code: (programmes in 2024, programmes in 2025 with their changes)
SCENARIO = {
    "KP-Q-WARN": (["PG-PEER"], {"PG-PEER": NOT_COLLECTED}),
    "KP-Q-ERROR": (["PG-PEER"], {"PG-PEER": NO_MENTORS}),
    "KP-Q-DROPPED": (["PG-PEER", "UG-BUDDY"], {"PG-PEER": {}}),
    "KP-Q-CLEAN": (["PG-PEER"], {"PG-PEER": {}}),
}
EXPECTED_2025 = {
    "KP-Q-WARN": ("needs_attention", {("Q008", "activity.contact_hours")}),
    "KP-Q-ERROR": ("rejected", {("Q002", "capacity.active_mentors"),
                                ("Q011", "capacity.active_mentors")}),
    "KP-Q-DROPPED": ("needs_attention", {("Q030", "programmes.UG-BUDDY")}),
    "KP-Q-CLEAN": ("validated", set()),
}


def seed_two_periods(url: str) -> None:
    """Reference data, periods 2024 and 2025, and the SCENARIO's returns, committed."""
    engine = make_engine(url)
    with Session(engine) as session:
        load_reference_data(session)
        make_period(session, "2024")
        make_period(session, "2025")
        for code, (earlier, now) in SCENARIO.items():
            college = make_institution(session, code=code)
            actor = Actor(label=f"test:{code}", role="college", institution_id=college.id)
            for programme in earlier:
                submit_return(session, actor, return_payload(college, "2024", programme))
            for programme, changes in now.items():
                submit_return(session, actor,
                              return_payload(college, "2025", programme, **changes))
        session.commit()
    engine.dispose()


def statuses(url: str, period: str) -> dict[str, str]:
    """College code → status of its PG-PEER return in the period."""
    return {code: status for code, programme, status in _returns(url, period)
            if programme == "PG-PEER"}


def all_statuses(url: str) -> set[str]:
    return {status for period in ("2024", "2025") for *_, status in _returns(url, period)}


def _returns(url: str, period: str) -> list[tuple[str, str, str]]:
    """(college, programme, status) of every return of the period."""
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.execute(
            select(Institution.code, Programme.code, Return.status)
            .join(Institution, Institution.id == Return.institution_id)
            .join(Programme, Programme.id == Return.programme_id)
            .join(Period, Period.id == Return.period_id).where(Period.code == period)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def issues(url: str) -> list[tuple]:
    """Every stored issue as (id, college, period, rule, field, status), in id order."""
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.execute(
            select(QualityIssue.id, Institution.code, Period.code, QualityIssue.rule_id,
                   QualityIssue.field, QualityIssue.status)
            .join(Return, Return.id == QualityIssue.return_id)
            .join(Institution, Institution.id == Return.institution_id)
            .join(Period, Period.id == Return.period_id).order_by(QualityIssue.id)).all()
    engine.dispose()
    return [tuple(row) for row in rows]
