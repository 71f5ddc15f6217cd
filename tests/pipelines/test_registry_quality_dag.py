"""The registry_quality DAG run through Airflow itself (dag.test) on SQLite and PostgreSQL.

The task opens its own engine from DATABASE_URL, so each module's database is committed
and shared by its tests; each test states what it expects regardless of test order.
"""

from __future__ import annotations

from pipelines import embedded
from registry import create_app
from tests.pipelines.builders import EXPECTED_2025, all_statuses, issues, statuses


def run_dag(url: str, conf: dict) -> str:
    return embedded.run_dag("registry_quality", conf, {"DATABASE_URL": url})


def test_a_run_for_one_period_checks_its_returns_and_leaves_other_periods(
        seeded_url, airflow_metadata):
    before_2024 = statuses(seeded_url, "2024")
    assert run_dag(seeded_url, {"period": "2025"}) == "success"
    assert statuses(seeded_url, "2025") == {
        code: status for code, (status, _) in EXPECTED_2025.items()}
    assert statuses(seeded_url, "2024") == before_2024
    found = {(code, rule, field) for _, code, period, rule, field, _ in issues(seeded_url)
             if period == "2025"}
    assert found == {(code, rule, field) for code, (_, expected) in EXPECTED_2025.items()
                     for rule, field in expected}


def test_a_second_run_adds_no_duplicate_issues(seeded_url, airflow_metadata):
    assert run_dag(seeded_url, {"period": "2025"}) == "success"
    first = issues(seeded_url)
    assert run_dag(seeded_url, {"period": "2025", "recheck": True}) == "success"
    assert issues(seeded_url) == first
    assert len({(code, period, rule, field) for _, code, period, rule, field, _ in first}) \
        == len(first)


def test_a_run_without_conf_checks_every_period_with_pending_returns(
        seeded_url, airflow_metadata):
    assert run_dag(seeded_url, {}) == "success"
    assert "submitted" not in all_statuses(seeded_url)


def invoke_cli(url: str, *args: str):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"})
    try:
        return app.test_cli_runner().invoke(args=["registry", *args])
    finally:
        app.extensions["registry.engine"].dispose()


def test_the_cli_runs_the_dag_in_process_and_summarises_statuses(seeded_url, airflow_metadata):
    result = invoke_cli(seeded_url, "run-pipelines", "--period", "2025")
    assert result.exit_code == 0, result.output
    assert "registry_quality: success" in result.output
    assert "2025: 2 needs_attention, 1 rejected, 1 validated" in result.output


def test_the_cli_refuses_an_unknown_period(seeded_url):
    result = invoke_cli(seeded_url, "run-pipelines", "--period", "1999")
    assert result.exit_code != 0
    assert "No reporting period '1999'" in result.output
