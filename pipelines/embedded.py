"""Run DAGs in-process through Airflow's own dag.test(): the embedded default, no scheduler."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Any

DAGS_FOLDER = Path(__file__).parent / "dags"


def configure_airflow(home: Path) -> None:
    """Point Airflow at a home folder and this package's DAGs, unless already configured."""
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))


def ensure_metadata_database() -> None:
    """Create or upgrade Airflow's own metadata tables (SQLite under AIRFLOW_HOME by default)."""
    from airflow.utils.db import initdb

    initdb()


def load_dag(dag_id: str):
    """Parse the DAGs folder and return one DAG; import errors fail loudly."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.dags[dag_id]


def run_dag(dag_id: str, conf: Mapping[str, Any], env: Mapping[str, str],
            logical_date: datetime | None = None) -> str:
    """Run a DAG once with dag.test(), with `env` set for its tasks; return the run's state.

    Without a logical date the run is dated now, as a manual trigger is.
    """
    with _environment(env):
        run = load_dag(dag_id).test(run_conf=dict(conf), logical_date=logical_date)
    return str(run.state)


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send all that the block writes to stdout and stderr to a file (appended).

    Airflow logs every step of a dag.test() run (hundreds of lines for the demo); its
    loggers may hold the process's own streams, so the file descriptors are redirected
    too, and restored afterwards.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "a", encoding="utf-8") as log, redirect_stdout(log), redirect_stderr(log):
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            log.flush()
            for descriptor, original in zip((1, 2), saved, strict=True):
                os.dup2(original, descriptor)
                os.close(original)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for a block and restore them afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
