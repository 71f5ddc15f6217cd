"""Run deadline day (tests/load/deadline_day.py) against a prepared registry; print one table.

    .venv/bin/python tests/load/run.py [--variant embedded|production] [--users N]
                                       [--ramp SECONDS] [--hold SECONDS] [--json OUT]

Prepares the registry as the demo does (register, periods, returns of earlier periods and
the open one, quality checks, reviews, published releases), adds the day's people (two
officers per college with a token each, university reviewers, regulator analysts), serves
it, and runs locust headless from a separate process on loopback. While the load holds, a
provisional release of the open period is built. Then it waits for the quality pipeline
to check everything that arrived and compares the database with what locust saw accepted.

Variants: `embedded` is the default deployment (`registry run`, SQLite, pipelines
in-process); `production` is gunicorn on PostgreSQL with the pipelines in `airflow` mode
against a real Airflow (LocalExecutor), started as tests/production starts it.

Exits 1 on any 5xx or failed request, any accepted submission missing from the database
(or a version the database holds that nobody was told about), or any submission not
checked by the pipeline within 60 s of the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.db import make_engine, utcnow
from registry.demo.history import DEMO_PERIODS, programmes_of
from registry.models import Institution, ReturnStatus, ReturnVersion, University
from registry.services.accounts.accounts import create_user
from registry.services.accounts.actors import Actor
from registry.services.accounts.tokens import create_token
from tests.production.processes import Service, Stack, base_env, http, wait_until
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OPEN_PERIOD = DEMO_PERIODS[-1].code
CLOSED_PERIODS = [period.code for period in DEMO_PERIODS[:-1]]
PASSWORD = "deadline-day-password"
OFFICERS_PER_COLLEGE = 2
REVIEWERS = 20
ANALYSTS = 3
CHECK_DEADLINE_SECONDS = 60
ACTOR = Actor.system("load test")
REPORTS_FOR = "KP-MED-PUB-001"  # the scenario downloads no report: pre-render just one


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", choices=("embedded", "production"), default="embedded")
    parser.add_argument("--users", type=int, default=185 * OFFICERS_PER_COLLEGE + REVIEWERS
                        + ANALYSTS, help="simulated people (default: everyone, 393)")
    parser.add_argument("--ramp", type=int, default=300, help="seconds to reach all users")
    parser.add_argument("--hold", type=int, default=600, help="seconds at full load")
    parser.add_argument("--json", type=Path, help="also write the outcome as JSON here")
    parser.add_argument("--prepared", type=Path, help="embedded only: a prepared SQLite "
                        "database to start from (made there on the first run)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="deadline-") as folder:
        home = Path(folder)
        served = stack.enter_context(ServedRegistry(args.variant, home, args.prepared))
        people = add_people(served["database_url"])
        users_file = home / "users.json"
        users_file.write_text(json.dumps(people))
        started = utcnow()
        outcome = run_locust(served, home, users_file, args)
        outcome.update(check_database(served["database_url"], started, outcome["accepted"]))
        print_table(outcome, args)
        if args.json:
            args.json.write_text(json.dumps({"rows": bench_rows(outcome), "outcome": outcome},
                                            indent=2, default=str))
        return 0 if not outcome["failures_found"] else 1


class ServedRegistry:
    """Prepare the database as the demo does, then start the server (and Airflow)."""

    def __init__(self, variant: str, home: Path, prepared: Path | None = None):
        self.variant, self.home, self.running = variant, home, Stack()
        self.prepared = prepared
        self.databases = ExitStack()

    def __enter__(self) -> dict:
        if self.variant == "embedded":
            url = self._embedded_database()
        else:
            from tests.databases import fresh_postgres_database
            url = self.databases.enter_context(fresh_postgres_database())
            prepare(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        try:
            if self.variant == "embedded":
                env = base_env(DATABASE_URL=url, SECRET_KEY="load-" + "x" * 40)
                self.running.add(Service("registry", [str(BIN / "registry"), "run", "--host",
                                                      "127.0.0.1", "--port", str(port)],
                                         env, self.home / "registry.log"))
            else:
                base = self._start_production(url)
            wait_until(lambda: http("GET", f"{base}/healthz")[0] == 200, 180,
                       what="registry up")
        except Exception:
            print(self.running.logs())
            self.running.stop_all()
            raise
        return {"host": base, "database_url": url, "variant": self.variant,
                "env": {"DATABASE_URL": url}}

    def _embedded_database(self) -> str:
        path = self.home / "registry.sqlite3"
        if self.prepared is not None and self.prepared.exists():
            shutil.copyfile(self.prepared, path)
            return f"sqlite:///{path}"
        prepare(f"sqlite:///{path}")
        if self.prepared is not None:
            shutil.copyfile(path, self.prepared)
        return f"sqlite:///{path}"

    def _start_production(self, url: str) -> str:
        """gunicorn as docker/ runs it, and Airflow, as the production end-to-end test."""
        from tests.databases import fresh_postgres_database
        from tests.production import test_end_to_end as production

        airflow_port, port = free_port(), free_port()
        airflow = f"http://127.0.0.1:{airflow_port}"
        metadata = self.databases.enter_context(fresh_postgres_database())
        airflow_env = production.airflow_environment(self.home, metadata, url, airflow_port)
        subprocess.run(["airflow", "db", "migrate"], cwd=ROOT, env=airflow_env, check=True,
                       capture_output=True)
        for name, command in (("airflow-api-server", ["airflow", "api-server", "--port",
                                                      str(airflow_port), "--host", "127.0.0.1"]),
                              ("airflow-scheduler", ["airflow", "scheduler"]),
                              ("airflow-dag-processor", ["airflow", "dag-processor"])):
            self.running.add(Service(name, command, airflow_env, self.home / f"{name}.log"))
        env = base_env(DATABASE_URL=url, REGISTRY_ENV="production",
                       SECRET_KEY="load-" + "x" * 40, PIPELINE_MODE="airflow",
                       AIRFLOW_API_URL=airflow, AIRFLOW_USERNAME=production.AIRFLOW_USER,
                       AIRFLOW_PASSWORD=production.AIRFLOW_PASSWORD, HOST="127.0.0.1",
                       PORT=str(port))
        self.running.add(Service("registry", ["sh", "docker/entrypoint-registry.sh"], env,
                                 self.home / "registry.log"))
        wait_until(lambda: production.airflow_healthy(airflow), 240, what="Airflow healthy")
        wait_until(lambda: production.dags_parsed(airflow), 240, what="DAGs parsed")
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self.running.stop_all()
        self.databases.close()


def prepare(url: str) -> None:
    """The demo's steps: migrate, seed, check, review, publish the closed periods."""
    env = {**os.environ, "DATABASE_URL": url}
    steps = [["migrate"], ["seed-demo"], ["run-pipelines"], ["demo-review"],
             *(["build-release", "--period", period, "--publish", "--reports-for",
                REPORTS_FOR] for period in CLOSED_PERIODS)]
    for step in steps:
        print(f"prepare: registry {' '.join(step)}", flush=True)
        done = subprocess.run([str(BIN / "registry"), *step], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"registry {' '.join(step)} failed:\n{done.stdout[-3000:]}"
                             f"{done.stderr[-3000:]}")


