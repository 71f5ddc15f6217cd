"""Benchmark submissions under gunicorn on PostgreSQL, with /healthz as the reference.

    .venv/bin/python tests/bench/bench_api.py [--seconds 6] [--json OUT]

The registry runs as production runs it (docker/entrypoint-registry.sh: migrate, then
gunicorn) on a fresh PostgreSQL database; the load comes from wrk, a separate process on
loopback, at 1, 8 and 32 connections. Each submission is a real return (a new version
of the same return each time). A 500-return XLSX upload is timed too.

This machine is shared and noisy, and /healthz alone can swing by half between two runs
a minute apart. So, after a short warm-up of both endpoints, each client count is measured
in three rounds of /healthz immediately followed by submissions; each round gives its own
ratio, and the table shows the medians (the rounds' ratios and p99s beside them).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.demo.history import demo_payload
from registry.services.register.register import load_reference_data
from schemas.tabular.write import dump_returns_to_xlsx
from tests.databases import fresh_postgres_database
from tests.factories import make_college_token, make_institution, make_period
from tests.production.processes import Service, base_env, http, wait_until
from tests.smtp import free_port

CONCURRENCY = (1, 8, 32)
ROUNDS = 3  # /healthz then submissions, three times over at each client count
WARM_UP_SECONDS = 2
COLLEGES = 32
WRK_POST = """
local requests = {{}}
local n = 0
{requests}
request = function()
  n = n % #requests + 1
  return requests[n]
end
"""
WRK_REQUEST = """table.insert(requests, wrk.format("POST", nil, {{
  ["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}},
  [==[{body}]==]))"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


def seed(url: str) -> tuple[dict[str, str], list[dict]]:
    """32 colleges with a token each; each benchmark request is one college's return."""
    engine = make_engine(url)
    with Session(engine) as session:
        load_reference_data(session)
        make_period(session, "2026")
        tokens = {}
        for n in range(COLLEGES):
            college = make_institution(session, code=f"KP-BENCH-{n:03d}")
            tokens[college.code] = make_college_token(session, college)
        session.commit()
    engine.dispose()
    bulk = [demo_payload("KP-BENCH-000", f"BULK-{n:03d}", "undergraduate", "2026", 1)
            for n in range(500)]
    return tokens, bulk


def post_script(tokens: dict[str, str]) -> str:
    """A wrk script cycling through every college's own return (each a new version)."""
    requests = "\n".join(
        WRK_REQUEST.format(token=token, body=json.dumps(
            demo_payload(code, "UG-MENTOR", "undergraduate", "2026", 1)))
        for code, token in tokens.items())
    return WRK_POST.format(requests=requests)


def wrk(url: str, connections: int, seconds: int, script: Path | None) -> dict:
    command = ["wrk", "--latency", f"-t{min(connections, 2)}", f"-c{connections}",
               f"-d{seconds}s", url]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M)}
    if len(latency) != 2:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": latency["50"], "p99": latency["99"],
            "non2xx": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def upload_seconds(base: str, token: str, data: bytes) -> tuple[float, int]:
    boundary = "benchboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"returns.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base}/api/v1/returns/bulk", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}",
                 "Content-Type": f"multipart/form-data; boundary={boundary}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        status = response.status
    return time.perf_counter() - start, status


def row(figure, value, unit, reference=None, ratio=None) -> dict:
    return {"figure": figure, "value": round(value, 3), "unit": unit,
            "reference": reference, "ratio": None if ratio is None else round(ratio, 3)}


def measure(base: str, tokens: dict[str, str], bulk: list[dict], seconds: int) -> list:
    folder = Path(tempfile.mkdtemp())
    script = folder / "post.lua"
    script.write_text(post_script(tokens))
    token = tokens["KP-BENCH-000"]
    for url, warm_script in ((f"{base}/healthz", None), (f"{base}/api/v1/returns", script)):
        wrk(url, 8, WARM_UP_SECONDS, warm_script)  # every worker warm before anything counts
    rows = []
    for connections in CONCURRENCY:
        health, submit = [], []
        for _ in range(ROUNDS):
            health.append(wrk(f"{base}/healthz", connections, seconds, None))
            submit.append(wrk(f"{base}/api/v1/returns", connections, seconds, script))
            assert submit[-1]["non2xx"] == 0, submit[-1]
        rows += _rows(connections, health, submit)
    took, status = upload_seconds(base, token, dump_returns_to_xlsx(bulk))
    assert status == 201, status
    rows.append(row("500-return XLSX upload accepted", took, "s", "target < 10 s"))
    shutil.rmtree(folder)
    return rows


def _rows(connections: int, health: list[dict], submit: list[dict]) -> list[dict]:
    """Medians over the rounds; the ratio is the median of each round's own ratio (its
    submissions against the /healthz run just before them)."""
    ratios = [s["rps"] / h["rps"] for h, s in zip(health, submit, strict=True)]
    spread = "rounds " + " / ".join(f"{r:.3f}" for r in ratios)
    h, s = _medians(health), _medians(submit)
    return [
        row(f"submissions/s at {connections} clients", s["rps"], "req/s",
            f"/healthz {h['rps']:.0f} req/s; {spread}", statistics.median(ratios)),
        row(f"submission p50 at {connections} clients", s["p50"], "ms",
            f"/healthz p50 {h['p50']:.1f} ms"),
        row(f"submission p99 at {connections} clients", s["p99"], "ms",
            f"/healthz p99 {h['p99']:.1f} ms; rounds "
            + " / ".join(f"{r['p99']:.0f}" for r in submit) + "; target < 100 ms"),
    ]


def _medians(runs: list[dict]) -> dict[str, float]:
    return {name: statistics.median(run[name] for run in runs) for name in ("rps", "p50", "p99")}


def main() -> None:
    args = parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with fresh_postgres_database() as url:
        log = Path(tempfile.mkdtemp()) / "gunicorn.log"
        # Workers and threads as docker/gunicorn.conf.py sets them for this machine's cores.
        server = Service("registry", ["sh", "docker/entrypoint-registry.sh"], base_env(
            DATABASE_URL=url, REGISTRY_ENV="production", SECRET_KEY="bench-" + "x" * 40,
            PIPELINE_MODE="off", HOST="127.0.0.1", PORT=str(port),
            MAX_CONTENT_LENGTH=str(20 * 1024 * 1024)), log).start()
        try:
            wait_until(lambda: http("GET", f"{base}/healthz")[0] == 200, 60, what="gunicorn")
            tokens, bulk = seed(url)
            rows = measure(base, tokens, bulk, args.seconds)
        finally:
            server.stop()
    for r in rows:
        ratio = "" if r["ratio"] is None else f"  ratio {r['ratio']}"
        print(f"{r['figure']:<40} {r['value']:>10} {r['unit']:<6} {r['reference'] or ''}{ratio}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows}, indent=2))


if __name__ == "__main__":
    main()
