"""Start the pipelines from the app: quality runs after submissions, and release builds.

`registry.services.submission.pipeline_trigger.notify_submitted` notes a submission's period on the
session; when the session's outermost transaction commits, the periods come here
(`init_app` puts `dispatch` with the app's settings on every session) and are dispatched
by PIPELINE_MODE:

- `inprocess` (embedded default): the DAG's task function runs in a background thread
  with its own session, so results appear seconds after the response;
- `airflow`: POST a run of the `registry_quality` DAG to Airflow's REST API, unless a run
  of the period is already queued (the DAG runs one at a time, so a queued run starts
  after this commit and sees the submission: a deadline-day burst queues one run, not
  one per return); if Airflow cannot be reached the return simply stays `submitted` and
  the hourly scheduled run picks it up (nothing is lost, the submission never fails
  because of it);
- `off`: nothing (tests, or a deployment that only relies on the schedule).

A rolled-back transaction dispatches nothing. A release build asked for on a page runs
the registry_benchmarks task's own code: in-process in the request (its session, its
commit) unless PIPELINE_MODE is `airflow`, where Airflow runs it under the same run id.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING

from registry.services.errors import Conflict
from registry.services.submission.pipeline_trigger import DISPATCH_KEY

if TYPE_CHECKING:
    from datetime import datetime

    from flask import Flask
    from sqlalchemy.orm import Session

    from registry.config import ReleaseSettings
    from registry.services.accounts.actors import Actor

DAG_ID = "registry_quality"
RELEASE_DAG_ID = "registry_benchmarks"

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
    """Let every session of the app hand its committed submissions to `dispatch`."""
    settings = TriggerSettings.from_config(app.config)
    app.extensions["registry.sessionmaker"].configure(
        info={DISPATCH_KEY: functools.partial(dispatch, settings)})


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
    try:
        token = _airflow_token(settings)
        if _queued_for(settings, token, period):
            logger.info("a queued %s run of period %s will check this submission", DAG_ID,
                        period)
            return True
        _trigger_dag(settings, DAG_ID, {"conf": {"period": period}}, token)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("Airflow at %s could not start %s for period %s (%s); the returns stay "
                       "submitted and the scheduled run will check them", settings.airflow_url,
                       DAG_ID, period, exc)
        return False
    logger.info("Airflow run of %s requested for period %s", DAG_ID, period)
    return True


def request_release(session: Session, actor: Actor, trigger: TriggerSettings,
                    settings: ReleaseSettings, conf: dict, run_id: str, *,
                    as_of: datetime, languages: Sequence[str] = ()) -> dict | None:
    """Run registry_benchmarks for `conf` under `run_id`: the same id gives one release.

    In `airflow` mode Airflow runs it (a run id it already has is refused, so asking twice
    starts one run) and None comes back; otherwise the task's code runs here, in the
    caller's session, and its result comes back (the caller commits); a release it
    publishes has the default views' charts drawn in `languages` and stored.
    """
    if trigger.mode == "airflow":
        try:
            _trigger_dag(trigger, RELEASE_DAG_ID, {"dag_run_id": run_id, "conf": conf})
        except (OSError, ValueError, KeyError) as exc:
            raise Conflict(f"Airflow at {trigger.airflow_url} could not start the build "
                           f"({exc}); try again when it is up.") from exc
        return None
    from pipelines.tasks.benchmarks import build_releases

    return build_releases(session, actor, settings, conf, run_id, as_of=as_of,
                          languages=languages)


def _airflow_token(settings: TriggerSettings) -> str:
    return _request_json("POST", f"{settings.airflow_url}/auth/token",
                         {"username": settings.username, "password": settings.password},
                         settings.timeout)["access_token"]


def _queued_for(settings: TriggerSettings, token: str, period: str) -> bool:
    """Whether a registry_quality run of the period waits to start."""
    runs = _request_json("GET", f"{settings.airflow_url}/api/v2/dags/{DAG_ID}/dagRuns"
                                "?state=queued&limit=100", None, settings.timeout, token)
    return any((run.get("conf") or {}).get("period") == period for run in runs["dag_runs"])


def _trigger_dag(settings: TriggerSettings, dag_id: str, body: dict,
                 token: str | None = None) -> None:
    """POST a run of the DAG; a run id Airflow already has (409) counts as started."""
    try:
        _request_json("POST", f"{settings.airflow_url}/api/v2/dags/{dag_id}/dagRuns",
                      {"logical_date": None, **body}, settings.timeout,
                      token or _airflow_token(settings))
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise


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
