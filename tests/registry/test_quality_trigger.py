"""Handing committed submissions to the pipeline: after commit only, by PIPELINE_MODE.

These tests need committed rows (the pipeline opens its own session), so they use a
SQLite database of their own, like the concurrency test.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from registry import create_app, pipeline_runs
from registry.config import ConfigurationError
from registry.db import make_engine
from registry.migrate import upgrade
from registry.services.register.register import load_reference_data
from registry.services.submission import pipeline_trigger
from registry.services.submission.pipeline_trigger import DISPATCH_KEY
from tests.databases import fresh_sqlite_database
from tests.factories import (
    bearer,
    make_college_token,
    make_institution,
    make_period,
    return_payload,
)
from tests.registry.airflow_standin import fake_airflow

NOT_COLLECTED = {"activity": {"contact_hours": "not_collected"}}


@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    """A committed database with three colleges (one per test that submits) and their tokens."""
    with fresh_sqlite_database(tmp_path_factory.mktemp("trigger")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            make_period(session, "2025")
            colleges = [make_institution(session, code=f"KP-TRIG-{n}") for n in range(5)]
            tokens = [make_college_token(session, college) for college in colleges]
            payloads = [return_payload(college, **NOT_COLLECTED) for college in colleges]
            session.commit()
        engine.dispose()
        yield url, list(zip(tokens, payloads, strict=True))


def submit_with(url: str, college, **config) -> tuple[int, int, str]:
    """POST the college's return to an app in the given pipeline mode; wait for the pipeline."""
    token, payload = college
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", **config})
    client = app.test_client()
    response = client.post("/api/v1/returns", json=payload, headers=bearer(token))
    assert pipeline_runs.wait_for_pipelines(60)
    status = client.get(f"/api/v1/returns/{response.json['id']}", headers=bearer(token)).json[
        "status"]
    app.extensions["registry.engine"].dispose()
    return response.status_code, response.json["id"], status


def test_airflow_mode_with_airflow_unreachable_keeps_the_return_submitted(committed, caplog):
    url, colleges = committed
    with caplog.at_level(logging.WARNING, logger="registry.pipeline"):
        code, _, status = submit_with(url, colleges[0], PIPELINE_MODE="airflow",
                                      AIRFLOW_API_URL="http://127.0.0.1:9", AIRFLOW_TIMEOUT=2)
    assert (code, status) == (201, "submitted")
    assert "could not start registry_quality for period 2025" in caplog.text


def test_airflow_mode_posts_a_run_with_null_logical_date_and_the_period(committed):
    url, colleges = committed
    with fake_airflow() as (base_url, received):
        code, _, status = submit_with(url, colleges[1], PIPELINE_MODE="airflow",
                                      AIRFLOW_API_URL=base_url, AIRFLOW_USERNAME="admin",
                                      AIRFLOW_PASSWORD="secret")
    assert (code, status) == (201, "submitted")
    token_request, queued_request, run_request = received
    assert token_request == ("/auth/token", None, {"username": "admin", "password": "secret"})
    assert queued_request == ("/api/v2/dags/registry_quality/dagRuns?state=queued&limit=100",
                              "Bearer fake-token", None)
    assert run_request == ("/api/v2/dags/registry_quality/dagRuns", "Bearer fake-token",
                           {"logical_date": None, "conf": {"period": "2025"}})


def test_airflow_mode_joins_a_run_of_the_period_already_queued(committed):
    url, colleges = committed
    with fake_airflow(queued=[{"conf": {"period": "2025"}}]) as (base_url, received):
        code, _, status = submit_with(url, colleges[3], PIPELINE_MODE="airflow",
                                      AIRFLOW_API_URL=base_url, AIRFLOW_USERNAME="admin",
                                      AIRFLOW_PASSWORD="secret")
    assert (code, status) == (201, "submitted")
    assert [path for path, _, _ in received] == [
        "/auth/token", "/api/v2/dags/registry_quality/dagRuns?state=queued&limit=100"]


def test_airflow_mode_queues_a_run_when_only_another_period_waits(committed):
    url, colleges = committed
    with fake_airflow(queued=[{"conf": {"period": "2024"}}]) as (base_url, received):
        submit_with(url, colleges[4], PIPELINE_MODE="airflow", AIRFLOW_API_URL=base_url,
                    AIRFLOW_USERNAME="admin", AIRFLOW_PASSWORD="secret")
    assert received[-1][0] == "/api/v2/dags/registry_quality/dagRuns"


def test_inprocess_mode_checks_the_return_right_after_the_response(committed):
    url, colleges = committed
    code, _, status = submit_with(url, colleges[2], PIPELINE_MODE="inprocess")
    assert (code, status) == (201, "needs_attention")


def test_only_the_outermost_commit_dispatches_and_a_rollback_forgets():
    dispatched = []
    engine = create_engine("sqlite://")
    with Session(engine, info={DISPATCH_KEY: dispatched.append}) as s:
        s.execute(text("SELECT 1"))
        pipeline_trigger.notify_submitted(s, "2024")
        s.rollback()
        s.execute(text("SELECT 1"))
        pipeline_trigger.notify_submitted(s, "2025")
        with s.begin_nested():
            pass
        assert dispatched == []
        s.commit()
    assert dispatched == [["2025"]]


def test_a_session_without_a_dispatcher_dispatches_nothing():
    with Session(create_engine("sqlite://")) as session:
        pipeline_trigger.notify_submitted(session, "2025")
        session.commit()
        assert pipeline_trigger.PENDING_KEY not in session.info


def test_a_test_app_runs_no_pipeline_unless_it_asks():
    assert create_app({"TESTING": True, "SECRET_KEY": "t"}).config["PIPELINE_MODE"] == "off"
    with pytest.raises(ConfigurationError, match="PIPELINE_MODE"):
        create_app({"TESTING": True, "SECRET_KEY": "t", "PIPELINE_MODE": "cron"})
