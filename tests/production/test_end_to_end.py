"""Production path, end to end, with real processes on loopback.

PostgreSQL (the machine's server) holds the registry's data and Airflow's metadata;
the registry runs under gunicorn through docker/entrypoint-registry.sh (the image's own
entrypoint); Airflow runs its api-server, scheduler and dag-processor with the
LocalExecutor. The registry hands each submission to Airflow through its REST API.

LocalExecutor rather than Celery: the compose recipe runs Celery workers on Redis, but
on this 2-core machine a Celery worker beside PostgreSQL, gunicorn and three Airflow
processes only adds a broker hop and ~0.5 GB without exercising anything of ours that
the LocalExecutor does not (the task code and the REST trigger are the same).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.demo.history import demo_payload
from registry.models import (
    AuditEvent,
    BenchmarkCell,
    InstitutionFigures,
    Release,
    ReleasePublication,
    ReturnVersion,
)
from registry.services.register.register import load_reference_data
from tests.conftest import require_postgres
from tests.databases import fresh_postgres_database
from tests.factories import make_college_token, make_institution, make_period
from tests.production.processes import ROOT, Service, Stack, base_env, http, wait_until
from tests.smtp import free_port

PERIOD = "2026"
COLLEGES = 12
AIRFLOW_USER, AIRFLOW_PASSWORD = "registry", "e2e-airflow-password"
TIMELINE: list[tuple[float, str]] = []


def mark(event: str) -> None:
    TIMELINE.append((time.monotonic(), event))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """PostgreSQL databases, gunicorn and Airflow started; all stopped whatever happens."""
    require_postgres()
    if shutil.which("pg_ctlcluster") is None:
        pytest.skip("needs the machine's PostgreSQL cluster tools")
    home = tmp_path_factory.mktemp("production")
    running = Stack()
    with fresh_postgres_database() as registry_url, fresh_postgres_database() as airflow_url:
        try:
            context = start_stack(running, home, registry_url, airflow_url)
            yield context
        except Exception:
            print(running.logs())
            raise
        finally:
            running.stop_all()


def start_stack(running: Stack, home: Path, registry_url: str, airflow_url: str) -> dict:
    mark("start")
    airflow_port, registry_port = free_port(), free_port()
    airflow = f"http://127.0.0.1:{airflow_port}"
    airflow_env = airflow_environment(home, airflow_url, registry_url, airflow_port)
    subprocess.run(["airflow", "db", "migrate"], cwd=ROOT, env=airflow_env, check=True,
                   capture_output=True)
    for name, command in (("airflow-api-server", ["airflow", "api-server", "--port",
                                                  str(airflow_port), "--host", "127.0.0.1"]),
                          ("airflow-scheduler", ["airflow", "scheduler"]),
                          ("airflow-dag-processor", ["airflow", "dag-processor"])):
        running.add(Service(name, command, airflow_env, home / f"{name}.log"))
    registry_env = base_env(
        DATABASE_URL=registry_url, REGISTRY_ENV="production", SECRET_KEY="e2e-" + "x" * 40,
        PIPELINE_MODE="airflow", AIRFLOW_API_URL=airflow, AIRFLOW_USERNAME=AIRFLOW_USER,
        AIRFLOW_PASSWORD=AIRFLOW_PASSWORD, HOST="127.0.0.1", PORT=str(registry_port),
        WEB_CONCURRENCY="2", GUNICORN_THREADS="4")
    running.add(Service("registry", ["sh", "docker/entrypoint-registry.sh"], registry_env,
                        home / "registry.log"))
    registry = f"http://127.0.0.1:{registry_port}"
    wait_until(lambda: http("GET", f"{registry}/healthz")[0] == 200, 180, what="registry up")
    mark("registry healthy under gunicorn")
    tokens = seed(registry_url)
    wait_until(lambda: airflow_healthy(airflow), 240, what="Airflow healthy")
    wait_until(lambda: dags_parsed(airflow), 240, what="DAGs parsed")
    mark("Airflow healthy, DAGs parsed")
    return {"registry": registry, "airflow": airflow, "registry_url": registry_url,
            "tokens": tokens, "running": running}


def airflow_environment(home: Path, metadata_url: str, registry_url: str, port: int) -> dict:
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({AIRFLOW_USER: AIRFLOW_PASSWORD}))
    return base_env(
        AIRFLOW_HOME=str(home / "airflow"),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=metadata_url,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC=metadata_url,
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "pipelines" / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=f"{AIRFLOW_USER}:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
        AIRFLOW__API_AUTH__JWT_SECRET="e2e-jwt-secret-" + "y" * 32,
        AIRFLOW__API__SECRET_KEY="e2e-api-secret",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        DATABASE_URL=registry_url,
    )


def seed(registry_url: str) -> dict[str, str]:
    """The register's reference data, colleges with tokens, and an open period."""
    engine = make_engine(registry_url)
    with Session(engine) as session:
        load_reference_data(session)
        make_period(session, PERIOD)
        tokens = {}
        for n in range(COLLEGES):
            college = make_institution(session, code=f"KP-E2E-{n:03d}",
                                       sector="public" if n % 2 else "private")
            tokens[college.code] = make_college_token(session, college)
        session.commit()
    engine.dispose()
    return tokens


