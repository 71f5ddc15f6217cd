"""Protection intervals: withhold more until no sensitive figure is narrowed too far.

Suppression and the people rule make sure no withheld figure is *determined* by what a
period's releases publish (`suppression`, `revisions`). An attacker who also uses the
bounds the rules publish (a primary cell holds 1–4 institutions, a withheld rate is on
under 23 people, counts are non-negative) can still narrow a withheld figure to a range
(`attack`). This step, run last when a release is built, asks that attacker for every
sensitive figure of every release of the period whose range misses its protection
interval (±max(50 %, 3) of its value, see `attack`) and withholds more in the new release
until there is none:

- per failing figure, one complement: among the cells of its indicator that the new
  release publishes with their rate and that share an additive relation with its stratum
  (the national cell only when nothing else is left), the one whose figure (numerator or
  denominator, as failing) is the smallest at least as large as the shortfall, else the
  largest. A cell an earlier release shows unchanged is public and never chosen;
- the complement's numerator and denominator are withheld (`protects_a_withheld_rate`)
  for every indicator sharing a numerator or denominator with it by definition (one's
  published figure is the other's), and the equations are closed again (no relation left
  with exactly one withheld member, `suppression.complete`).

The attacker reads indicators sharing a numerator or denominator by definition together
(`attack`, joint): a figure one of them withholds may be one another publishes, or follow
from what the other publishes; a failure found that way is protected the same way.

Withholding a published figure only widens the attacker's ranges, so a figure found
protected stays protected: each round asks again only about the indicators that failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from registry.indicators.attack import Interval, failures, sharing_figures
from registry.indicators.strata import (
    DIMENSION_SETS,
    NATIONAL,
    Relation,
    relations,
    stratum_code,
)
from registry.indicators.suppression import PUBLISHED, SECONDARY, complete

COUNTS = ("institutions", "returns", "numerator", "denominator")
COMPLEMENT = "protects_a_withheld_rate"
MAX_ROUNDS = 500


def truth_cells(institution_rows: Iterable[Mapping], institutions: Iterable) -> list[dict]:
    """Every cell's institutions, returns, numerator and denominator before any withholding,
    from a release's institution rows (an institution counts where it has returns)."""
    attributes = {i.id: i for i in institutions}
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for row in institution_rows:
        institution = attributes[row["institution_id"]]
        parts = [("", row)] if row["returns"] else []
        parts += list((row.get("by_level") or {}).items())
        for level, part in parts:
            if not part["returns"]:
                continue
            for code in _strata_of(institution, level):
                total = sums[(row["indicator"], code)]
                total[0] += 1
                total[1] += part["returns"]
                total[2] += part["numerator"] or 0.0
                total[3] += part["denominator"] or 0.0
    return [{"indicator": indicator, "stratum": stratum,
             **dict(zip(COUNTS, (int(t[0]), int(t[1]), t[2], t[3]), strict=True))}
            for (indicator, stratum), t in sorted(sums.items())]


def _strata_of(institution, level: str) -> list[str]:
    """The strata an institution's figures (at one level, or over all: "") count in."""
    values = {"type": institution.type, "sector": institution.sector,
              "province": institution.province, "level": level}
    return [stratum_code((d, values[d]) for d in dims) for dims in DIMENSION_SETS
            if ("level" in dims) == bool(level)]


def protect_intervals(cells: list[dict], truth: list[dict],
                      earlier: Sequence[tuple[Sequence[Mapping], Sequence[Mapping]]],
                      min_institutions: int, min_people: int,
                      joint: bool = True,
                      links: Sequence[Relation] | None = None) -> dict[str, int]:
    """Withhold more rates in the new release's `cells` (in place) until every sensitive
    figure of the period keeps its protection interval; `earlier`: (cells, truth) of the
    period's earlier releases, oldest first. Returns the complements withheld and the
    figures left unprotected (none, unless no cell was left to withhold). `joint`: ask the
    attacker who reads indicators sharing figures together (`attack`); without it, one
    indicator at a time (which misses what one indicator's published figure says of
    another's withheld one). `links`: the additive relations (default: the strata's)."""
    guard = _Guard(cells, truth, earlier, min_institutions, min_people, joint, links)
    withheld = 0
    failing = guard.failing(None)
    for _ in range(MAX_ROUNDS):
        chosen = guard.complements(failing)
        if not chosen:
            break
        withheld += guard.withhold(chosen)
        failing = guard.failing(failing)
    return {"rates_withheld_for_intervals": withheld, "figures_left_unprotected": len(failing)}


