"""On SQLite (the embedded default) a quality run or a release build in progress does not
hold the write lock: a login and a draft save made meanwhile finish at once.

Each test runs on a real SQLite file, with the pipeline task in a thread of its own and its
own engine (as the in-process pipeline runs it) and the app, or a second session, in this
thread. The task is held in the middle of its work (after Great Expectations validated the
frame, or after the release was computed) until the login and the draft save are done; if
the task held SQLite's write lock there, the draft save would wait for it and fail after
the busy timeout with "database is locked".
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.tasks import benchmarks as benchmark_tasks
from pipelines.tasks.quality import run_quality_checks
from registry import create_app
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import Draft, Release, ReturnStatus, ReturnVersion
from registry.services import quality_checks, releases
from registry.services.actors import Actor
from registry.services.drafts import save_draft
from registry.services.register import load_reference_data
from tests.conftest import fresh_database
from tests.factories import (
    TEST_PASSWORD,
    bearer,
    make_college_token,
    make_institution,
    make_period,
    make_user,
    return_payload,
)

WAIT = 60  # seconds a thread waits for the other at most
QUICK = 5  # seconds a login and a draft save may take while the task holds


@pytest.fixture
def submitted(tmp_path):
    """A SQLite file registry with one submitted return and a college officer."""
    with fresh_database("sqlite", tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            load_reference_data(session)
            college = make_institution(session, code="KP-LOCK-1")
            make_period(session, "2025")
            token = make_college_token(session, college)
            officer = make_user(session, "college", email="officer@lock.example",
                                institution_id=college.id,
                                university_id=college.university_id)
            session.commit()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "WTF_CSRF_ENABLED": False})
        with app.test_client() as client:
            answer = client.post("/api/v1/returns", json=return_payload(college),
                                 headers=bearer(token))
            assert answer.status_code == 201, answer.json
        yield url, engine, app, officer
        app.extensions["registry.engine"].dispose()
        engine.dispose()


class HeldTask:
    """Run a pipeline task in a thread, holding it at one of its steps until released."""

    def __init__(self, monkeypatch, module, name: str, task):
        self.reached, self.release = threading.Event(), threading.Event()
        self.result: dict = {}
        real = getattr(module, name)

        def held(*args, **kwargs):
            value = real(*args, **kwargs)
            self.reached.set()
            self.release.wait(WAIT)
            return value

        monkeypatch.setattr(module, name, held)
        self.thread = threading.Thread(target=self._run, args=(task,))

    def _run(self, task) -> None:
        try:
            self.result["value"] = task()
        except Exception as exc:  # reported by the test
            self.result["error"] = exc

    def __enter__(self) -> HeldTask:
        self.thread.start()
        assert self.reached.wait(WAIT), self.result
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def login_and_save_draft(url: str, app, officer) -> float:
    """Log in on the web and save a draft in a session of its own; seconds taken."""
    began = time.monotonic()
    with app.test_client() as client:
        answer = client.post("/login", data={"email": officer.email, "password": TEST_PASSWORD})
        assert answer.status_code == 302, answer.status_code
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            save_draft(session, Actor.for_user(officer), "2025", "PG-DRAFT",
                       {"programme.name": "Draft while a pipeline runs"})
            session.commit()
    finally:
        engine.dispose()
    return time.monotonic() - began


def test_a_login_and_a_draft_save_finish_while_a_quality_run_validates(submitted,
                                                                       monkeypatch):
    url, engine, app, officer = submitted
    with HeldTask(monkeypatch, quality_checks, "validate_frame",
                  lambda: run_quality_checks(url, "2025")) as task:
        took = login_and_save_draft(url, app, officer)
        assert task.thread.is_alive()  # the run was still in progress meanwhile
    assert took < QUICK
    assert "error" not in task.result, task.result
    assert task.result["value"]["periods"][0]["checked"] == 1
    with Session(engine) as session:
        assert session.scalar(select(ReturnVersion.status)) != ReturnStatus.SUBMITTED
        assert session.scalar(select(Draft.programme_code)) == "PG-DRAFT"


def test_a_login_and_a_draft_save_finish_while_a_release_is_computed(submitted, monkeypatch):
    url, engine, app, officer = submitted
    build = lambda: benchmark_tasks.build_release(  # noqa: E731
        {"period": "2025", "kind": "provisional"}, "lock-test",
        as_of=datetime.now(UTC), url=url)
    with HeldTask(monkeypatch, releases, "compute_release", build) as task:
        took = login_and_save_draft(url, app, officer)
        assert task.thread.is_alive()
    assert took < QUICK
    assert "error" not in task.result, task.result
    with Session(engine) as session:
        assert session.scalar(select(Release.pipeline_run_id)) == "lock-test:2025"
        assert session.scalar(select(Draft.programme_code)) == "PG-DRAFT"


def test_a_login_answers_while_another_connection_holds_the_write_lock(submitted):
    _url, engine, app, officer = submitted
    with engine.connect() as writer:
        writer.begin()  # BEGIN IMMEDIATE: SQLite's write lock, held until the block ends
        began = time.monotonic()
        with app.test_client() as client:
            answer = client.post("/login", data={"email": officer.email,
                                                 "password": TEST_PASSWORD})
        took = time.monotonic() - began
    assert answer.status_code == 302, answer.status_code
    assert took < QUICK