def add_people(url: str) -> dict[str, list[dict]]:
    """Two officers per college (each with a token), reviewers and analysts."""
    engine = make_engine(url)
    people: dict[str, list[dict]] = {"college": [], "university": [], "regulator": []}
    with Session(engine) as session:
        colleges = list(session.scalars(select(Institution).order_by(Institution.code)))
        for college in colleges:
            for n in range(OFFICERS_PER_COLLEGE):
                user = create_user(session, ACTOR, email=f"officer{n}@{college.code}.load".lower(),
                                   name=f"Officer {n}", password=PASSWORD, role="college",
                                   institution_code=college.code)
                secret = create_token(session, ACTOR, user, "deadline day").secret
                people["college"].append({
                    "email": user.email, "password": PASSWORD, "token": secret,
                    "institution": college.code, "period": OPEN_PERIOD,
                    "programmes": [{"code": code, "level": level}
                                   for code, level in programmes_of(college)]})
        universities = list(session.scalars(select(University).order_by(University.code)))
        for n in range(REVIEWERS):
            university = universities[n % len(universities)]
            user = create_user(session, ACTOR, email=f"reviewer{n}@{university.code}.load"
                               .lower(), name=f"Reviewer {n}", password=PASSWORD,
                               role="university", university_code=university.code)
            people["university"].append({"email": user.email, "password": PASSWORD})
        for n in range(ANALYSTS):
            user = create_user(session, ACTOR, email=f"analyst{n}@pmdc.load", name=f"Analyst {n}",
                               password=PASSWORD, role="regulator")
            people["regulator"].append({"email": user.email, "password": PASSWORD})
        session.commit()
    engine.dispose()
    return people