class _Guard:
    """The new release's cells, the period's earlier ones, and what may still be withheld."""

    def __init__(self, cells, truth, earlier, min_institutions: int, min_people: int,
                 joint: bool = True, links: Sequence[Relation] | None = None):
        self.cells = {(c["indicator"], c["stratum"]): c for c in cells}
        self.truth = {(c["indicator"], c["stratum"]): c for c in truth}
        self.earlier = earlier
        self.limits = (min_institutions, min_people)
        self.joint = joint
        self.links: list[Relation] = relations() if links is None else list(links)
        self.groups = sharing_figures({c["indicator"] for c in truth})
        self.public = self._public_elsewhere()

    def _public_elsewhere(self) -> set[tuple[str, str]]:
        """Cells an earlier release shows with their rate and the same figures."""
        found = set()
        for shown, true in self.earlier:
            figures = {(c["indicator"], c["stratum"]): c for c in true}
            for cell in shown:
                key = (cell["indicator"], cell["stratum"])
                same = key in self.truth and key in figures and all(
                    figures[key][q] == self.truth[key][q] for q in COUNTS)
                if same and cell["suppression"] == PUBLISHED and not cell["rate_withheld"]:
                    found.add(key)
        return found

    def failing(self, before: Sequence[Interval] | None) -> list[Interval]:
        """The sensitive figures left unprotected: of all, or (withholding only widens the
        ranges) of those `before` found so."""
        published = [[*shown] for shown, _ in self.earlier] + [list(self.cells.values())]
        truth = [[*true] for _, true in self.earlier] + [list(self.truth.values())]
        if before is None:
            return failures(published, truth, *self.limits, links=self.links, joint=self.joint)
        only = {(i.release, i.indicator, i.stratum, i.quantity) for i in before}
        return failures(published, truth, *self.limits, links=self.links,
                        indicators=sorted({i.indicator for i in before}), only=only,
                        joint=self.joint)

    def open_cell(self, indicator: str, stratum: str) -> bool:
        cell = self.cells.get((indicator, stratum))
        return (cell is not None and cell["suppression"] == PUBLISHED
                and not cell["rate_withheld"] and (indicator, stratum) not in self.public)

    def complements(self, failing: Sequence[Interval]) -> set[tuple[str, str]]:
        """One cell to withhold per failing figure (see the module's rule)."""
        chosen: set[tuple[str, str]] = set()
        for interval in failing:
            low, high = interval.required
            shortfall = max(high - interval.high, interval.low - low)
            pick = self._complement(interval.indicator, interval.stratum, interval.quantity,
                                    shortfall)
            if pick is not None:
                chosen.add((interval.indicator, pick))
        return chosen

    def _complement(self, indicator: str, stratum: str, quantity: str,
                    shortfall: float) -> str | None:
        near = {member for relation in self.links if stratum in relation.members
                for member in relation.members if self.open_cell(indicator, member)}
        if not near:  # nothing related is left: any published cell of the indicator
            near = {s for (i, s) in self.cells if i == indicator and self.open_cell(i, s)}
        local = near - {NATIONAL} or near
        if not local:
            return None
        size = {s: float(self.truth[(indicator, s)][quantity]) for s in local}
        enough = [s for s in local if size[s] >= shortfall]
        if enough:
            return min(enough, key=lambda s: (size[s], s))
        return max(local, key=lambda s: (size[s], s))

    def withhold(self, chosen: set[tuple[str, str]]) -> int:
        """Withhold the chosen rates with the indicators sharing figures, then close the
        equations; the number of rates withheld."""
        count = 0
        queue = sorted(chosen)
        while queue:
            touched = set()
            for indicator, stratum in queue:
                for member in sorted(self.groups[indicator]):
                    if self.open_cell(member, stratum):
                        _withhold(self.cells[(member, stratum)])
                        touched.add(member)
                        count += 1
            queue = sorted({(member, stratum) for member in touched
                            for stratum in self._closing(member)})
        return count

    def _closing(self, indicator: str) -> set[str]:
        """Strata to withhold so that no relation has exactly one withheld member."""
        status, sizes = {}, {}
        for (code, stratum), cell in self.cells.items():
            if code == indicator:
                hidden = cell["suppression"] != PUBLISHED or cell["rate_withheld"]
                status[stratum] = SECONDARY if hidden else PUBLISHED
                sizes[stratum] = int(self.truth[(code, stratum)]["denominator"])
        before = dict(status)
        fixed = frozenset(s for s in status if (indicator, s) in self.public)
        complete(status, sizes, self.links, fixed)
        return {s for s, state in status.items() if state != before[s]}


def _withhold(cell: dict) -> None:
    for name in ("numerator", "denominator", "pooled_rate", "ci_low", "ci_high"):
        cell[name] = None
    cell["rate_withheld"] = COMPLEMENT
