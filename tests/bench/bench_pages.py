"""Benchmark: render time of the public benchmarks page, a college's comparison page, the
regulator's national dashboard, the front page, and a college's Data Feedback Report (PDF).

Run: .venv/bin/python tests/bench/bench_pages.py [--json OUT] [--requests 200]

Seeds a SQLite database with the 185-college register, 10 periods of synthetic returns
(stored as returns with one version each, as submissions leave them) and a published
release per period (computed from those returns, stored as the pipeline stores them),
then stores the default views' charts (front page, national dashboard, explorer) as the
benchmarks pipeline does when it publishes, in a process of its own, so this one starts
as a fresh web worker. It renders each page many times through the app (database reads and
templates included) and reports p50 / p95, once as the charts are first asked for (stored
ones read, others drawn) and once more with them in memory (keyed by what they draw and
the language); the benchmarks and front pages are timed in Urdu too (the app runs in English
and Urdu). Beside the wall-clock percentiles, each page's CPU time in this process (what a
loaded, shared machine does not inflate) and the load average while it ran. Target: p95
under 150 ms for the pages. The PDF is timed twice: rendered on request (nothing
stored: a chosen peer group, or a release built outside the pipeline), then as the benchmarks
pipeline leaves it, stored per release and college (the bench college's reports stored by the
pipeline's own function); it has no target.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from registry import create_app
from registry.config import ReleaseSettings
from registry.db import make_engine
from registry.indicators.aggregates import InstitutionInfo, ReleaseInputs, ReturnUnit
from registry.indicators.compute import compute_release
from registry.migrate import upgrade
from registry.models import (
    Institution,
    Period,
    Programme,
    Release,
    Return,
    ReturnVersion,
    User,
)
from registry.services.accounts.actors import Actor
from registry.services.register.register import load_register, synthetic_register
from registry.services.releases.charts import CACHE
from registry.services.releases.feedback_report import prerender_reports
from registry.services.releases.releases import (
    Build,
    publish_release,
    standard_versions_of,
    store_release,
)
from registry.services.releases.stored_charts import stored_chart_count
from schemas.examples import synthetic_return
from schemas.indicators import CATALOGUE

PERIODS = 10
TARGET_MS = 150.0
PDF_RENDERS = 10
DASHBOARD_FILTERS = ("", "type=medical", "province=PB", "sector=private&level=undergraduate")
SYSTEM = Actor.system("bench")


def seed(url: str) -> dict[str, str]:
    """The register, 10 periods of returns with a published release each, and two users."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_register(session, synthetic_register(), SYSTEM)
        colleges = list(session.scalars(select(Institution).order_by(Institution.code)))
        programmes = _programmes(session, colleges)
        for k in range(PERIODS):
            period = _period(session, 2016 + k)
            inputs = _inputs(period.code, colleges)
            _store_returns(session, period, inputs, programmes)
            content = compute_release(inputs, ReleaseSettings())
            versions = standard_versions_of(session, content.return_version_ids)
            release = store_release(session, SYSTEM, period, ReleaseSettings(), content,
                                    Build("provisional", f"bench-{period.code}",
                                          period.closes_at, standard_versions=versions))
            publish_release(session, SYSTEM, release)
        user = User(email="bench@college.example", name="Bench", password_hash="!",
                    role="college", institution_id=colleges[0].id,
                    university_id=colleges[0].university_id)
        regulator = User(email="bench@regulator.example", name="Bench", password_hash="!",
                         role="regulator")
        session.add_all([user, regulator])
        session.commit()
        users = {"college": str(user.id), "regulator": str(regulator.id)}
    engine.dispose()
    return users


def _programmes(session: Session, colleges: list[Institution]) -> dict[tuple[int, str], int]:
    """One programme per college and level, as the returns below refer to them."""
    found = {}
    for college in colleges:
        for level in _levels(college):
            programme = Programme(institution_id=college.id, code=level[:2].upper(),
                                  name=f"{level} mentoring", level=level, model="mixed")
            session.add(programme)
            session.flush()
            found[(college.id, level)] = programme.id
    return found