def airflow_token(airflow: str) -> str:
    status, body = http("POST", f"{airflow}/auth/token",
                        {"username": AIRFLOW_USER, "password": AIRFLOW_PASSWORD})
    assert status in (200, 201), body
    return body["access_token"]


def airflow_healthy(airflow: str) -> bool:
    status, body = http("GET", f"{airflow}/api/v2/monitor/health")
    return status == 200 and body["scheduler"]["status"] == "healthy"


def dags_parsed(airflow: str) -> bool:
    status, body = http("GET", f"{airflow}/api/v2/dags", token=airflow_token(airflow))
    return status == 200 and {"registry_quality", "registry_benchmarks"} <= {
        d["dag_id"] for d in body["dags"]}


def submit(stack: dict, code: str, programme: str = "UG-MENTOR") -> tuple[int, object]:
    payload = demo_payload(code, programme, "undergraduate", PERIOD, 1)
    return http("POST", f"{stack['registry']}/api/v1/returns", payload, stack["tokens"][code])


def statuses(stack: dict) -> dict[str, str]:
    token = next(iter(stack["tokens"].values()))
    found = {}
    for code, secret in stack["tokens"].items():
        _, body = http("GET", f"{stack['registry']}/api/v1/returns?period={PERIOD}", token=secret)
        found.update({f"{code}/{r['programme']}": r["status"] for r in body["items"]})
    assert token
    return found


def trigger(stack: dict, dag_id: str, conf: dict) -> str:
    status, body = http("POST", f"{stack['airflow']}/api/v2/dags/{dag_id}/dagRuns",
                        {"logical_date": None, "conf": conf}, airflow_token(stack["airflow"]))
    assert status == 200, body
    return body["dag_run_id"]


def try_trigger(stack: dict, dag_id: str, conf: dict) -> str | None:
    """Trigger a run, or None while Airflow cannot take it yet."""
    try:
        return trigger(stack, dag_id, conf)
    except (AssertionError, KeyError, TypeError):
        return None


def run_state(stack: dict, dag_id: str, run_id: str) -> str:
    _, body = http("GET", f"{stack['airflow']}/api/v2/dags/{dag_id}/dagRuns/{run_id}",
                   token=airflow_token(stack["airflow"]))
    return body["state"]


def test_submissions_are_validated_through_airflow_and_a_release_is_published(stack):
    start = time.monotonic()
    runs_before = quality_runs(stack)
    for code in stack["tokens"]:
        status, body = submit(stack, code)
        assert status == 201, body
    mark(f"{COLLEGES} returns submitted over HTTP (201 each)")
    wait_until(lambda: "submitted" not in statuses(stack).values(), 240, 2,
               "every return checked by registry_quality")
    runs = quality_runs(stack) - runs_before
    mark(f"every return validated or flagged by the quality DAG in Airflow ({runs} runs)")
    assert 1 <= runs < COLLEGES  # a burst joins the run already queued for its period
    assert set(statuses(stack).values()) <= {"validated", "needs_attention", "rejected"}
    assert "validated" in statuses(stack).values()

    run_id = trigger(stack, "registry_benchmarks", {"period": PERIOD, "publish": True})
    wait_until(lambda: run_state(stack, "registry_benchmarks", run_id) == "success", 240, 2,
               "registry_benchmarks run succeeded")
    mark("release built and published by the benchmarks DAG")
    status, releases = http("GET", f"{stack['registry']}/api/v1/releases")
    assert status == 200 and releases["total"] >= 1
    release = releases["items"][0]
    status, export = http("GET", f"{stack['registry']}/api/v1/releases/{release['id']}"
                                 "/export.json")
    assert status == 200
    mark("release read back over HTTP")
    print_timeline(start)
    assert export


