"""Audit: the interval attacker over every release the bench scales build.

Run: .venv/bin/python tests/bench/audit_disclosure.py [--scales 1,10] [--indicators a,b]
     .venv/bin/python tests/bench/audit_disclosure.py --database-url URL [--periods a,b]

For each scale and period, the release is built as `build_release` builds it (computed,
then `protect_intervals`); for the first period also a provisional without one college
(the only dental college of Azad Kashmir, returning late) and the final after it. Every
sensitive withheld figure's feasible interval (see `attack`) is found by linear
programming over all releases of the period and compared with the protection interval.
Prints, per release: sensitive figures withheld, how many the rule does not protect, how
many are pinned to one value, and the narrowest range relative to the figure;
change-only figures (see `attack`) are counted apart. Indicators sharing a numerator or
denominator are attacked together (`--one-at-a-time`: each alone).

With `--database-url`, the releases stored in that database instead (the demo's, after
`make demo`), every period with releases or those named: the table
`registry audit-disclosure` prints. `--late-final PERIOD` first adds to that database (a
scratch copy: it writes) the demo returns of one college that has none in the period,
preferring the only dental college of Azad Kashmir, as validated, and builds the period's
final release as the pipeline would once the revision window has passed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from registry.config import ReleaseSettings
from registry.indicators.aggregates import ReleaseInputs
from registry.indicators.attack import Interval, attack
from registry.indicators.compute import compute_release
from registry.indicators.protection import protect_intervals
from registry.indicators.revisions import (
    protect_against_differencing,
    release_view,
    suppression_summary,
)
from tests.bench.bench_release import inputs

SETTINGS = ReleaseSettings()
TRUTH = ReleaseSettings(min_institutions=0, min_people=0)


def late_pair(item: ReleaseInputs) -> tuple[list[dict], list[dict], list[list[dict]]]:
    """Provisional without the first dental college of AJK, then the final (protected)."""
    late = next(i for i in item.institutions if (i.type, i.province) == ("dental", "AJK"))
    early = replace(item, returns=[u for u in item.returns if u.institution_id != late.id],
                    expected=[u for u in item.expected if u.institution_id != late.id])
    provisional, final = built(early), compute_release(item, SETTINGS)
    view = release_view(provisional.cells, provisional.institutions.rows(), early.institutions)
    protect_against_differencing(final, [view], item.institutions)
    protect_intervals(final.cells, final.truth, [(view.cells.values(), view.truth)],
                      SETTINGS.min_institutions, SETTINGS.min_people)
    truth = [compute_release(x, TRUTH).cells for x in (early, item)]
    return provisional.cells, final.cells, truth


def built(item: ReleaseInputs):
    """A first release of its period, as the build makes it."""
    content = compute_release(item, SETTINGS)
    protect_intervals(content.cells, content.truth, [], SETTINGS.min_institutions,
                      SETTINGS.min_people)
    return content


def line(label: str, found: list[Interval], release: int, cells: list[dict],
         previous: list[dict] = ()) -> str:
    """One release's row of the audit."""
    mine = [i for i in found if i.release == release]
    counted = [i for i in mine if not i.change_only]
    weak = [i for i in counted if not i.protected]
    pinned = [i for i in counted if i.high - i.low < 1e-6]
    relative = min(((i.high - i.low) / i.value for i in counted if i.value > 0), default=None)
    summary = suppression_summary(cells, previous)
    return (f"{label} | {summary['published']} / {summary['primary']} / "
            f"{summary['secondary']} / {summary['rates_withheld']} / "
            f"{summary['cells_hidden_since_previous']} | "
            f"{len(mine)} | {len(weak)} | {len(pinned)} | "
            f"{'–' if relative is None else f'{relative:.3f}'} | {len(mine) - len(counted)}")


