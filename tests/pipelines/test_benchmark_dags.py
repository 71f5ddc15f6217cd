"""The registry_benchmarks DAG runs through Airflow (dag.test).

Each module's registry database is committed (the tasks open their own engine from
DATABASE_URL), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines import embedded
from registry import create_app
from registry.config import ReleaseSettings
from registry.db import make_engine
from registry.migrate import upgrade
from registry.models import (
    FeedbackReport,
    InstitutionFigures,
    Release,
    StoredChart,
)
from registry.services.register.register import load_reference_data
from tests.conftest import fresh_database
from tests.registry.benchmark_data import closed_period, seven_colleges


@pytest.fixture(scope="module", params=("sqlite", "postgresql"))
def benchmark_url(request, tmp_path_factory):
    """Seven colleges with validated returns for a closed period, committed."""
    with fresh_database(request.param, tmp_path_factory.mktemp("benchmarks")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            seven_colleges(session, closed_period(session, "2024"))
            session.commit()
        engine.dispose()
        yield url


REVISION_WINDOW_DAYS = ReleaseSettings().revision_window_days


def count(url: str, query):
    engine = make_engine(url)
    with Session(engine) as session:
        found = session.scalar(query)
    engine.dispose()
    return found


def releases(url: str) -> list[tuple[int, str, str, bool]]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = [(r.number, r.kind, r.checksum_sha256, r.publication is not None)
                 for r in session.scalars(select(Release).order_by(Release.number))]
    engine.dispose()
    return found


def test_the_benchmarks_dag_builds_identical_releases_from_identical_inputs(
        benchmark_url, airflow_metadata):
    env = {"DATABASE_URL": benchmark_url}
    before = releases(benchmark_url)
    conf = {"period": "2024", "publish": True}
    assert embedded.run_dag("registry_benchmarks", conf, env) == "success"
    assert embedded.run_dag("registry_benchmarks", conf, env) == "success"
    first, second = releases(benchmark_url)[len(before):]
    assert first[1] == second[1] == "provisional" and first[3] and second[3]
    assert first[2] == second[2]  # byte-identical CSV: same checksum


def test_a_publishing_run_stores_the_default_views_charts_in_each_language(benchmark_url,
                                                                          airflow_metadata):
    env = {"DATABASE_URL": benchmark_url, "LANGUAGES": "en,ur"}
    conf = {"period": "2024", "publish": True}
    assert embedded.run_dag("registry_benchmarks", conf, env) == "success"
    engine = make_engine(benchmark_url)
    with Session(engine) as session:
        stored = session.execute(select(StoredChart.language, func.count())
                                 .group_by(StoredChart.language)).all()
        assert dict(stored).keys() == {"en", "ur"} and min(n for _, n in stored) >= 6
        assert all(svg.startswith("<svg") for svg in session.scalars(select(StoredChart.svg)))
        urdu = session.scalars(select(StoredChart.svg).where(StoredChart.language == "ur"))
        assert all(re.search("[\u0600-\u06ff]", svg) for svg in urdu)  # drawn in Urdu
    engine.dispose()


def test_the_benchmarks_dag_stores_each_colleges_feedback_report(benchmark_url,
                                                                  airflow_metadata):
    env = {"DATABASE_URL": benchmark_url}
    assert embedded.run_dag("registry_benchmarks", {"period": "2024"}, env) == "success"
    number = releases(benchmark_url)[-1][0]
    engine = make_engine(benchmark_url)
    with Session(engine) as session:
        release = session.scalar(select(Release).where(Release.number == number))
        colleges = session.scalar(select(func.count()).select_from(InstitutionFigures)
                                  .where(InstitutionFigures.release_id == release.id))
        stored = session.scalars(select(FeedbackReport)
                                 .where(FeedbackReport.release_id == release.id)).all()
        assert colleges == 7 and len(stored) == colleges
        assert all(r.pdf.startswith(b"%PDF-") and r.rendered_by == "pipeline:registry_benchmarks"
                   and hashlib.sha256(r.pdf).hexdigest() == r.checksum_sha256 for r in stored)
    engine.dispose()


def test_the_cli_builds_a_release_through_the_dag(benchmark_url, airflow_metadata):
    app = create_app({"TESTING": True, "DATABASE_URL": benchmark_url, "SECRET_KEY": "test"})
    try:
        result = app.test_cli_runner().invoke(args=["registry", "build-release", "--period",
                                                    "2024"])
    finally:
        app.extensions["registry.engine"].dispose()
    assert result.exit_code == 0, result.output
    assert "registry_benchmarks: success" in result.output
    assert "provisional 2024, not published" in result.output
    assert "7 feedback reports" in result.output


def cli(url: str, *args: str):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"})
    try:
        return app.test_cli_runner().invoke(args=["registry", *args])
    finally:
        app.extensions["registry.engine"].dispose()


def test_the_cli_pre_renders_the_reports_of_the_colleges_asked_for(benchmark_url,
                                                                     airflow_metadata):
    result = cli(benchmark_url, "build-release", "--period", "2024", "--reports-for",
                 "KP-BEN-0")
    assert result.exit_code == 0, result.output
    assert "1 feedback reports" in result.output


def test_the_cli_refuses_reports_for_an_unknown_college(benchmark_url, airflow_metadata):
    result = cli(benchmark_url, "build-release", "--period", "2024", "--reports-for", "XX-1")
    assert result.exit_code != 0 and "No institution with code 'XX-1'" in result.output


def test_the_benchmarks_dag_decides_final_by_the_runs_date_not_the_clock(
        benchmark_url, airflow_metadata):
    """Runs last in this module: a final release closes the period to further builds."""
    env = {"DATABASE_URL": benchmark_url}
    conf = {"period": "2024"}
    first_built = built_at(benchmark_url)
    within_window = first_built + timedelta(days=1)
    assert embedded.run_dag("registry_benchmarks", conf, env, within_window) == "success"
    assert releases(benchmark_url)[-1][1] == "provisional"
    after_window = first_built + timedelta(days=REVISION_WINDOW_DAYS + 1)
    assert embedded.run_dag("registry_benchmarks", conf, env, after_window) == "success"
    assert releases(benchmark_url)[-1][1] == "final"


def built_at(url: str):
    engine = make_engine(url)
    with Session(engine) as session:
        found = session.scalar(select(Release.built_at).order_by(Release.number).limit(1))
    engine.dispose()
    return found if found.tzinfo else found.replace(tzinfo=UTC)
