"""Benchmark: build releases for 185 colleges × 3 periods, then 10× and 100× as many.

Run: .venv/bin/python tests/bench/bench_release.py [--json OUT] [--scales 1,10,100]

Each scale runs in its own process (so its peak memory is its own): synthetic inputs are
made first (untimed; payloads drawn from a pool of distinct synthetic returns), then every
period's release is computed and its three exports rendered (timed). Then each period's
full release is timed through SQLite and through PostgreSQL (a throwaway database, as the
tests use): the inputs are stored as accepted returns (untimed), then, period by period,
build_release reads the accepted versions, computes, renders the exports and stores the
release, its cells and institution figures, and it is committed, as one pipeline run does.
A release is one period's: the 10 s target applies to the slowest period's release at
100×; the three periods together are reported beside it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from registry.indicators.aggregates import ExpectedUnit, InstitutionInfo, ReleaseInputs, ReturnUnit
from registry.indicators.compute import compute_release
from registry.reference_data import COMPOSITION
from schemas.examples import synthetic_return
from tests.databases import fresh_postgres_database

PERIODS = ("2023", "2024", "2025")
POOL = 400  # distinct synthetic returns per level and period
TARGET_100X_SECONDS = 10.0


def institutions(scale: int) -> list[InstitutionInfo]:
    """The national composition of colleges, `scale` times over."""
    found = []
    for _ in range(scale):
        for (type_, sector), provinces in sorted(COMPOSITION.items()):
            for province, count in sorted(provinces.items()):
                for _ in range(count):
                    n = len(found) + 1
                    found.append(InstitutionInfo(
                        n, f"{province}-{type_[:3].upper()}-{sector[:3].upper()}-{n:06d}",
                        type_, sector, province))
    return found


def programmes(institution: InstitutionInfo) -> list[str]:
    rng = random.Random(f"programmes/{institution.code}")
    levels = ["undergraduate"]
    if institution.type == "medical" and rng.random() < 0.6:
        levels.append("postgraduate")
    if rng.random() < 0.35:
        levels.append("faculty")
    return levels


def payload_pool(period: str) -> dict[str, list[dict]]:
    return {level: [synthetic_return(random.Random(f"{period}/{level}/{k}"), "X", period,
                                     f"P{k}", level, quality="poor" if k % 12 == 0 else "good")
                    for k in range(POOL)]
            for level in ("undergraduate", "postgraduate", "faculty")}


def inputs(scale: int) -> list[ReleaseInputs]:
    """One ReleaseInputs per period for `scale` × 185 colleges."""
    colleges = institutions(scale)
    found = []
    for period in PERIODS:
        pool = payload_pool(period)
        units, expected = [], []
        for college in colleges:
            for level in programmes(college):
                pick = random.Random(f"{period}/{college.code}/{level}").randrange(POOL)
                units.append(ReturnUnit(len(units) + 1, college.id, level, pool[level][pick]))
                expected.append(ExpectedUnit(college.id, level, True, pick % 5 != 0))
        found.append(ReleaseInputs(period, colleges, units, expected))
    return found


def compute_and_render(all_inputs: list[ReleaseInputs]) -> dict:
    """Compute each period's release and render its exports; return the timings."""
    from registry.indicators import exports
    from registry.services.releases.releases import ReleaseSettings, method_notes

    notes = method_notes(ReleaseSettings())
    start, cpu = time.perf_counter(), time.process_time()
    cells = 0
    for item in all_inputs:
        content = compute_release(item, ReleaseSettings())
        exports.to_csv(item.period_code, content.cells)
        exports.to_json(item.period_code, content.cells, notes)
        exports.to_sdmx_csv("2024-09-01/P12M", content.cells)
        cells += len(content.cells)
    return {"seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu,
            "cells": cells}


def through_database(all_inputs: list[ReleaseInputs], url: str) -> list[float]:
    """Seed the database with the inputs as accepted returns, then time each period's
    release as the pipeline makes it: build_release (read, compute, exports, store) and
    its commit."""
    from sqlalchemy.orm import Session

    from registry.db import make_engine
    from registry.migrate import upgrade
    from registry.models import Period
    from registry.services.accounts.actors import Actor
    from registry.services.register.register import load_reference_data
    from registry.services.releases.releases import ReleaseSettings, build_release

    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_reference_data(session)
        seed(session, all_inputs)
        session.commit()
        elapsed = []
        for item in all_inputs:
            start = time.perf_counter()
            period = session.query(Period).filter_by(code=item.period_code).one()
            build_release(session, Actor.system("bench"), period, ReleaseSettings(),
                          run_id=f"bench-{item.period_code}")
            session.commit()
            elapsed.append(time.perf_counter() - start)
    engine.dispose()
    return elapsed


def on_each_database(all_inputs: list[ReleaseInputs]) -> dict[str, list[float]]:
    """Seconds of each period's release through a fresh SQLite file and a fresh PostgreSQL."""
    with tempfile.TemporaryDirectory(prefix="bench-release-") as folder:
        found = {"SQLite": through_database(all_inputs, f"sqlite:///{folder}/bench.sqlite3")}
    with fresh_postgres_database() as url:
        found["PostgreSQL"] = through_database(all_inputs, url)
    return found