def _levels(college: Institution) -> tuple[str, ...]:
    return ("undergraduate", "postgraduate")[: 1 + (college.type == "medical")]


def _store_returns(session: Session, period: Period, inputs: ReleaseInputs,
                   programmes: dict[tuple[int, str], int]) -> None:
    """The period's returns and their first versions, inserted in bulk."""
    received = period.opens_at + timedelta(days=30)
    for unit in inputs.returns:
        session.add(Return(institution_id=unit.institution_id, period_id=period.id,
                           programme_id=programmes[(unit.institution_id, unit.level)],
                           latest_version=1, status="validated"))
    session.flush()
    by_key = {(r.institution_id, r.programme_id): r.id for r in session.scalars(
        select(Return).where(Return.period_id == period.id))}
    session.execute(insert(ReturnVersion), [{
        "return_id": by_key[(u.institution_id, programmes[(u.institution_id, u.level)])],
        "version": 1, "payload": u.payload, "schema_version": "1.0", "source": "api",
        "payload_sha256": hashlib.sha256(json.dumps(u.payload, sort_keys=True)
                                         .encode()).hexdigest(),
        "received_at": received, "submitted_by": "bench", "status": "validated"}
        for u in inputs.returns])


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
        for level in _levels(college):
            rng = random.Random(f"{period}/{college.code}/{level}")
            units.append(ReturnUnit(len(units) + 1, college.id, level, synthetic_return(
                rng, college.code, period, level[:2].upper(), level)))
    return ReleaseInputs(period, info, units)


def timings(client, urls: list[str], user_id: str, cpu: list[float] | None = None,
            language: str | None = None, drawn: list[int] | None = None) -> list[float]:
    """Milliseconds per GET, each as the given user (in `language` when given); the CPU
    milliseconds of each go to `cpu` when given (this process's own, whatever the load), the
    charts each drew (vl-convert renders: none for a chart stored or in memory) to `drawn`."""
    with client.session_transaction() as cookie:
        cookie["_user_id"] = user_id
        cookie["_fresh"] = True
        if language:
            cookie["language"] = language
        else:
            cookie.pop("language", None)
    found = []
    for url in urls:
        start, start_cpu, renders = time.perf_counter(), time.process_time(), CACHE.renders
        response = client.get(url)
        found.append(1000 * (time.perf_counter() - start))
        if cpu is not None:
            cpu.append(1000 * (time.process_time() - start_cpu))
        if drawn is not None:
            drawn.append(CACHE.renders - renders)
        assert response.status_code == 200, (url, response.status_code)
    return found


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def store_reports(url: str) -> None:
    """The bench college's report of every release, rendered and stored as the pipeline does."""
    engine = make_engine(url)
    with Session(engine) as session:
        college = session.scalar(select(Institution).order_by(Institution.code).limit(1))
        for release in session.scalars(select(Release)):
            prerender_reports(session, SYSTEM, release, institution_ids=[college.id])
        session.commit()
    engine.dispose()


def app_config(url: str) -> dict:
    return {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "PIPELINE_MODE": "off",
            "LANGUAGES": ("en", "ur")}


def store_charts(url: str) -> None:
    """The default views' charts in both languages, drawn and stored by the pipeline's own
    function, as when the releases are published."""
    from pipelines.tasks.benchmarks import store_charts as pipeline_store_charts

    engine = make_engine(url)
    with create_app(app_config(url)).app_context(), Session(engine) as session:
        pipeline_store_charts(session, SYSTEM, as_of=datetime.now(UTC))
    engine.dispose()


