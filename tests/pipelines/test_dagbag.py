"""Every DAG file imports cleanly; the quality DAG is an hourly safety net, one run at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipelines.embedded import DAGS_FOLDER


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "registry_quality" in dagbag.dags


def test_the_dags_folder_holds_only_dag_files(dagbag):
    files_with_dags = {dag.fileloc for dag in dagbag.dags.values()}
    assert {str(path) for path in DAGS_FOLDER.glob("*.py")} == files_with_dags


def test_registry_quality_runs_hourly_one_run_at_a_time(dagbag):
    dag = dagbag.dags["registry_quality"]
    assert dag.schedule == timedelta(hours=1)
    assert dag.max_active_runs == 1 and dag.catchup is False
    [task] = dag.tasks
    assert task.task_id == "check_returns"
    assert [asset.name for asset in task.outlets] == ["registry_quality_checked"]
