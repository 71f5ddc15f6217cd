"""On SQLite (the embedded default) a quality run or a release build in progress does not
hold the write lock: a login and a draft save made meanwhile finish at once. Nor does a
page: a GET request's transaction begins as a reader's, so each role's pages answer while
another connection holds the write lock, and a GET that writes (a thread's read marker, a
token's last use) waits for the lock only to store its write.

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
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pipelines.tasks import benchmarks as benchmark_tasks
from pipelines.tasks.quality import run_quality_checks
from registry import create_app
from registry.db import ReadOnlyWrite, begin_reading, begin_writing, make_engine
from registry.migrate import upgrade
from registry.models import (
    ApiToken,
    Draft,
    Institution,
    Message,
    Release,
    Return,
    ReturnStatus,
    ReturnVersion,
    ThreadRead,
    User,
)
from registry.services.accounts.actors import Actor
from registry.services.quality import quality_checks
from registry.services.register.register import load_reference_data
from registry.services.releases import releases
from registry.services.review.threads import post_message
from registry.services.submission.drafts import save_draft
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
    with HeldTask(monkeypatch, releases, "build_content", build) as task:
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


@pytest.fixture
def people(submitted):
    """The registry of `submitted` with a reviewer of the college's university, a regulator
    analyst, and a message from the reviewer on the return's thread, unread."""
    _url, engine, app, officer = submitted
    with Session(engine, expire_on_commit=False) as session:
        reviewer = make_user(session, "university", email="reviewer@lock.example",
                             university_id=officer.university_id)
        analyst = make_user(session, "regulator", email="analyst@lock.example")
        return_id = session.scalar(select(Return.id))
        post_message(session, Actor.for_user(reviewer), return_id, "Please check the hours.")
        session.commit()
    return {"engine": engine, "app": app, "return_id": return_id, "college": officer,
            "university": reviewer, "regulator": analyst}


def logged_in(app, user):
    client = app.test_client()
    answer = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return client


class HeldWriteLock:
    """Another connection holding SQLite's write lock (BEGIN IMMEDIATE) in a thread of its
    own, from entering the block until `seconds` after (or the end of the block)."""

    def __init__(self, engine, seconds: float = WAIT):
        self.engine, self.seconds = engine, seconds
        self.held, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        with self.engine.connect() as writer:
            writer.begin()
            self.held.set()
            self.done.wait(self.seconds)

    def __enter__(self) -> HeldWriteLock:
        self.thread.start()
        assert self.held.wait(WAIT)
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join(WAIT)


PAGES = {
    "college": ("/college", "/college/upload", "/college/submit?period=2025&programme=PG-PEER",
                "/college/template.xlsx?period=2025", "/messages"),
    "university": ("/review", "/messages"),
    "regulator": ("/regulator", "/regulator/compliance", "/quality/board", "/benchmarks",
                  "/messages"),
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_each_roles_pages_answer_while_another_connection_holds_the_write_lock(people, role):
    client = logged_in(people["app"], people[role])
    with HeldWriteLock(people["engine"]):
        for path in PAGES[role]:
            began = time.monotonic()
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            assert time.monotonic() - began < QUICK, path


def test_an_api_read_answers_while_another_connection_holds_the_write_lock(people):
    with Session(people["engine"]) as session:
        secret = make_college_token(session, session.get(Institution,
                                                         people["college"].institution_id))
        session.commit()
    client = people["app"].test_client()
    assert client.get("/api/v1/returns", headers=bearer(secret)).status_code == 200  # noted
    with HeldWriteLock(people["engine"]):
        began = time.monotonic()
        answer = client.get("/api/v1/returns", headers=bearer(secret))
        took = time.monotonic() - began
    assert answer.status_code == 200, answer.json
    assert took < QUICK


READ_MARKER_PAGES = {"college": "/college/returns/{id}", "university": "/review/returns/{id}"}


@pytest.mark.parametrize("role", sorted(READ_MARKER_PAGES))
def test_a_thread_read_on_a_page_is_stored_once_the_write_lock_is_free(people, role):
    client = logged_in(people["app"], people[role])
    if role == "university":  # the college answered: the reviewer has a message to read
        post = logged_in(people["app"], people["college"]).post(
            f"/college/returns/{people['return_id']}/messages", data={"body": "Checked."})
        assert post.status_code == 302, post.status_code
    with HeldWriteLock(people["engine"], seconds=1):
        answer = client.get(READ_MARKER_PAGES[role].format(id=people["return_id"]))
    assert answer.status_code == 200, answer.status_code
    with Session(people["engine"]) as session:
        assert session.scalar(select(ThreadRead.last_read_message_id).where(
            ThreadRead.user_id == people[role].id)) == session.scalar(select(func.max(Message.id)))


def test_a_tokens_first_use_in_an_api_read_is_stored_once_the_write_lock_is_free(people):
    with Session(people["engine"]) as session:
        secret = make_college_token(session, session.get(Institution,
                                                         people["college"].institution_id))
        session.commit()
    with HeldWriteLock(people["engine"], seconds=1):
        answer = people["app"].test_client().get("/api/v1/returns", headers=bearer(secret))
    assert answer.status_code == 200, answer.json
    with Session(people["engine"]) as session:
        assert session.scalar(select(ApiToken.last_used_at)
                              .where(ApiToken.prefix == secret[:10])) is not None


def test_a_readers_transaction_refuses_to_write_until_it_begins_writing(session):
    begin_reading(session)
    session.add(ThreadRead(user_id=0, return_id=0, last_read_message_id=0))
    with pytest.raises(ReadOnlyWrite):
        session.flush()


def test_a_readers_transaction_refuses_an_update_statement(session):
    begin_reading(session)
    with pytest.raises(ReadOnlyWrite):
        session.execute(update(User).values(name="Never written"))


def test_a_readers_transaction_writes_after_begin_writing(session):
    user = make_user(session, "regulator")
    session.commit()
    begin_reading(session)
    begin_writing(session)
    user.name = "Written after begin_writing"
    session.flush()
    assert session.scalar(select(User.name).where(User.id == user.id)) == (
        "Written after begin_writing")
