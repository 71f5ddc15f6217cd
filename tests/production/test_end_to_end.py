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

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.models import ReturnVersion
from registry.services.demo_returns import demo_payload
from registry.services.register import load_reference_data
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
    for code in stack["tokens"]:
        status, body = submit(stack, code)
        assert status == 201, body
    mark(f"{COLLEGES} returns submitted over HTTP (201 each)")
    wait_until(lambda: "submitted" not in statuses(stack).values(), 240, 2,
               "every return checked by registry_quality")
    mark("every return validated or flagged by the quality DAG in Airflow")
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


def print_timeline(start: float) -> None:
    print("\nEnd-to-end timeline (seconds from the first submission):")
    for moment, event in TIMELINE:
        print(f"  {moment - start:7.1f}  {event}")