def quality_runs(stack: dict) -> int:
    _, body = http("GET", f"{stack['airflow']}/api/v2/dags/registry_quality/dagRuns?limit=1",
                   token=airflow_token(stack["airflow"]))
    return body["total_entries"]


def no_active_runs(stack: dict, dag_id: str) -> bool:
    _, body = http("GET", f"{stack['airflow']}/api/v2/dags/{dag_id}/dagRuns"
                          "?state=queued&state=running", token=airflow_token(stack["airflow"]))
    return body["total_entries"] == 0


def test_a_return_sent_while_airflow_is_down_is_kept_and_processed_later(stack):
    wait_until(lambda: no_active_runs(stack, "registry_quality"), 300, 2,
               "earlier quality runs finished")
    api = stack["running"].services["airflow-api-server"]
    api.stop()
    code = next(iter(stack["tokens"]))
    status, body = submit(stack, code, programme="PG-LATE")
    assert status == 201, body
    time.sleep(2)
    assert statuses(stack)[f"{code}/PG-LATE"] == "submitted"
    api.start()
    wait_until(lambda: airflow_healthy(stack["airflow"]), 120, what="Airflow back")
    # what the hourly safety-net run does; the api-server may still be warming up
    wait_until(lambda: try_trigger(stack, "registry_quality", {}), 120, 2, "a quality run")
    wait_until(lambda: statuses(stack)[f"{code}/PG-LATE"] != "submitted", 300, 2,
               "the late return checked")
    mark("return sent while Airflow was down: kept, then checked after Airflow returned")


def print_timeline(start: float) -> None:
    print("\nEnd-to-end timeline (seconds from the first submission):")
    for moment, event in TIMELINE:
        print(f"  {moment - start:7.1f}  {event}")


def test_a_worker_killed_during_a_release_keeps_the_previous_one_and_the_retry_publishes(stack):
    """SIGKILL the task mid-release; the previous release stays, Airflow's retry publishes."""
    start = time.monotonic()
    try:
        previous = ensure_published_release(stack)
    except TimeoutError:
        print(stack["running"].logs())
        raise
    mark(f"release {previous['number']} published and current ({previous['checksum_sha256'][:12]})")
    engine = make_engine(stack["registry_url"])
    try:
        before = release_rows(engine)
        run_id, killed = kill_release_mid_transaction(stack, engine)
        # PostgreSQL rolls the dropped connection's transaction back; nothing of it remains.
        wait_until(lambda: not backends(engine, killed), 60, 0.2, "the killed task's backend gone")
        assert release_rows(engine) == before
        assert current_release(stack) == previous
        assert_release_intact(stack, previous)
        mark("previous release untouched and still current over HTTP; no trace of the build")
    finally:
        engine.dispose()

    failed = wait_until(lambda: task_instance(stack, run_id, state="up_for_retry"), 120, 0.5,
                        "the killed try marked up_for_retry")
    mark(f"Airflow marked try {failed['try_number']} up_for_retry")
    wait_until(lambda: run_state(stack, "registry_benchmarks", run_id) == "success", 300, 2,
               "the retried run succeeded")
    retried = task_instance(stack, run_id)
    mark(f"retry (try {retried['try_number']}) succeeded")

    new = current_release(stack)
    assert retried["try_number"] == failed["try_number"] + 1
    assert new["number"] == previous["number"] + 1 and new["published"]
    assert new["pipeline_run_id"] == f"{run_id}:{PERIOD}"
    assert_release_intact(stack, new)
    assert_release_intact(stack, previous)
    engine = make_engine(stack["registry_url"])
    try:
        after = release_rows(engine)
    finally:
        engine.dispose()
    assert after["releases"] == before["releases"] + 1
    assert after["publications"] == before["publications"] + 1
    assert after["builds_audited"] == before["builds_audited"] + 1
    mark(f"release {new['number']} published by the retry ({new['checksum_sha256'][:12]}); "
         f"release {previous['number']} unchanged")
    print_timeline(start)