def run_locust(served: dict, home: Path, users_file: Path, args) -> dict:
    """Locust headless in its own process; a provisional release built while it holds."""
    outcome_file, prefix = home / "outcome.json", home / "locust"
    env = {**os.environ, "LOAD_USERS": str(users_file), "LOAD_OUTCOME": str(outcome_file),
           "PYTHONPATH": str(ROOT)}
    rate = max(1.0, args.users / max(args.ramp, 1))
    command = [str(BIN / "locust"), "-f", str(ROOT / "tests/load/deadline_day.py"),
               "--headless", "--host", served["host"], "-u", str(args.users), "-r",
               f"{rate:.2f}", "-t", f"{args.ramp + args.hold}s", "--csv", str(prefix),
               "--only-summary", "--stop-timeout", "30"]
    release: dict = {}
    builder = threading.Timer(args.ramp + args.hold / 2, build_release,
                              args=(served, home, release))
    builder.start()
    print(f"load: {args.users} people, ramp {args.ramp} s, hold {args.hold} s", flush=True)
    try:
        finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        builder.cancel()  # stopped early (Ctrl-C, SIGTERM): no build after the run
    builder.join()
    if not outcome_file.exists():
        print(finished.stdout[-4000:], finished.stderr[-4000:])
        raise SystemExit("locust wrote no outcome")
    seen = json.loads(outcome_file.read_text())
    return {"tasks": read_stats(prefix), "errors": read_errors(prefix),
            "accepted": [tuple(pair) for pair in seen["accepted"]],
            "replays": seen["replays"], "release": release, "ended_at": utcnow()}