def late_final(url: str, code: str) -> None:
    """One late college's demo returns, then the period's final release (committed)."""
    from datetime import timedelta

    from sqlalchemy import select

    from registry import create_app
    from registry.demo.history import DEMO_PERIODS, demo_payload, programmes_of
    from registry.models import BenchmarkCell, Institution, Period, Release, Return
    from registry.services.accounts.actors import Actor
    from registry.services.releases.releases import build_release
    from tests.registry.benchmark_data import add_return

    app = create_app({"DATABASE_URL": url})
    with app.app_context(), app.extensions["registry.sessionmaker"]() as session:
        period = session.scalar(select(Period).where(Period.code == code))
        index = next(i for i, demo in enumerate(DEMO_PERIODS) if demo.code == code)
        returned = set(session.scalars(select(Return.institution_id)
                                       .where(Return.period_id == period.id)))
        absent = [i for i in session.scalars(select(Institution).order_by(Institution.code))
                  if i.id not in returned]
        late = next((i for i in absent if (i.type, i.province_code) == ("dental", "AJK")),
                    absent[0])
        for programme, level in programmes_of(late):
            add_return(session, late, period,
                       demo_payload(late.code, programme, level, code, index))
        first = session.scalar(select(Release).where(Release.period_id == period.id)
                               .order_by(Release.number).limit(1))
        settings = app.config["RELEASE_SETTINGS"]
        release = build_release(session, Actor.system("audit"), period, settings,
                                run_id=f"late-final:{code}", kind="final",
                                now=first.built_at + timedelta(days=settings.revision_window_days,
                                                               minutes=1))
        session.commit()
        shown = {}
        for number in (first.number, release.number):
            shown[number] = set(session.scalars(
                select(BenchmarkCell.indicator).join(Release).where(
                    Release.number == number, BenchmarkCell.stratum == "national",
                    BenchmarkCell.suppression == "none")))
        print(f"national cells published: release {first.number} {len(shown[first.number])}, "
              f"release {release.number} {len(shown[release.number])}, of the first's "
              f"{len(shown[first.number] & shown[release.number])}")
        print(f"late college {late.code} ({late.type}, {late.sector}, {late.province_code}): "
              f"{len(programmes_of(late))} returns; release {release.number}: final {code}, "
              f"{release.provenance['suppression']}")


def stored(url: str, periods: list[str], joint: bool) -> None:
    """Print the audit of the releases stored in the database at `url`."""
    from sqlalchemy import select

    from registry import create_app
    from registry.indicators.disclosure_audit import table
    from registry.models import Period, Release
    from registry.services.accounts.actors import Actor
    from registry.services.releases.releases import disclosure_audit

    app = create_app({"DATABASE_URL": url})
    actor = Actor.system("audit")
    with app.app_context(), app.extensions["registry.sessionmaker"]() as session:
        chosen = list(session.scalars(select(Period).where(Period.id.in_(
            select(Release.period_id))).order_by(Period.code)))
        rows = [row for period in chosen if not periods or period.code in periods
                for row in disclosure_audit(session, actor, period, joint=joint)]
    print(table(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--indicators", default="")
    parser.add_argument("--database-url", help="audit the releases stored there instead")
    parser.add_argument("--periods", default="", help="with --database-url: these only")
    parser.add_argument("--late-final", metavar="PERIOD",
                        help="with --database-url: add a late college, build the final")
    parser.add_argument("--one-at-a-time", action="store_true",
                        help="attack each indicator alone")
    args = parser.parse_args()
    if args.database_url and args.late_final:
        late_final(args.database_url, args.late_final)
    if args.database_url:
        stored(args.database_url, [p for p in args.periods.split(",") if p],
               not args.one_at_a_time)
        return
    joint = not args.one_at_a_time
    chosen = [code for code in args.indicators.split(",") if code] or None
    print("release | published / primary / secondary / rates withheld / hidden since previous"
          " | sensitive "
          "withheld figures | unprotected | pinned | narrowest range ÷ value | change-only")
    for scale in (int(s) for s in args.scales.split(",")):
        for k, item in enumerate(inputs(scale)):
            cells = built(item).cells
            found = attack([cells], [compute_release(item, TRUTH).cells], 5, 23, chosen,
                           sensitive_only=True, joint=joint)
            print(line(f"{scale}× {item.period_code}", found, 0, cells))
            if k == 0:
                provisional, final, truth = late_pair(item)
                found = attack([provisional, final], truth, 5, 23, chosen, sensitive_only=True,
                               joint=joint)
                print(line(f"{scale}× {item.period_code} provisional", found, 0, provisional))
                print(line(f"{scale}× {item.period_code} final", found, 1, final, provisional))


if __name__ == "__main__":
    main()