def kill_release_mid_transaction(stack: dict, engine) -> tuple[str, list[int]]:
    """Trigger a release, SIGKILL its task once it has written and waits to publish.

    The test holds an exclusive lock on release_publications, so the task stops at its
    first touch of that table: after inserting the release, its cells and results, before
    publishing and committing; the worst moment to lose a worker. Returns the run id and
    the killed process's client ports.
    """
    before = release_rows(engine)
    with engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE release_publications IN ACCESS EXCLUSIVE MODE"))
        run_id = trigger(stack, "registry_benchmarks", {"period": PERIOD, "publish": True})
        mark("registry_benchmarks triggered over Airflow's REST API")
        ti = wait_until(lambda: task_instance(stack, run_id, state="running"), 180, 0.5,
                        "build_release running")
        task = wait_until(lambda: task_process(stack, ti["id"]), 60, 0.1,
                          "the task's process under the scheduler")
        mark(f"task running (try {ti['try_number']}, pid {task.pid})")
        backend = wait_until(lambda: waiting_on_lock(engine, task), 180, 0.2,
                             "the task's release transaction waiting to publish")
        written = tables_written(blocker, backend["pid"])
        assert {"releases", "benchmark_cells", "institution_figures"} <= written, written
        assert release_rows(blocker) == before  # its uncommitted rows are invisible
        task.kill()
        task.wait(10)
        mark(f"task SIGKILLed {backend['age']:.1f} s into its transaction, having written "
             f"{', '.join(sorted(written))} and waiting on: {backend['query'][:40]}…")
        blocker.rollback()
    return run_id, [backend["port"]]


def ensure_published_release(stack: dict) -> dict:
    """Returns validated and a release published, whichever earlier tests left undone."""
    if not statuses(stack):
        for code in stack["tokens"]:
            status, body = submit(stack, code)
            assert status == 201, body
    wait_until(lambda: "submitted" not in statuses(stack).values(), 300, 2,
               "every return checked by registry_quality")
    wait_until(lambda: no_active_runs(stack, "registry_benchmarks"), 300, 2,
               "earlier benchmark runs finished")
    if current_release(stack) is None:
        run_id = trigger(stack, "registry_benchmarks", {"period": PERIOD, "publish": True})
        wait_until(lambda: run_state(stack, "registry_benchmarks", run_id) == "success", 240,
                   2, "the first release published")
    return current_release(stack)


def current_release(stack: dict) -> dict | None:
    """The newest published release, as the public sees it over HTTP."""
    status, body = http("GET", f"{stack['registry']}/api/v1/releases")
    assert status == 200, body
    return body["items"][0] if body["items"] else None


def assert_release_intact(stack: dict, release: dict) -> None:
    """Its export still hashes to its checksum, and its detail still says so."""
    url = f"{stack['registry']}/api/v1/releases/{release['id']}/export.csv"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert hashlib.sha256(response.read()).hexdigest() == release["checksum_sha256"]
    status, detail = http("GET", f"{stack['registry']}/api/v1/releases/{release['id']}")
    assert status == 200 and detail["checksum_sha256"] == release["checksum_sha256"]


def release_rows(bind) -> dict[str, int]:
    """Counts of every table a release build writes (through an engine or a connection)."""
    with Session(bind) as session:
        counts = {name: session.scalar(select(func.count()).select_from(model))
                  for name, model in (("releases", Release),
                                      ("publications", ReleasePublication),
                                      ("cells", BenchmarkCell),
                                      ("institution_figures", InstitutionFigures))}
        counts["builds_audited"] = session.scalar(
            select(func.count()).select_from(AuditEvent)
            .where(AuditEvent.action == "release.build"))
    return counts