def stored_charts(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = stored_chart_count(session)
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-pages-')}/bench.sqlite3"
    started = time.perf_counter()
    users = seed(url)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    process = multiprocessing.get_context("spawn").Process(target=store_charts, args=(url,))
    process.start()
    process.join()
    assert process.exitcode == 0, "storing the charts failed"
    charts_stored = time.perf_counter() - started
    app = create_app(app_config(url))
    client = app.test_client()
    codes = [i.code for i in CATALOGUE]
    periods = [f"{y}-{(y + 1) % 100:02d}" for y in range(2016, 2016 + PERIODS)]
    rng = random.Random(1)
    n = args.requests
    pages = {
        "benchmarks page": ("college", None, [
            f"/benchmarks?period={rng.choice(periods)}&indicator={rng.choice(codes)}"
            f"&breakdown={rng.choice(['national', 'province', 'type×sector', 'level'])}"
            for _ in range(n)]),
        "benchmarks page in Urdu": ("college", "ur", [
            f"/benchmarks?period={rng.choice(periods)}&indicator={rng.choice(codes)}"
            f"&breakdown={rng.choice(['national', 'province', 'type×sector', 'level'])}"
            for _ in range(n)]),
        "comparison page": ("college", None, [
            f"/college/comparison?period={rng.choice(periods)}&indicator={rng.choice(codes)}"
            for _ in range(n)]),
        "national dashboard": ("regulator", None, [
            f"/regulator?{rng.choice(DASHBOARD_FILTERS)}&indicator={rng.choice(codes)}"
            for _ in range(n)]),
        "front page": ("college", None, ["/" for _ in range(n)]),
        "front page in Urdu": ("college", "ur", ["/" for _ in range(n)]),
        "feedback report PDF, rendered on request": ("college", None, [
            f"/college/feedback-report.pdf?period={rng.choice(periods)}"
            for _ in range(PDF_RENDERS)]),
    }
    for role, language, urls in pages.values():  # warm the templates (and weasyprint's import)
        timings(client, urls[:3], users[role], language=language)
    # First pass: the default views' charts are read from the database, most others drawn
    # for the first time; second pass: served from memory.
    load = {"before": os.getloadavg()[0]}
    results, cpu, drawn = {}, {}, {}
    for name, (role, language, urls) in pages.items():
        cpu[name], drawn[name] = [], []
        results[name] = timings(client, urls, users[role], cpu[name], language, drawn[name])
    for name, (role, language, urls) in pages.items():
        if "PDF" not in name:
            cpu[f"{name} (charts cached)"] = []
            results[f"{name} (charts cached)"] = timings(
                client, urls, users[role], cpu[f"{name} (charts cached)"], language)
    load["after"] = os.getloadavg()[0]
    store_reports(url)
    role, language, urls = pages["feedback report PDF, rendered on request"]
    name = "feedback report PDF, stored by the pipeline"
    cpu[name] = []
    results[name] = timings(client, urls, users[role], cpu[name])
    rows = [{"figure": "seed: 185 colleges × 10 periods of returns and published releases",
             "value": round(seeded, 1), "unit": "s", "reference": "–", "ratio": None},
            {"figure": "default views' charts drawn and stored at publication "
                       f"({stored_charts(url)} charts, en and ur; a process of its own)",
             "value": round(charts_stored, 1), "unit": "s", "reference": "–", "ratio": None},
            {"figure": f"load average (1 min) before / after the renders, {os.cpu_count()} CPUs",
             "value": f"{load['before']:.1f} / {load['after']:.1f}", "unit": "–",
             "reference": "–", "ratio": None}]
    for name, values in results.items():
        target = None if "PDF" in name else TARGET_MS
        for q in (50, 95):
            value = percentile(values, q)
            rows.append({"figure": f"{name} p{q} ({len(values)} renders)",
                         "value": round(value, 1), "unit": "ms",
                         "reference": f"{TARGET_MS:.0f} ms (p95)" if target else "–",
                         "ratio": round(value / target, 2) if target else None})
        rows.append({"figure": f"{name}, CPU of this process per render, p95",
                     "value": round(percentile(cpu[name], 95), 1), "unit": "ms",
                     "reference": "–", "ratio": None})
        if drawn.get(name) and "PDF" not in name:
            rows.append({"figure": f"{name}: requests that drew charts / charts drawn",
                         "value": f"{sum(n > 0 for n in drawn[name])} / {sum(drawn[name])}",
                         "unit": "–", "reference": "–", "ratio": None})
    print("figure | value | unit | reference | ratio")
    for row in rows:
        print(" | ".join("–" if v is None else str(v) for v in row.values()))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "milliseconds": results,
                                         "cpu_milliseconds": cpu}, indent=2))


if __name__ == "__main__":
    main()
