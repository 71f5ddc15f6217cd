"""Benchmark the dry run with its findings under gunicorn on PostgreSQL (target < 300 ms).

    .venv/bin/python tests/bench/bench_dry_run.py [--requests 40] [--json OUT]

The registry runs as production runs it (docker/entrypoint-registry.sh) on a fresh
PostgreSQL database holding a college, an open period and the previous period with the
college's return for the programme, so the previous-period rules have something to
compare with. POST /api/v1/returns/validate is sent one request at a time with a return
that draws within-return and previous-period findings; the table shows the median,
p95 and slowest answer. The reference beside it is the path the findings took before:
Great Expectations validating the same return as a one-row quality frame, in this
process (its first call imports GX).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy.orm import Session

from expectations import load_rules
from registry.db import make_engine
from registry.services.accounts.actors import Actor
from registry.services.quality.quality_checks import validate_frame
from registry.services.quality.quality_frame import build_frame
from registry.services.register.register import load_reference_data
from registry.services.submission.submissions import submit_return
from tests.databases import fresh_postgres_database
from tests.factories import make_college_token, make_institution, make_period, make_user
from tests.factories import return_payload as pilot_payload
from tests.production.processes import Service, base_env, http, wait_until
from tests.smtp import free_port

TARGET_MS = 300.0
WARM_UP = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


def seed(url: str) -> tuple[str, dict, dict]:
    """A college with a token, its previous-period return, and the return to dry-run."""
    engine = make_engine(url)
    with Session(engine) as session:
        load_reference_data(session)
        last = make_period(session, "2025", open_now=False)
        make_period(session, "2026")
        college = make_institution(session, code="KP-BENCH-DRY")
        token = make_college_token(session, college)
        officer = Actor.for_user(make_user(session, "college", institution_id=college.id))
        before = pilot_payload(college, "2025", "PG-PEER")
        submit_return(session, officer, before, source="bench",
                      now=last.opens_at + timedelta(days=1))
        session.commit()
        payload = pilot_payload(college, "2026", "PG-PEER",
                                capacity={"enrolled_mentees": 100, "eligible_mentees": 120,
                                          "active_mentors": 6, "mentors_trained": 6})
        payload["activity"]["contact_hours"] = "not_collected"
    engine.dispose()
    return token, payload, before


def dry_run_times(base: str, token: str, payload: dict, requests: int) -> tuple[list, list]:
    url = f"{base}/api/v1/returns/validate"
    for _ in range(WARM_UP):
        status, body = http("POST", url, payload, token)
        assert status == 200 and body["findings"], (status, body)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        status, body = http("POST", url, payload, token)
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, body
    return times, body["findings"]


def great_expectations_times(payload: dict, before: dict) -> tuple[float, float]:
    """The former path: one return as a one-row frame validated by GX (first, then steady)."""
    def once() -> float:
        start = time.perf_counter()
        frame = build_frame([_record(1, 1, payload)], [_record(2, 1, before)], load_rules())
        validate_frame(frame)
        return (time.perf_counter() - start) * 1000

    first = once()
    return first, statistics.median(once() for _ in range(5))


def _record(version_id: int, programme_id: int, payload: dict) -> dict:
    return {"version_id": version_id, "return_id": version_id, "institution_id": 1,
            "programme_id": programme_id, "institution_code": "KP-BENCH-DRY",
            "programme_code": "PG-PEER", "version_status": "submitted",
            "return_status": "submitted", "payload": payload}


def row(figure, value, unit, reference=None, ratio=None) -> dict:
    return {"figure": figure, "value": round(value, 3), "unit": unit,
            "reference": reference, "ratio": None if ratio is None else round(ratio, 3)}


def main() -> None:
    args = parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with fresh_postgres_database() as url:
        log = Path(tempfile.mkdtemp()) / "gunicorn.log"
        server = Service("registry", ["sh", "docker/entrypoint-registry.sh"], base_env(
            DATABASE_URL=url, REGISTRY_ENV="production", SECRET_KEY="bench-" + "x" * 40,
            PIPELINE_MODE="off", HOST="127.0.0.1", PORT=str(port)), log).start()
        try:
            wait_until(lambda: http("GET", f"{base}/healthz")[0] == 200, 60, what="gunicorn")
            token, payload, before = seed(url)
            times, findings = dry_run_times(base, token, payload, args.requests)
        finally:
            server.stop()
    gx_first, gx_steady = great_expectations_times(payload, before)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    median = statistics.median(times)
    rows = [
        row(f"dry run with findings, median of {len(times)} ({len(findings)} findings: "
            + ", ".join(sorted({f['rule_id'] for f in findings})) + ")", median, "ms",
            f"target < {TARGET_MS:.0f} ms; GX one-return validation {gx_steady:.0f} ms",
            median / TARGET_MS),
        row("dry run with findings, p95", p95, "ms", f"target < {TARGET_MS:.0f} ms",
            p95 / TARGET_MS),
        row("dry run with findings, slowest", ordered[-1], "ms"),
        row("former path: GX validation of the return as a one-row frame, first call "
            "(imports GX)", gx_first, "ms"),
        row("former path: GX validation of the return as a one-row frame, steady", gx_steady,
            "ms"),
    ]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"  ratio {r['ratio']}"
        print(f"{r['figure']:<60} {r['value']:>10} {r['unit']:<4} {r['reference'] or ''}{ratio}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows}, indent=2))


if __name__ == "__main__":
    main()