def task_instance(stack: dict, run_id: str, state: str | None = None) -> dict | None:
    """build_release's task instance in the run (None until it is in `state`, if given)."""
    status, body = http("GET", f"{stack['airflow']}/api/v2/dags/registry_benchmarks/dagRuns/"
                               f"{run_id}/taskInstances/build_release",
                        token=airflow_token(stack["airflow"]))
    if status != 200 or (state is not None and body.get("state") != state):
        return None
    return body


def task_process(stack: dict, ti_id: str) -> psutil.Process | None:
    """The LocalExecutor's task process for a task instance (titled 'airflow worker -- id')."""
    scheduler = psutil.Process(stack["running"].services["airflow-scheduler"].process.pid)
    for child in scheduler.children(recursive=True):
        try:
            if " ".join(child.cmdline()).strip().endswith(f"-- {ti_id}"):
                return child
        except psutil.Error:
            continue
    return None


def waiting_on_lock(engine, process: psutil.Process) -> dict | None:
    """The process's registry backend if it waits on a lock: its pid, port, age and query."""
    try:
        ports = [c.laddr.port for c in process.net_connections("tcp") if c.raddr]
    except psutil.NoSuchProcess:
        raise AssertionError("the release task ended before it could be interrupted") from None
    return next((row for row in backends(engine, ports) if row["wait"] == "Lock"), None)


def backends(engine, ports) -> list[dict]:
    """Registry database backends serving these client ports."""
    if not ports:
        return []
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT pid, client_port AS port, wait_event_type AS wait, query, "
            "coalesce(extract(epoch FROM now() - xact_start), 0)::float AS age "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND client_port = ANY(:ports)"),
            {"ports": list(ports)}).mappings().all()
    return [dict(row) for row in rows]


def tables_written(connection, pid: int) -> set[str]:
    """The tables a backend's open transaction has written to (it holds RowExclusiveLock)."""
    return set(connection.scalars(text(
        "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = :pid AND l.granted AND l.mode = 'RowExclusiveLock' "
        "AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"), {"pid": pid}))


# Last in the module on purpose: restarting PostgreSQL can end Airflow's scheduler (it exits
# when its database connection dies, as a supervisor would then restart it), and the load
# leaves hundreds of returns for the quality DAG; the tests above need neither.
def test_postgresql_restart_under_load_fails_cleanly_and_recovers(stack):
    outcomes: list[tuple[int, object]] = []
    stop = threading.Event()
    codes = list(stack["tokens"])

    def load() -> None:
        n = 0
        while not stop.is_set() and n < 400:
            code = codes[n % len(codes)]
            try:
                outcomes.append(submit(stack, code, programme=f"LOAD-{n % 3}"))
            except OSError as exc:
                outcomes.append((0, str(exc)))
            n += 1

    worker = threading.Thread(target=load)
    worker.start()
    time.sleep(2)
    cluster = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                   check=True, capture_output=True)
    time.sleep(4)
    stop.set()
    worker.join(60)
    wait_until(lambda: http("GET", f"{stack['registry']}/healthz")[0] == 200, 60,
               what="registry healthy after the restart")
    status, body = submit(stack, codes[0], programme="AFTER-RESTART")
    assert status == 201, body
    accepted = sum(1 for status, _ in outcomes if status == 201)
    refused = [(s, b) for s, b in outcomes if s != 201]
    assert accepted > 0
    assert all(s == 503 and b["error"]["code"] == "database_unavailable"
               for s, b in refused if s), refused[:3]
    engine = make_engine(stack["registry_url"])
    with Session(engine) as session:
        load_versions = session.scalar(select(func.count()).select_from(ReturnVersion)
                                       .where(ReturnVersion.source == "api",
                                              ReturnVersion.payload["header"]["programme_code"]
                                              .as_string().like("LOAD-%")))
    engine.dispose()
    print(f"\nPostgreSQL restart under load: {len(outcomes)} requests, {accepted} stored "
          f"(201), {len(refused)} refused cleanly "
          f"({sorted({s for s, _ in refused})}); versions in the database: {load_versions}")
    assert load_versions == accepted
