"""The registry_reminders DAG through Airflow's dag.test(), with a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines import embedded
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import Message, Period
from registry.services.accounts.actors import Actor
from registry.services.register.programmes import register_programme
from registry.services.register.register import load_reference_data
from tests.conftest import fresh_database
from tests.factories import make_institution, make_period, make_user
from tests.smtp import smtp_server


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def owed_url(request, tmp_path_factory):
    """A committed registry where one college owes a return for the open period."""
    with fresh_database(request.param, tmp_path_factory.mktemp("reminders")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            college = make_institution(session, code="KP-REM-1")
            make_period(session, "2026")
            register_programme(session, Actor(label="t", role="college",
                                              institution_id=college.id), college,
                               code="UG-1", name="Undergraduate mentoring",
                               level="undergraduate", model="group",
                               disciplines=["medicine"], start_date=None)
            make_user(session, "college", email="officer@kp-rem-1.test",
                      institution_id=college.id)
            session.commit()
            due = session.scalar(select(Period.due_at))
        engine.dispose()
        yield url, due


def run(url: str, port: int, now) -> str:
    env = {"DATABASE_URL": url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
    return embedded.run_dag("registry_reminders", {"now": now.isoformat()}, env)


def test_reminder_arrives_and_a_rerun_sends_nothing_new(owed_url, airflow_metadata):
    url, due = owed_url
    with smtp_server() as (inbox, port):
        assert run(url, port, due - timedelta(days=2)) == "success"
        received = list(inbox.messages)
        assert run(url, port, due - timedelta(days=2)) == "success"
        assert run(url, port, due - timedelta(days=1)) == "success"
        assert inbox.messages == received
    reminder = next(m for m in received if m["subject"].startswith("Reminder"))
    assert reminder["to"] == ["officer@kp-rem-1.test"]


def test_every_stored_message_has_a_distinct_event_key(owed_url, airflow_metadata):
    url, _ = owed_url
    engine = make_engine(url)
    with Session(engine) as session:
        keys = session.scalars(select(Message.event_key)).all()
    engine.dispose()
    assert len(keys) == len(set(keys))
