"""Benchmark submissions under gunicorn on PostgreSQL, with /healthz as the reference.

    .venv/bin/python tests/bench/bench_api.py [--seconds 6] [--json OUT]

The registry runs as production runs it (docker/entrypoint-registry.sh: migrate, then
gunicorn) on a fresh PostgreSQL database; the load comes from wrk, a separate process on
loopback, at 1, 8 and 32 connections. Each submission is a real return (a new version
of the same return each time). A 500-return XLSX upload is timed too.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy.orm import Session

from registry.db import make_engine
from registry.services.demo_returns import demo_payload
from registry.services.register import load_reference_data
from schemas.tabular import dump_returns_to_xlsx
from tests.databases import fresh_postgres_database
from tests.factories import make_college_token, make_institution, make_period
from tests.production.processes import Service, base_env, http, wait_until
from tests.smtp import free_port

CONCURRENCY = (1, 8, 32)
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
    parser.add_argument("--seconds", type=int, default=6)
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
    rows = []
    for connections in CONCURRENCY:
        health = wrk(f"{base}/healthz", connections, seconds, None)
        submit = wrk(f"{base}/api/v1/returns", connections, seconds, script)
        assert submit["non2xx"] == 0, submit
        rows += [
            row(f"submissions/s at {connections} clients", submit["rps"], "req/s",
                f"/healthz {health['rps']:.0f} req/s", submit["rps"] / health["rps"]),
            row(f"submission p50 at {connections} clients", submit["p50"], "ms",
                f"/healthz p50 {health['p50']:.1f} ms"),
            row(f"submission p99 at {connections} clients", submit["p99"], "ms",
                f"/healthz p99 {health['p99']:.1f} ms; target < 100 ms"),
        ]
    took, status = upload_seconds(base, token, dump_returns_to_xlsx(bulk))
    assert status == 201, status
    rows.append(row("500-return XLSX upload accepted", took, "s", "target < 10 s"))
    shutil.rmtree(folder)
    return rows


def main() -> None:
    args = parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with fresh_postgres_database() as url:
        log = Path(tempfile.mkdtemp()) / "gunicorn.log"
        # Workers as docker/.env.example sets them, threads as docker/gunicorn.conf.py does.
        server = Service("registry", ["sh", "docker/entrypoint-registry.sh"], base_env(
            DATABASE_URL=url, REGISTRY_ENV="production", SECRET_KEY="bench-" + "x" * 40,
            PIPELINE_MODE="off", HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="5",
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
