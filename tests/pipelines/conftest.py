"""Fixtures for Airflow tests: Airflow's metadata once per session, committed registry data."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from registry.migrate import upgrade
from tests.conftest import fresh_database
from tests.pipelines.builders import seed_two_periods

if os.environ["AIRFLOW_HOME"] == os.path.join(tempfile.gettempdir(),
                                              f"registry-airflow-{os.getpid()}"):
    atexit.register(shutil.rmtree, os.environ["AIRFLOW_HOME"], ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_metadata():
    """Airflow's own tables (SQLite in the per-run AIRFLOW_HOME), created once."""
    from airflow.utils import db

    db.resetdb()


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def seeded_url(request, tmp_path_factory):
    """A registry database of its own per module, committed: the DAG's task opens its own."""
    with fresh_database(request.param, tmp_path_factory.mktemp("registry")) as url:
        upgrade(url)
        seed_two_periods(url)
        yield url
