"""registry_publication: publish, on time, the releases the regulator confirmed for the end of
their preview (hourly).

A release is published once: a re-run, or a run that finds nothing due, changes nothing.
Trigger with conf {"now": "<ISO time>"} to act as of another moment.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from pipelines.tasks import benchmarks


@dag(
    dag_id="registry_publication",
    schedule=timedelta(hours=1),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["registry", "benchmarks"],
)
def registry_publication():
    @task
    def publish_due_releases(dag_run=None) -> dict:
        """Publish every release whose confirmed publication time has come by the run."""
        return benchmarks.publish_due_releases(dag_run.conf, dag_run.run_after)

    publish_due_releases()


registry_publication()