def build_release(served: dict, home: Path, release: dict) -> None:
    """The open period's provisional release, built while the load runs. Its Feedback
    Reports are pre-rendered for one college, as in `prepare`: every college's would take
    half an hour of this machine, long after the load stopped (the others are rendered
    when downloaded)."""
    env = {**os.environ, **served["env"]}
    began = time.monotonic()
    done = subprocess.run([str(BIN / "registry"), "build-release", "--period", OPEN_PERIOD,
                           "--kind", "provisional", "--reports-for", REPORTS_FOR], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    release.update(seconds=round(time.monotonic() - began, 1), exit=done.returncode,
                   output=(done.stdout + done.stderr).strip().splitlines()[-1:])


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return [{"task": row["Name"], "requests": int(row["Request Count"]),
                 "failures": int(row["Failure Count"]), "p50": row["50%"], "p95": row["95%"],
                 "p99": row["99%"]} for row in csv.DictReader(handle)]


def read_errors(prefix: Path) -> list[dict]:
    with open(f"{prefix}_failures.csv", newline="") as handle:
        return [{"task": row["Name"], "error": row["Error"], "count": int(row["Occurrences"])}
                for row in csv.DictReader(handle)]


def check_database(url: str, started, accepted: list[tuple[int, int]]) -> dict:
    """Versions stored since the start against the accepted ones; the pipeline's lag."""
    engine = make_engine(url)
    stored = set()
    with Session(engine) as session:
        rows = session.execute(select(ReturnVersion.return_id, ReturnVersion.version)
                               .where(ReturnVersion.received_at >= started)).all()
        stored = {(return_id, version) for return_id, version in rows}
        last_received = session.scalar(select(func.max(ReturnVersion.received_at))
                                       .where(ReturnVersion.received_at >= started))
    lag = wait_for_checks(engine, started)
    engine.dispose()
    accepted_set = set(accepted)
    return {"stored": len(stored), "accepted_count": len(accepted_set),
            "lost": sorted(accepted_set - stored), "unreported": sorted(stored - accepted_set),
            "last_received": last_received, **lag}


def wait_for_checks(engine, started) -> dict:
    """Seconds from the end until no latest version waits for the quality pipeline."""
    began = time.monotonic()
    while True:
        with Session(engine) as session:
            waiting = session.scalar(unchecked_latest(started))
        if not waiting or time.monotonic() - began > CHECK_DEADLINE_SECONDS:
            return {"unchecked": waiting, "check_lag_seconds": round(time.monotonic() - began, 1)}
        time.sleep(0.5)


def unchecked_latest(started):
    """Latest versions received in the run that are still waiting to be checked."""
    latest = (select(ReturnVersion.return_id, func.max(ReturnVersion.version).label("version"))
              .group_by(ReturnVersion.return_id).subquery())
    return (select(func.count()).select_from(ReturnVersion)
            .join(latest, (latest.c.return_id == ReturnVersion.return_id)
                  & (latest.c.version == ReturnVersion.version))
            .where(ReturnVersion.received_at >= started,
                   ReturnVersion.status == ReturnStatus.SUBMITTED))


def bench_rows(outcome: dict) -> list[dict]:
    """The run as rows of `make bench`'s table (targets in the reference column)."""
    rows = []
    for row in outcome["tasks"]:
        target = "< 300 ms" if row["task"] != "Aggregated" else ""
        rows.append({"figure": f"deadline day {row['task']} p95", "value": row["p95"],
                     "unit": "ms", "reference": target, "ratio": None})
        rows.append({"figure": f"deadline day {row['task']} p99", "value": row["p99"],
                     "unit": "ms", "reference": "< 1000 ms" if target else "", "ratio": None})
    return [
        *rows,
        {"figure": "deadline day failed requests", "unit": "requests", "reference": "0",
         "value": sum(error["count"] for error in outcome["errors"]), "ratio": None},
        {"figure": "deadline day versions stored / accepted", "unit": "versions",
         "value": f"{outcome['stored']} / {outcome['accepted_count']}", "reference": "equal",
         "ratio": None},
        {"figure": "deadline day pipeline lag after the end", "unit": "s",
         "value": outcome["check_lag_seconds"], "reference": "< 60 s", "ratio": None},
        {"figure": "deadline day provisional release built during the load", "unit": "s",
         "value": outcome["release"].get("seconds"), "ratio": None,
         "reference": "exit 0" if not outcome["release"].get("exit") else
         f"exit {outcome['release'].get('exit')}"},
    ]


def print_table(outcome: dict, args) -> None:
    failures = []
    print(f"\nDeadline day ({args.users} people, ramp {args.ramp} s, hold {args.hold} s)")
    print(f"{'task':<22}{'requests':>10}{'failures':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for row in outcome["tasks"]:
        print(f"{row['task']:<22}{row['requests']:>10}{row['failures']:>10}{row['p50']:>9}"
              f"{row['p95']:>9}{row['p99']:>9}")
    for error in outcome["errors"]:
        print(f"  failed: {error['task']}: {error['error']} ×{error['count']}")
        failures.append(f"{error['count']} failed {error['task']}")
    release = outcome["release"]
    print(f"submissions accepted {outcome['accepted_count']} (replays {outcome['replays']}), "
          f"versions stored {outcome['stored']}")
    print(f"checked by the pipeline: {outcome['unchecked'] or 0} still waiting "
          f"{outcome['check_lag_seconds']} s after the end")
    print(f"provisional release built during the load: {release.get('seconds')} s, "
          f"exit {release.get('exit')} {release.get('output')}")
    if outcome["lost"]:
        failures.append(f"{len(outcome['lost'])} accepted versions not stored")
    if outcome["unreported"]:
        failures.append(f"{len(outcome['unreported'])} versions stored but not acknowledged")
    if outcome["unchecked"]:
        failures.append(f"{outcome['unchecked']} submissions not checked within "
                        f"{CHECK_DEADLINE_SECONDS} s")
    if release.get("exit"):
        failures.append("the provisional release failed")
    outcome["failures_found"] = failures
    print("FAIL: " + "; ".join(failures) if failures else "PASS")


def stop_on_sigterm(_signal, _frame) -> None:
    """SIGTERM (a timeout, a CI stop) ends the run as Ctrl-C does: servers and Airflow
    stopped, temporary files and databases removed."""
    raise SystemExit(143)


if __name__ == "__main__":
    if shutil.which(str(BIN / "locust")) is None:
        raise SystemExit("locust is not installed: make install")
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    raise SystemExit(main())
