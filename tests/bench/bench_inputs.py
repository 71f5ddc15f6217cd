"""Benchmark hostile bodies at the size limit: time to the 4xx against a valid return's dry run.

A plain script, not collected by pytest:

    .venv/bin/python tests/bench/bench_inputs.py [--json OUT] [--repeat N]

Each worst case is a body at its size limit (MAX_JSON_BYTES, 1 MiB, for JSON; 5 MiB,
MAX_CONTENT_LENGTH, for a file) built to make validation work as hard as it can (one
huge number, a code list of ~90,000 codes, ~130,000 repeated keys, a string ending in a
lone surrogate, a CSV of thousands of rows), sent to
the dry run in-process through Flask's test client; the reference is the dry run of one
valid return in the same run. Target: every worst case answered in well under a second.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from registry import create_app  # noqa: E402
from registry.api.bodies import MAX_JSON_BYTES  # noqa: E402
from registry.db import make_engine  # noqa: E402
from registry.migrate import upgrade  # noqa: E402
from registry.services.register.register import load_reference_data  # noqa: E402
from schemas.tabular.write import dump_returns_to_csv  # noqa: E402
from tests.factories import make_institution, make_period, make_user_token, return_payload  # noqa: E402

LIMIT = MAX_JSON_BYTES - 1024
FILE_LIMIT = 5 * 1024 * 1024 - 64 * 1024
TARGET_S = 1.0


def seed(url: str) -> tuple[str, dict]:
    """A college with a token and an open period; the token's secret and a valid return."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_reference_data(session)
        college = make_institution(session)
        period = make_period(session, "2025")
        secret = make_user_token(session, "college", institution_id=college.id)
        payload = return_payload(college, period.code)
        session.commit()
    engine.dispose()
    return secret, payload


def worst_cases(payload: dict) -> dict[str, tuple[str, bytes]]:
    """Bodies of about LIMIT bytes, each aimed at one part of validation."""
    text = json.dumps(payload)
    marker = '"enrolled_mentees": '
    digits = text.replace(marker, marker + "9" * (LIMIT - len(text) - 100) + ", \"x\": ", 1)
    codes = dict(payload, programme=dict(payload["programme"],
                                         disciplines=["medicine"] * (LIMIT // 13)))
    repeated = "{" + ", ".join(['"a": 1'] * (LIMIT // 8)) + "}"
    surrogate = dict(payload, programme=dict(payload["programme"],
                                             name="x" * (LIMIT - 2000) + "\udc80"))
    rows = dump_returns_to_csv([payload]).decode("utf-8-sig").splitlines()
    csv_body = "\n".join([rows[0]] + [rows[1]] * (FILE_LIMIT // len(rows[1]) - 1)).encode()
    return {
        "a number of ~1 million digits": ("json", digits.encode()),
        "a code list of ~90,000 codes": ("json", json.dumps(codes).encode()),
        "~130,000 repeated keys": ("json", repeated.encode()),
        "a 1 MiB string ending in a lone surrogate": ("json", json.dumps(surrogate).encode()),
        "a CSV of one return repeated to 5 MiB (bulk upload)": ("csv", csv_body),
    }


def time_once(client, secret: str, kind: str, body: bytes) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {secret}"}
    started = time.perf_counter()
    if kind == "csv":
        response = client.post("/api/v1/returns/bulk", headers=headers,
                               data={"file": (io.BytesIO(body), "returns.csv")},
                               content_type="multipart/form-data")
    else:
        response = client.post("/api/v1/returns/validate", data=body, headers=headers,
                               content_type="application/json")
    return time.perf_counter() - started, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-inputs-')}/bench.sqlite3"
    secret, payload = seed(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "PIPELINE_MODE": "off", "MAX_CONTENT_LENGTH": 5 * 1024 * 1024})
    client = app.test_client()
    valid = json.dumps(payload).encode()
    reference = min(time_once(client, secret, "json", valid)[0] for _ in range(20))
    rows = [{"figure": "dry run of one valid return (best of 20)",
             "value": round(reference * 1000, 2), "unit": "ms", "reference": "–",
             "ratio": None}]
    for name, (kind, body) in worst_cases(payload).items():
        results = [time_once(client, secret, kind, body) for _ in range(args.repeat)]
        worst = max(seconds for seconds, _ in results)
        statuses = sorted({status for _, status in results})
        rows.append({"figure": f"{name} ({len(body) / 1048576:.1f} MiB) → "
                               f"{'/'.join(map(str, statuses))}, slowest of {args.repeat}",
                     "value": round(worst, 3), "unit": "s", "reference": TARGET_S,
                     "ratio": round(worst / TARGET_S, 3)})
    for row in rows:
        print(f"{row['figure']}: {row['value']} {row['unit']}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows}, indent=2))


if __name__ == "__main__":
    main()