def seed(session, all_inputs: list[ReleaseInputs]) -> None:
    """Insert colleges, programmes, periods, and one validated version per return."""
    from sqlalchemy import insert

    from registry.models import Institution, Programme

    session.execute(insert(Institution), [
        {"id": i.id, "code": i.code, "name": i.code, "type": i.type, "sector": i.sector,
         "province_code": i.province, "university_id": 1} for i in all_inputs[0].institutions])
    programme_ids = {(u.institution_id, u.level): n
                     for n, u in enumerate(all_inputs[0].returns, start=1)}
    session.execute(insert(Programme), [
        {"id": n, "institution_id": institution, "code": level[:2].upper(), "name": level,
         "level": level, "model": "mixed", "disciplines": [], "components": {}}
        for (institution, level), n in programme_ids.items()])
    for k, item in enumerate(all_inputs):
        seed_period(session, item, k, programme_ids)


def seed_period(session, item: ReleaseInputs, k: int, programme_ids: dict) -> None:
    from sqlalchemy import insert

    from registry.models import Period, Return, ReturnVersion

    year = 2023 + k
    opens = datetime(year + 1, 9, 1, tzinfo=UTC)
    period = Period(code=item.period_code, name=item.period_code, starts_on=date(year, 9, 1),
                    ends_on=date(year + 1, 8, 31), opens_at=opens,
                    closes_at=opens + timedelta(days=120), due_at=opens + timedelta(days=90))
    session.add(period)
    session.flush()
    base = (k + 1) * 10**7
    session.execute(insert(Return), [
        {"id": base + n, "institution_id": u.institution_id, "period_id": period.id,
         "programme_id": programme_ids[(u.institution_id, u.level)], "latest_version": 1,
         "status": "validated"} for n, u in enumerate(item.returns, start=1)])
    session.execute(insert(ReturnVersion), [
        {"return_id": base + n, "version": 1, "payload": u.payload, "payload_sha256": "-",
         "schema_version": "1.0", "source": "bench", "received_at": opens + timedelta(days=3),
         "submitted_by": "bench", "status": "validated"}
        for n, u in enumerate(item.returns, start=1)])


def run_scale(scale: int, queue) -> None:
    made = time.perf_counter()
    all_inputs = inputs(scale)
    made = time.perf_counter() - made
    timing = compute_and_render(all_inputs)
    result = {"scale": scale, "institutions": len(all_inputs[0].institutions),
              "returns": sum(len(i.returns) for i in all_inputs), "inputs_seconds": made,
              **timing, "database_seconds": on_each_database(all_inputs)}
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(result)


def measure(scale: int) -> dict:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=run_scale, args=(scale, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def row(figure, value, unit, reference=None, ratio=None) -> dict:
    return {"figure": figure, "value": round(value, 3), "unit": unit,
            "reference": reference, "ratio": None if ratio is None else round(ratio, 3)}


def timed(figure: str, seconds: float, previous: float | None, growth: int | None,
          scale: int, *, target: bool = False) -> dict:
    """A time against linear growth from the previous scale (ratio: time ÷ linear); for a
    release at 100×, the target too. Compared with the previous scale, not 1×: 1× is
    mostly fixed costs."""
    reference, ratio = None, None
    if previous is not None:
        linear = previous * growth
        reference, ratio = f"{linear:.2f} s if linear from {scale // growth}×", seconds / linear
    if target and scale == 100:
        reference = "; ".join(filter(None, [f"target {TARGET_100X_SECONDS:.0f} s", reference]))
    return row(figure, seconds, "s", reference, ratio)


def rows(results: list[dict]) -> list[dict]:
    """figure, value, unit, reference, ratio, scale by scale (in increasing order)."""
    table = []
    for n, r in enumerate(results):
        before = results[n - 1] if n else None
        growth = r["scale"] // before["scale"] if before else None
        label = f"{r['scale']}× ({r['institutions']} colleges, {r['returns']} returns, 3 periods)"
        for figure, key in (("compute + exports of the 3 periods", "seconds"),
                            ("CPU time of the same", "cpu_seconds")):
            table.append(timed(f"{figure}, {label}", r[key], before and before[key], growth,
                               r["scale"]))
        for database, seconds in r["database_seconds"].items():
            earlier = before and before["database_seconds"][database]
            table.append(timed(
                f"release through {database} (read, compute, store, exports, commit), "
                f"slowest of the 3 periods, {label}",
                max(seconds), earlier and max(earlier), growth, r["scale"], target=True))
            table.append(timed(
                f"the 3 periods' releases through {database}, together, {label}",
                sum(seconds), earlier and sum(earlier), growth, r["scale"]))
        table.append(row(f"peak memory (compute, then both databases), {label}",
                         r["peak_mb"], "MB"))
    return table


def cell(value: object) -> str:
    return "–" if value is None else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args()
    results = [measure(int(s)) for s in args.scales.split(",")]
    table = rows(results)
    print("figure | value | unit | reference | ratio")
    for found in table:
        print(" | ".join(cell(found[name]) for name in ("figure", "value", "unit", "reference",
                                                        "ratio")))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "rows": table}, indent=2))


if __name__ == "__main__":
    main()
