"""registry_benchmarks: build the next benchmark release of a period.

Trigger with conf {"period": "2025"} (optionally "kind": "provisional" | "final",
"publish": true); without a period, every period with returns gets its next release.
Then every college's Data Feedback Report of each release built is rendered and stored.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from pipelines.assets import RELEASE_BUILT
from pipelines.tasks import benchmarks


@dag(
    dag_id="registry_benchmarks",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=1)},
    tags=["registry", "benchmarks"],
)
def registry_benchmarks():
    @task(outlets=[RELEASE_BUILT])
    def build_release(dag_run=None) -> dict:
        """Build the release the run's conf asks for, as of the run's date; the run id makes
        a retry harmless."""
        as_of = dag_run.logical_date or dag_run.run_after
        return benchmarks.build_release(dag_run.conf, dag_run.run_id, as_of=as_of)

    @task
    def render_feedback_reports(built: dict, dag_run=None) -> dict:
        """Render each college's Data Feedback Report of the releases built, once (or only
        those of the colleges the conf lists as "report_colleges")."""
        as_of = dag_run.logical_date or dag_run.run_after
        return benchmarks.render_feedback_reports(
            built, as_of=as_of, colleges=(dag_run.conf or {}).get("report_colleges"))

    render_feedback_reports(build_release())


registry_benchmarks()
