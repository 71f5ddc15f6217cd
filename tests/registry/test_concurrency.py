"""50 concurrent submissions of one return: versions 1..50, none lost, none doubled.

This test needs committed rows visible to many connections, so it runs on a database
of its own instead of the per-test rolled-back transaction.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import AuditEvent, ReturnVersion
from registry.services.register import load_reference_data
from tests.conftest import require_postgres
from tests.databases import fresh_postgres_database, fresh_sqlite_database
from tests.factories import (
    bearer,
    make_college_token,
    make_institution,
    make_period,
    return_payload,
)

SUBMISSIONS = 50


@pytest.fixture(params=("sqlite", "postgresql"))
def committed_setup(request, tmp_path):
    if request.param == "postgresql":
        require_postgres()
        context = fresh_postgres_database()
    else:
        context = fresh_sqlite_database(tmp_path)
    with context as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            college = make_institution(session, code="KP-CONC-1")
            make_period(session, "2025")
            token = make_college_token(session, college)
            payload = return_payload(college)
            session.commit()
        yield url, engine, token, payload
        engine.dispose()


def test_concurrent_submissions_get_consecutive_versions(committed_setup):
    url, engine, token, payload = committed_setup
    app = create_app({"TESTING": True, "DATABASE_URL": url})

    def submit(n: int) -> int:
        body = {**payload, "capacity": {**payload["capacity"], "training_sessions": n}}
        with app.test_client() as client:
            response = client.post("/api/v1/returns", json=body, headers=bearer(token))
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.json["version"]

    with ThreadPoolExecutor(max_workers=SUBMISSIONS) as pool:
        answered = sorted(pool.map(submit, range(SUBMISSIONS)))

    with Session(engine) as session:
        stored = sorted(session.scalars(select(ReturnVersion.version)))
        sessions_sent = sorted(
            v.payload["capacity"]["training_sessions"]
            for v in session.scalars(select(ReturnVersion))
        )
        audited = len(session.scalars(
            select(AuditEvent).where(AuditEvent.action == "return.submit")).all())
    app.extensions["registry.engine"].dispose()
    expected = list(range(1, SUBMISSIONS + 1))
    assert answered == stored == expected
    assert sessions_sent == list(range(SUBMISSIONS))
    assert audited == SUBMISSIONS
