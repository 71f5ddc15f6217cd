"""Audit: the interval attacker over every release the bench scales build.

Run: .venv/bin/python tests/bench/audit_disclosure.py [--scales 1,10] [--indicators a,b]

For each scale and period, the release is built as `build_release` builds it (computed,
then `protect_intervals`); for the first period also a provisional without one college
(the only dental college of Azad Kashmir, returning late) and the final after it. Every
sensitive withheld figure's feasible interval (see `attack`) is found by linear
programming over all releases of the period and compared with the protection interval.
Prints, per release: sensitive figures withheld, how many the rule does not protect, how
many are pinned to one value, and the narrowest range relative to the figure;
change-only figures (see `attack`) are counted apart.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--indicators", default="")
    args = parser.parse_args()
    chosen = [code for code in args.indicators.split(",") if code] or None
    print("release | published / primary / secondary / rates withheld / hidden since previous"
          " | sensitive "
          "withheld figures | unprotected | pinned | narrowest range ÷ value | change-only")
    for scale in (int(s) for s in args.scales.split(",")):
        for k, item in enumerate(inputs(scale)):
            cells = built(item).cells
            found = attack([cells], [compute_release(item, TRUTH).cells], 5, 23, chosen,
                           sensitive_only=True)
            print(line(f"{scale}× {item.period_code}", found, 0, cells))
            if k == 0:
                provisional, final, truth = late_pair(item)
                found = attack([provisional, final], truth, 5, 23, chosen, sensitive_only=True)
                print(line(f"{scale}× {item.period_code} provisional", found, 0, provisional))
                print(line(f"{scale}× {item.period_code} final", found, 1, final, provisional))


if __name__ == "__main__":
    main()
