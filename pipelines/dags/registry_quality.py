"""registry_quality: check the quality of pending returns (hourly safety net, or on trigger).

Trigger with conf {"period": "2025"} to check one period; without conf every period
with pending returns is checked. {"recheck": true} re-checks already checked returns.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from pipelines.assets import QUALITY_CHECKED
from pipelines.tasks import quality


@dag(
    dag_id="registry_quality",
    schedule=timedelta(hours=1),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["registry", "quality"],
)
def registry_quality():
    @task(outlets=[QUALITY_CHECKED])
    def check_returns(dag_run=None) -> dict:
        """Check the returns named by the run's conf (dag.test() leaks params between runs)."""
        return quality.check_quality(dag_run.conf)

    check_returns()


registry_quality()
