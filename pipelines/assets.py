"""Assets the DAGs produce and consume (imported by DAG files only: it imports Airflow)."""

from airflow.sdk import Asset

QUALITY_CHECKED = Asset(name="registry_quality_checked", uri="registry://quality/checked")
RELEASE_BUILT = Asset(name="registry_release_built", uri="registry://benchmarks/release")
