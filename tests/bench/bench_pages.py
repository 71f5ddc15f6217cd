"""Benchmark: render time of the public benchmarks page and a college's comparison page.

Run: .venv/bin/python tests/bench/bench_pages.py [--json OUT] [--requests 200]

Seeds a SQLite database with the 185-college register and 10 periods of published
releases (computed from synthetic returns, stored as the pipeline stores them), then
renders each page many times through the app (database reads and templates included)
and reports p50 / p95. Target: p95 under 150 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import make_engine
from registry.indicators.catalogue import CATALOGUE
from registry.indicators.compute import (
    InstitutionInfo,
    ReleaseInputs,
    ReturnUnit,
    Settings,
    compute_release,
)
from registry.migrate import upgrade
from registry.models import Institution, Period, User
from registry.services.actors import Actor
from registry.services.register import load_register, synthetic_register
from registry.services.releases import Build, ReleaseSettings, publish_release, store_release
from schemas.examples import synthetic_return

PERIODS = 10
TARGET_MS = 150.0
SYSTEM = Actor.system("bench")


def seed(url: str) -> str:
    """The register, 10 periods with a published release each, and a college user."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_register(session, synthetic_register(), SYSTEM)
        colleges = list(session.scalars(select(Institution).order_by(Institution.code)))
        for k in range(PERIODS):
            period = _period(session, 2016 + k)
            content = compute_release(_inputs(period.code, colleges), Settings())
            release = store_release(session, SYSTEM, period, ReleaseSettings(), content,
                                    Build("provisional", f"bench-{period.code}",
                                          period.closes_at))
            publish_release(session, SYSTEM, release)
        user = User(email="bench@college.example", name="Bench", password_hash="!",
                    role="college", institution_id=colleges[0].id,
                    university_id=colleges[0].university_id)
        session.add(user)
        session.commit()
        user_id = str(user.id)
    engine.dispose()
    return user_id


def _period(session: Session, year: int) -> Period:
    opens = datetime(year + 1, 9, 1, tzinfo=UTC)
    period = Period(code=f"{year}-{(year + 1) % 100:02d}", name=str(year),
                    starts_on=date(year, 9, 1), ends_on=date(year + 1, 8, 31), opens_at=opens,
                    closes_at=opens + timedelta(days=120), due_at=opens + timedelta(days=90))
    session.add(period)
    session.flush()
    return period


def _inputs(period: str, colleges: list[Institution]) -> ReleaseInputs:
    info = [InstitutionInfo(c.id, c.code, c.type, c.sector, c.province_code) for c in colleges]
    units = []
    for college in colleges:
        for level in ("undergraduate", "postgraduate")[: 1 + (college.type == "medical")]:
            rng = random.Random(f"{period}/{college.code}/{level}")
            units.append(ReturnUnit(len(units) + 1, college.id, level, synthetic_return(
                rng, college.code, period, level[:2].upper(), level)))
    return ReleaseInputs(period, info, units)


def timings(client, urls: list[str]) -> list[float]:
    found = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        found.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200, (url, response.status_code)
    return found


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-pages-')}/bench.sqlite3"
    started = time.perf_counter()
    user_id = seed(url)
    seeded = time.perf_counter() - started
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    client = app.test_client()
    codes = [i.code for i in CATALOGUE]
    periods = [f"{y}-{(y + 1) % 100:02d}" for y in range(2016, 2016 + PERIODS)]
    rng = random.Random(1)
    public = [f"/benchmarks?period={rng.choice(periods)}&indicator={rng.choice(codes)}"
              f"&breakdown={rng.choice(['national', 'province', 'type×sector', 'level'])}"
              for _ in range(args.requests)]
    with client.session_transaction() as cookie:
        cookie["_user_id"] = user_id
        cookie["_fresh"] = True
    own = [f"/college/comparison?period={rng.choice(periods)}&indicator={rng.choice(codes)}"
           for _ in range(args.requests)]
    timings(client, public[:10] + own[:10])  # warm the template cache
    results = {"benchmarks page": timings(client, public),
               "comparison page": timings(client, own)}
    rows = [("seed: 185 colleges × 10 published releases", f"{seeded:.1f}", "s", "–", "–")]
    for name, values in results.items():
        for q in (50, 95):
            value = percentile(values, q)
            rows.append((f"{name} p{q} ({len(values)} renders)", f"{value:.1f}", "ms",
                         f"{TARGET_MS:.0f} ms (p95)", f"{value / TARGET_MS:.2f}"))
    print("figure | value | unit | reference | ratio")
    for row in rows:
        print(" | ".join(row))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "milliseconds": results}, indent=2))


if __name__ == "__main__":
    main()
