"""The demo history: the open period accepts 1.0 and 1.1, and some colleges report 1.1."""

from __future__ import annotations

from sqlalchemy import select

from registry.demo.history import (
    DEMO_PERIODS,
    demo_payload,
    ensure_demo_periods,
    seed_demo_returns,
)
from registry.models import Period, Return, ReturnVersion
from registry.services.accounts.actors import Actor
from schemas import validate_return
from tests.factories import make_institution


def test_only_the_open_demo_period_accepts_version_1_1(session):
    periods = ensure_demo_periods(session, Actor.system("demo"))
    assert [p.standard_versions for p in periods] == [["1.0"]] * 3 + [["1.0", "1.1"]]


def test_a_demo_return_in_1_1_follows_three_synthetic_cohorts():
    payload = demo_payload("KP-MED-PUB-001", "UG-MENTOR", "undergraduate", "2025-26", 3, "1.1")
    assert validate_return(payload) == payload
    cohorts = payload["cohort_follow_up"]["cohorts"]
    assert [c["intake_period"] for c in cohorts] == ["2025-26", "2024-25", "2023-24"]
    assert cohorts[2]["still_in_training"] < cohorts[2]["at_start"]  # attrition over 2 years


def test_some_colleges_report_1_1_in_the_open_period_only(session):
    ensure_demo_periods(session, Actor.system("demo"))
    colleges = [make_institution(session, code=f"KP-MED-PUB-{n:03d}") for n in range(1, 13)]
    seed_demo_returns(session, colleges)
    rows = session.execute(
        select(Period.code, ReturnVersion.schema_version)
        .join(Return, Return.id == ReturnVersion.return_id)
        .join(Period, Period.id == Return.period_id)).all()
    assert {code for code, version in rows if version == "1.1"} == {DEMO_PERIODS[-1].code}
    assert {version for code, version in rows if code == DEMO_PERIODS[-1].code} == {"1.0", "1.1"}
