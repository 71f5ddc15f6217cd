"""Hand new submissions to the quality pipeline once their transaction has committed.

`notify_submitted` only notes the period on the session; when the session's outermost
transaction commits, the periods are dispatched by PIPELINE_MODE:

- `inprocess` (embedded default): the DAG's task function runs in a background thread
  with its own session, so results appear seconds after the response;
- `airflow`: POST a run of the `registry_quality` DAG to Airflow's REST API, unless a run
  of the period is already queued (the DAG runs one at a time, so a queued run starts
  after this commit and sees the submission: a deadline-day burst queues one run, not
  one per return); if Airflow cannot be reached the return simply stays `submitted` and
  the hourly scheduled run picks it up (nothing is lost, the submission never fails
  because of it);
- `off`: nothing (tests, or a deployment that only relies on the schedule).

A rolled-back transaction dispatches nothing. The settings reach the session through
the app's sessionmaker (`init_app`), so this module never reads Flask's globals.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

if TYPE_CHECKING:
    from flask import Flask

DAG_ID = "registry_quality"
SETTINGS_KEY = "registry.pipeline.settings"
PENDING_KEY = "registry.pipeline.periods"

logger = logging.getLogger("registry.pipeline")


@dataclass(frozen=True)
class TriggerSettings:
    """How committed submissions reach the quality pipeline."""

    mode: str
    database_url: str
    airflow_url: str = ""
    username: str = ""
    password: str = ""
    timeout: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping) -> TriggerSettings:
        return cls(mode=config["PIPELINE_MODE"], database_url=config["DATABASE_URL"],
                   airflow_url=config.get("AIRFLOW_API_URL", "").rstrip("/"),
                   username=config.get("AIRFLOW_USERNAME", ""),
                   password=config.get("AIRFLOW_PASSWORD", ""),
                   timeout=float(config.get("AIRFLOW_TIMEOUT", 5.0)))


def init_app(app: Flask) -> None:
    """Give every session of the app the trigger settings."""
    settings = TriggerSettings.from_config(app.config)
    app.extensions["registry.sessionmaker"].configure(info={SETTINGS_KEY: settings})


def notify_submitted(session: Session, period_code: str) -> None:
    """Ask for a quality run of the period once the session's transaction commits."""
    if SETTINGS_KEY not in session.info:
        return
    pending = session.info.get(PENDING_KEY)
    if pending is None:
        pending = session.info[PENDING_KEY] = set()
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_soft_rollback)
    pending.add(period_code)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released; the outer transaction may still roll back
    pending = session.info[PENDING_KEY]
    periods = sorted(pending)
    pending.clear()
    if periods:
        dispatch(session.info[SETTINGS_KEY], periods)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info[PENDING_KEY].clear()


def dispatch(settings: TriggerSettings, periods: list[str]) -> None:
    """Start the pipeline for these periods the way the settings say."""
    if settings.mode == "inprocess":
        for period in periods:
            _submit_once(("inprocess", period), run_inprocess, settings.database_url, period)
    elif settings.mode == "airflow":
        for period in periods:
            _submit(trigger_airflow, settings, period)


def run_inprocess(database_url: str, period: str) -> None:
    """Run the DAG's task function here, in its own session; log, never raise."""
    from pipelines.tasks.quality import run_quality_checks

    try:
        run_quality_checks(database_url, period)
    except Exception:
        logger.exception("in-process quality run for period %s failed; the return stays "
                         "submitted until the next run", period)


def trigger_airflow(settings: TriggerSettings, period: str) -> bool:
    """Ask for a registry_quality run of the period (conf {"period": …}) unless one is queued.

    False when Airflow is unreachable.
    """
    runs = f"{settings.airflow_url}/api/v2/dags/{DAG_ID}/dagRuns"
    try:
        token = _request_json("POST", f"{settings.airflow_url}/auth/token",
                              {"username": settings.username, "password": settings.password},
                              settings.timeout)["access_token"]
        queued = _request_json("GET", f"{runs}?state=queued&limit=100", None,
                               settings.timeout, token)["dag_runs"]
        if any((run.get("conf") or {}).get("period") == period for run in queued):
            logger.info("a queued %s run of period %s will check this submission", DAG_ID,
                        period)
            return True
        _request_json("POST", runs, {"logical_date": None, "conf": {"period": period}},
                      settings.timeout, token)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("Airflow at %s could not start %s for period %s (%s); the returns stay "
                       "submitted and the scheduled run will check them", settings.airflow_url,
                       DAG_ID, period, exc)
        return False
    logger.info("Airflow run of %s requested for period %s", DAG_ID, period)
    return True


def _request_json(method: str, url: str, body: dict | None, timeout: float,
                  token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


class _Dispatcher:
    """One background worker: runs queue up instead of competing for the database."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.futures: set[Future] = set()
        self.queued: set[tuple] = set()

    def submit(self, key: tuple | None, function: Callable, *args) -> None:
        with self.lock:
            if key is not None and key in self.queued:
                return  # the queued run will see this submission too
            if self.executor is None:
                self.executor = ThreadPoolExecutor(max_workers=1,
                                                   thread_name_prefix="registry-pipeline")
            if key is not None:
                self.queued.add(key)
            future = self.executor.submit(self._run, key, function, *args)
            self.futures.add(future)
            future.add_done_callback(self.futures.discard)

    def _run(self, key: tuple | None, function: Callable, *args):
        with self.lock:
            self.queued.discard(key)
        return function(*args)

    def wait(self, timeout: float | None) -> bool:
        with self.lock:
            futures = list(self.futures)
        return not wait(futures, timeout).not_done


_dispatcher = _Dispatcher()


def _submit(function: Callable, *args) -> None:
    _dispatcher.submit(None, function, *args)


def _submit_once(key: tuple, function: Callable, *args) -> None:
    _dispatcher.submit(key, function, *args)


def wait_for_pipelines(timeout: float | None = 60) -> bool:
    """Wait for dispatched work to finish (tests, graceful shutdown); True when all done."""
    return _dispatcher.wait(timeout)
