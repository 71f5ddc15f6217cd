"""registry_indicators: compute indicator values of new return versions.

Runs after each quality check (asset), or on trigger with conf {"period": "2025"}.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from pipelines.assets import INDICATORS_COMPUTED, QUALITY_CHECKED
from pipelines.tasks import benchmarks


@dag(
    dag_id="registry_indicators",
    schedule=[QUALITY_CHECKED],
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["registry", "indicators"],
)
def registry_indicators():
    @task(outlets=[INDICATORS_COMPUTED])
    def compute_indicators(dag_run=None) -> dict:
        """Compute the indicator values the run's conf asks for."""
        return benchmarks.compute_indicators(dag_run.conf)

    compute_indicators()


registry_indicators()
