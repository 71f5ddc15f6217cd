"""Simultaneous requests: versions counted without gaps or doubles, no 5xx, measured overlap.

These tests need committed rows visible to many connections, so each runs on a database
of its own instead of the per-test rolled-back transaction. Before a burst the token is
used once, so its `last_used_at` is fresh and no request updates it: otherwise that
row's lock would queue the requests one behind the other and nothing would overlap.

Overlap is measured, not assumed: `TransactionOverlap` timestamps each transaction from
its first statement after authentication (one not touching `api_tokens`) to its commit or
rollback, and reports the most that were open at once. On PostgreSQL requests past
authentication run side by side (the assertions ask for it); SQLite serialises writers by
design (`BEGIN IMMEDIATE`), so there the tests check the outcome only.
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import ApiToken, AuditEvent, Programme, Return, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.register.register import load_reference_data
from registry.services.submission.submissions import store_returns, submit_return
from schemas.tabular.write import dump_returns_to_csv
from tests.conftest import fresh_database
from tests.factories import (
    bearer,
    make_college_token,
    make_institution,
    make_period,
    make_user,
    return_payload,
)

SUBMISSIONS = 50
FIRST_SUBMISSIONS = 16
BULK_UPLOADS = 12
# On PostgreSQL at least this many transactions must have been past authentication at
# once for a burst to count as concurrent (measured on 2 busy cores: 30 of 50, 16 of 16,
# 12 of 12; 1 when a token's last-use update queued the requests).
MIN_OVERLAP = 4


class TransactionOverlap:
    """Measure how many transactions were past token authentication at the same time."""

    def __init__(self, engine: Engine):
        self._lock = threading.Lock()
        self._started: dict[int, float] = {}
        self.intervals: list[tuple[float, float]] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _statement(self, conn, _cursor, statement, *_args) -> None:
        if "api_tokens" in statement or statement.startswith("BEGIN"):
            return
        with self._lock:
            self._started.setdefault(id(conn.connection.dbapi_connection), time.monotonic())

    def _end(self, conn) -> None:
        with self._lock:
            started = self._started.pop(id(conn.connection.dbapi_connection), None)
            if started is not None:
                self.intervals.append((started, time.monotonic()))

    @property
    def most_at_once(self) -> int:
        """The largest number of measured transactions open at one instant."""
        edges = sorted([(s, 1) for s, _ in self.intervals] + [(e, -1) for _, e in self.intervals],
                       key=lambda edge: (edge[0], edge[1]))
        open_now = most = 0
        for _, step in edges:
            open_now += step
            most = max(most, open_now)
        return most


@pytest.fixture(params=("sqlite", "postgresql"))
def committed_setup(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            load_reference_data(session)
            college = make_institution(session, code="KP-CONC-1")
            make_period(session, "2025")
            token = make_college_token(session, college)
            session.commit()
        yield request.param, url, engine, token, college
        engine.dispose()


@pytest.fixture
def cold_app(committed_setup):
    """The app on the committed database (its token never used) and an overlap meter."""
    _kind, url, _engine, _token, _college = committed_setup
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    yield app, TransactionOverlap(app.extensions["registry.engine"])
    app.extensions["registry.engine"].dispose()


@pytest.fixture
def burst_app(committed_setup, cold_app):
    """The app with its token used once, so no request of a burst updates `last_used_at`."""
    app, overlap = cold_app
    with app.test_client() as client:
        assert client.get("/api/v1/returns", headers=bearer(committed_setup[3])).status_code == 200
    overlap.intervals.clear()
    return app, overlap


def burst(app, requests: list[Callable]) -> list:
    """Send every request at once (threads released together) and return the responses."""
    start = threading.Barrier(len(requests))

    def send(request: Callable):
        start.wait()
        with app.test_client() as client:
            return request(client)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def statuses(responses: list) -> dict[int, int]:
    """How many responses had each status code."""
    return dict(Counter(r.status_code for r in responses))


def assert_overlapped(kind: str, overlap: TransactionOverlap) -> None:
    """On PostgreSQL the burst must really have run side by side."""
    print(f"{kind}: {overlap.most_at_once} of {len(overlap.intervals)} transactions "
          "past authentication at once")
    if kind == "postgresql":
        assert overlap.most_at_once >= MIN_OVERLAP, overlap.most_at_once


def stored_versions(engine) -> list[int]:
    with Session(engine) as session:
        return sorted(session.scalars(select(ReturnVersion.version)))


def test_fifty_simultaneous_versions_of_one_return_are_numbered_1_to_50(committed_setup,
                                                                       burst_app):
    kind, _url, engine, token, college = committed_setup
    app, overlap = burst_app
    payload = return_payload(college)

    def submit(n: int) -> Callable:
        body = {**payload, "capacity": {**payload["capacity"], "training_sessions": n}}
        return lambda client: client.post("/api/v1/returns", json=body, headers=bearer(token))

    responses = burst(app, [submit(n) for n in range(SUBMISSIONS)])

    assert statuses(responses) == {201: SUBMISSIONS}
    expected = list(range(1, SUBMISSIONS + 1))
    assert sorted(r.json["version"] for r in responses) == expected == stored_versions(engine)
    with Session(engine) as session:
        sent = sorted(v.payload["capacity"]["training_sessions"]
                      for v in session.scalars(select(ReturnVersion)))
        audited = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "return.submit")).all()
    assert sent == list(range(SUBMISSIONS))
    assert len(audited) == SUBMISSIONS
    assert_overlapped(kind, overlap)


def test_simultaneous_first_submissions_of_a_new_programme_register_it_once(committed_setup,
                                                                           burst_app):
    kind, _url, engine, token, college = committed_setup
    app, overlap = burst_app
    payload = return_payload(college, programme_code="PG-NEW")

    responses = burst(app, [
        lambda client: client.post("/api/v1/returns", json=payload, headers=bearer(token))
    ] * FIRST_SUBMISSIONS)

    assert statuses(responses) == {201: FIRST_SUBMISSIONS}
    assert stored_versions(engine) == list(range(1, FIRST_SUBMISSIONS + 1))
    with Session(engine) as session:
        programmes = session.scalars(select(Programme.code)).all()
        registered = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "programme.register")).all()
    assert programmes == ["PG-NEW"]
    assert len(registered) == 1
    assert_overlapped(kind, overlap)


def test_simultaneous_bulk_files_touching_one_return_continue_its_versions(committed_setup,
                                                                          burst_app):
    kind, _url, engine, token, college = committed_setup
    app, overlap = burst_app
    # each file: the shared return, then a return of its own programme
    files = [dump_returns_to_csv([return_payload(college, programme_code="PG-SHARED"),
                                  return_payload(college, programme_code=f"PG-OWN-{n}")])
             for n in range(BULK_UPLOADS)]

    def upload(data: bytes) -> Callable:
        return lambda client: client.post(
            "/api/v1/returns/bulk", headers=bearer(token),
            data={"file": (io.BytesIO(data), "returns.csv")}, content_type="multipart/form-data")

    responses = burst(app, [upload(data) for data in files])

    assert statuses(responses) == {201: BULK_UPLOADS}
    shared = sorted(r.json["stored"][0]["version"] for r in responses)
    assert shared == list(range(1, BULK_UPLOADS + 1))
    with Session(engine) as session:
        stored = sorted(session.scalars(
            select(ReturnVersion.version).join(ReturnVersion.return_)
            .join(Return.programme).where(Programme.code == "PG-SHARED")))
    assert stored == shared
    assert_overlapped(kind, overlap)


def test_a_burst_on_a_token_not_used_lately_is_not_queued_on_its_last_use(committed_setup,
                                                                         cold_app):
    kind, _url, engine, token, college = committed_setup
    app, overlap = cold_app
    payload = return_payload(college)

    responses = burst(app, [
        lambda client: client.post("/api/v1/returns", json=payload, headers=bearer(token))
    ] * FIRST_SUBMISSIONS)

    assert statuses(responses) == {201: FIRST_SUBMISSIONS}
    with Session(engine) as session:
        assert session.scalar(select(ApiToken.last_used_at)) is not None
    assert_overlapped(kind, overlap)


def _wait_for_a_lock_wait(engine: Engine, seconds: float = 20.0) -> None:
    """Return once some transaction of this database waits for a lock (PostgreSQL)."""
    deadline = time.monotonic() + seconds
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar_one()
            if waiting:
                return
            watcher.rollback()
            time.sleep(0.05)
    raise AssertionError("no transaction came to wait for the uncommitted return")


def test_a_file_whose_new_return_another_request_creates_meanwhile_counts_on_from_it(
        committed_setup):
    kind, _url, engine, _token, college = committed_setup
    if kind != "postgresql":
        pytest.skip("SQLite serialises writers: a file never misses a row another one creates")
    with Session(engine, expire_on_commit=False) as setup:
        officer = Actor.for_user(make_user(setup, "college", institution_id=college.id,
                                           university_id=college.university_id))
        submit_return(setup, officer, return_payload(college, "2025", programme_code="RACE"))
        later = make_period(setup, "2026")
        programme_id = setup.scalar(select(Programme.id).where(Programme.code == "RACE"))
        setup.commit()
    with Session(engine, expire_on_commit=False) as other, ThreadPoolExecutor(1) as pool:
        created = Return(institution_id=college.id, programme_id=programme_id,
                         period_id=later.id, latest_version=0)
        other.add(created)
        other.flush()  # the row exists, uncommitted, when the file looks for it

        def store_file():
            with Session(engine) as session:
                results = store_returns(session, officer, [
                    return_payload(college, "2026", programme_code="RACE")], source="csv")
                session.commit()
                return results

        stored = pool.submit(store_file)
        _wait_for_a_lock_wait(engine)  # the file's INSERT waits on the unique key
        other.commit()
        [result] = stored.result(timeout=60)
    assert (result.return_id, result.version) == (created.id, 1)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Return)
                              .where(Return.period_id == later.id)) == 1
