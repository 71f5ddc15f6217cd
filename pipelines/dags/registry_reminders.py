"""registry_reminders: deadline reminders, overdue notices and weekly summaries (daily).

Each message has an event key, so re-running a day (or the whole DAG) sends nothing twice.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from pipelines.tasks import reminders


@dag(
    dag_id="registry_reminders",
    schedule=timedelta(days=1),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["registry", "reminders"],
)
def registry_reminders():
    @task
    def send_reminders(dag_run=None) -> dict:
        """Plan the messages due at the run's moment and e-mail every unsent one."""
        return reminders.send_reminders(dag_run.conf, dag_run.run_after)

    send_reminders()


registry_reminders()
