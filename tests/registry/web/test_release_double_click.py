"""Two posts of one build form at the same moment make one release.

The database is committed and each request has its own connection, as under gunicorn: on
PostgreSQL both requests build, and the second one's insert meets the first's run id.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import Release
from registry.services.register.register import load_reference_data
from tests.conftest import fresh_database
from tests.factories import TEST_PASSWORD, make_user
from tests.registry.benchmark_data import closed_period, seven_colleges


@pytest.fixture(params=("sqlite", "postgresql"))
def committed(request, tmp_path):
    """A committed database with a closed period's returns, and a regulator's email."""
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            seven_colleges(session, closed_period(session, "2024"))
            email = make_user(session, "regulator").email
            session.commit()
        engine.dispose()
        yield url, email


def logged_in_client(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def test_two_posts_of_one_build_form_at_once_make_one_release(committed):
    url, email = committed
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False})
    clients = [logged_in_client(app, email) for _ in range(2)]
    page = clients[0].get("/regulator/releases").get_data(as_text=True)
    [build_id] = re.findall(r'name="build_id" value="([0-9a-f]+)"', page)
    form = {"action": "build", "period": "2024", "build_id": build_id}
    together = threading.Barrier(2)

    def post(client) -> int:
        together.wait()
        return client.post("/regulator/releases", data=form).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(post, clients))
    engine = app.extensions["registry.engine"]
    with Session(engine) as session:
        releases = session.scalar(select(func.count()).select_from(Release))
    engine.dispose()
    assert (codes, releases) == ([302, 302], 1)
