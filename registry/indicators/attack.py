"""The attacker's view of a period's releases: how tightly can each withheld figure be pinned?

A withheld figure is a count a release does not show: the institutions, returns,
numerator and denominator of a suppressed cell, and the numerator and denominator of a
published cell whose rate is withheld. The attacker holds every release of the period and
knows, per cell: its status (primary, secondary or none; rate withheld and why), every
figure it shows, and the rules themselves. That gives, besides the published figures:

- the additive relations of every release (a stratum is the sum of its split by one more
  dimension; a stratum absent from a release is zero). Institutions add up only across
  type, sector and province; across programme levels an institution can count in several
  children, so there the parent is at most the sum and at least each child;
- bounds from the thresholds: a primary cell holds 1 to `min_institutions` − 1
  institutions, a secondary one at least `min_institutions`; a rate withheld under the
  people rule has a denominator of at most `min_people` − 1, one withheld to protect it
  at least `min_people`;
- returns ≥ institutions in every cell, counts ≥ 0, numerator ≤ denominator for
  proportions;
- which cells did not change between releases (we assume the worst: the public knows),
  so an unchanged cell is one unknown in every release that shows it.

For each withheld figure, linear programming (HiGHS through `scipy.optimize.linprog`)
finds the smallest and largest value consistent with all of that. The relaxation ignores
that counts are integers (some numerators, hours, are not), so an attacker who uses
integrality can get a range up to a unit narrower at each end; the rule below is checked
on the relaxed range.

A figure one release withholds and another shows unchanged is public, not withheld: it
is left out.

Not protected, by rule (see `revisions`): the change itself. A cell of a later release
that changed, and whose earlier value an earlier release shows (or lacks: zero), is known
up to its change, which every published total containing it gives away (one late return:
national final − national provisional). Such figures are marked `change_only`.

Protection interval (the rule): a withheld figure x must stay uncertain by at least
d = max(50 % of x, 3) on each side, within what its own status already says (the prior
range [a, b] above: e.g. 1–4 institutions for a primary cell): the attacker's range must
reach down to max(x − d, a) and up to min(x + d, b). So the attacker learns nothing about
a primary cell's institutions beyond the threshold, and a withheld count of people is
never narrowed below ±50 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from registry.indicators.strata import Relation, parse_stratum, relations
from schemas.indicators import CATALOGUE

QUANTITIES = ("institutions", "returns", "numerator", "denominator")
# Constraints tie institutions to returns and numerators to denominators, never across.
PAIRS = (("institutions", "returns"), ("numerator", "denominator"))
PROTECTION_SHARE = 0.5
PROTECTION_UNITS = 3.0
SUPPRESSED_QUANTITIES = QUANTITIES
WITHHELD_RATE_QUANTITIES = ("numerator", "denominator")


@dataclass(frozen=True)
class Interval:
    """What the attacker can say about one withheld figure, and the rule's demand."""

    release: int
    indicator: str
    stratum: str
    quantity: str
    value: float
    low: float
    high: float
    prior: tuple[float, float]
    change_only: bool = False  # a changed cell an earlier release shows (or lacks: zero)

    @property
    def required(self) -> tuple[float, float]:
        """The range the attacker's interval must cover (see the module's rule)."""
        margin = max(PROTECTION_SHARE * self.value, PROTECTION_UNITS)
        return max(self.value - margin, self.prior[0]), min(self.value + margin, self.prior[1])

    @property
    def protected(self) -> bool:
        """Whether the attacker's range covers `required` (to a millionth)."""
        low, high = self.required
        return self.low <= low + 1e-6 and self.high >= high - 1e-6

    @property
    def width(self) -> float:
        return self.high - self.low


def attack(published: Sequence[Sequence[Mapping]], truth: Sequence[Sequence[Mapping]],
           min_institutions: int, min_people: int,
           indicators: Sequence[str] | None = None,
           links: Sequence[Relation] | None = None) -> list[Interval]:
    """The feasible interval of every withheld figure of a period's releases (in order)."""
    links = relations() if links is None else links
    kinds = {i.code: i.kind for i in CATALOGUE}
    solved: dict[bytes, dict[int, tuple[float, float]]] = {}  # equal models, solved once
    found = []
    for indicator in indicators or sorted({c["indicator"] for cells in published for c in cells}):
        shown = [{c["stratum"]: c for c in cells if c["indicator"] == indicator}
                 for cells in published]
        true = [{c["stratum"]: c for c in cells if c["indicator"] == indicator} for cells in truth]
        for pair in PAIRS:
            model = _Model(shown, true, pair, kinds.get(indicator) == "proportion",
                           (min_institutions, min_people), links)
            found.extend(model.intervals(indicator, solved))
    return found


def withheld(cell: Mapping) -> tuple[str, ...]:
    """The quantities a published cell does not show."""
    if cell["suppression"] != "none":
        return SUPPRESSED_QUANTITIES
    return WITHHELD_RATE_QUANTITIES if cell.get("rate_withheld") else ()


class _Model:
    """One indicator's unknowns across releases (unchanged cells merged) and constraints."""

    def __init__(self, shown: list[dict], true: list[dict], pair: tuple[str, str],
                 proportion: bool, limits: tuple[int, int], links: Sequence[Relation]):
        self.shown, self.true, self.pair, self.links = shown, true, pair, links
        self.proportion, self.limits = proportion, limits
        self.column: dict[tuple[int, str, str], int] = {}  # (class, stratum, quantity) → var
        self.node_class = self._classes()
        self.bounds: list[list[float]] = []
        self.equal: list[tuple[dict[int, float], float]] = []
        self.below: list[tuple[dict[int, float], float]] = []  # Σ coef·x ≤ constant
        self.known: dict[tuple[int, str, str], float] = {}
        self._variables()
        self._relations()
        self._cell_constraints()

    def _classes(self) -> dict[tuple[int, str], int]:
        """Each (release, stratum) node's class: nodes whose true figures agree are one."""
        found: dict[tuple[int, str], int] = {}
        for r, cells in enumerate(self.true):
            for stratum, cell in cells.items():
                found[(r, stratum)] = len(found)
                for earlier in range(r):
                    other = self.true[earlier].get(stratum)
                    if other is not None and _figures(other) == _figures(cell):
                        found[(r, stratum)] = found[(earlier, stratum)]
                        break
        return found

    def _variables(self) -> None:
        """Known values from any release that shows them; a variable for the rest."""
        for (r, stratum), k in self.node_class.items():
            cell = self.shown[r][stratum]
            for quantity in self.pair:
                if quantity not in withheld(cell):
                    self.known[(k, stratum, quantity)] = float(cell[quantity])
        for (r, stratum), k in sorted(self.node_class.items()):
            for quantity in self.pair:
                key = (k, stratum, quantity)
                prior = self.prior(r, stratum, quantity)
                if key in self.known:
                    continue
                if key not in self.column:
                    self.column[key] = len(self.column)
                    self.bounds.append(list(prior))
                else:
                    bound = self.bounds[self.column[key]]
                    bound[0], bound[1] = max(bound[0], prior[0]), min(bound[1], prior[1])

    def change_only(self, release: int, stratum: str) -> bool:
        """Whether the cell changed since every earlier release while one of them shows its
        earlier value (or lacks the stratum: zero): the releases give away its change."""
        k = self.node_class[(release, stratum)]
        if any(self.node_class.get((r, stratum)) == k for r in range(release)):
            return False
        return any(stratum not in self.shown[r] or self.shown[r][stratum]["suppression"] == "none"
                   for r in range(release))

    def prior(self, release: int, stratum: str, quantity: str) -> tuple[float, float]:
        """What a cell's status alone says about one of its figures."""
        cell = self.shown[release][stratum]
        institutions, people = self.limits
        status, reason = cell["suppression"], cell.get("rate_withheld")
        if quantity in ("institutions", "returns"):
            low = {"primary": 1.0, "secondary": float(institutions)}.get(status)
            if low is None:
                low = float(cell["institutions"])
            high = institutions - 1.0 if status == "primary" and quantity == "institutions" \
                else math.inf
            return low, high
        if quantity == "denominator" and reason == "denominator_below_minimum":
            return 0.0, people - 1.0
        if quantity == "denominator" and reason == "protects_a_withheld_rate":
            return float(people), math.inf
        return 0.0, math.inf

    def _term(self, release: int, stratum: str, quantity: str) -> tuple[dict[int, float], float]:
        """A figure as (variable → 1) or a constant (zero for an absent stratum)."""
        k = self.node_class.get((release, stratum))
        if k is None:
            return {}, 0.0
        key = (k, stratum, quantity)
        if key in self.known:
            return {}, self.known[key]
        return {self.column[key]: 1.0}, 0.0

    def _combine(self, parts: list[tuple[float, tuple[dict[int, float], float]]]):
        """Σ sign·term as (coefficients, constant)."""
        coefficients: dict[int, float] = {}
        constant = 0.0
        for sign, (terms, value) in parts:
            constant += sign * value
            for j, c in terms.items():
                coefficients[j] = coefficients.get(j, 0.0) + sign * c
        return coefficients, constant

    def _relations(self) -> None:
        """parent − Σ children = 0 (institutions across levels: two inequalities)."""
        for r in range(len(self.shown)):
            for relation in self.links:
                split = parse_stratum(relation.children[0]).keys() - parse_stratum(
                    relation.parent).keys()
                for quantity in self.pair:
                    parent = self._term(r, relation.parent, quantity)
                    children = [self._term(r, c, quantity) for c in relation.children]
                    if quantity == "institutions" and "level" in split:
                        self._add(self.below, [(1.0, parent)] + [(-1.0, c) for c in children])
                        for child in children:
                            self._add(self.below, [(1.0, child), (-1.0, parent)])
                    else:
                        self._add(self.equal, [(1.0, parent)] + [(-1.0, c) for c in children])

    def _add(self, rows: list, parts) -> None:
        coefficients, constant = self._combine(parts)
        if any(abs(c) > 0 for c in coefficients.values()):
            rows.append(({j: c for j, c in coefficients.items() if c}, -constant))

    def _cell_constraints(self) -> None:
        """returns ≥ institutions; numerator ≤ denominator for proportions."""
        if self.pair[0] == "numerator" and not self.proportion:
            return
        small, large = self.pair
        for (r, stratum) in self.node_class:
            self._add(self.below, [(1.0, self._term(r, stratum, small)),
                                   (-1.0, self._term(r, stratum, large))])

    def _matrices(self):
        n = len(self.column)
        a_eq = np.zeros((len(self.equal), n))
        a_ub = np.zeros((len(self.below), n))
        for matrix, rows in ((a_eq, self.equal), (a_ub, self.below)):
            for i, (coefficients, _) in enumerate(rows):
                for j, c in coefficients.items():
                    matrix[i, j] = c
        return (a_ub, np.array([b for _, b in self.below]),
                a_eq, np.array([b for _, b in self.equal]))

    def intervals(self, indicator: str, solved: dict) -> list[Interval]:
        """Minimise and maximise every withheld figure (a model seen before is not solved
        again: indicators sharing counts and a pattern share their institutions' model)."""
        if not self.column:
            return []
        a_ub, b_ub, a_eq, b_eq = self._matrices()
        key = b"|".join(np.ascontiguousarray(m).tobytes() for m in (
            a_ub, b_ub, a_eq, b_eq, np.array(self.bounds, dtype=float)))
        if key not in solved:
            solved[key] = _ranges(a_ub, b_ub, a_eq, b_eq, self.bounds)
        ranges = solved[key]
        found = []
        for (r, stratum), k in sorted(self.node_class.items()):
            for quantity in (q for q in withheld(self.shown[r][stratum]) if q in self.pair
                             and (k, stratum, q) in self.column):  # else public elsewhere
                low, high = ranges[self.column[(k, stratum, quantity)]]
                found.append(Interval(r, indicator, stratum, quantity,
                                      float(self.true[r][stratum][quantity]), low, high,
                                      self.prior(r, stratum, quantity),
                                      self.change_only(r, stratum)))
        return found


def _ranges(a_ub, b_ub, a_eq, b_eq, bounds) -> dict[int, tuple[float, float]]:
    """Each variable's smallest and largest feasible value."""
    limits = [(low, None if high == math.inf else high) for low, high in bounds]
    return {j: (_optimum(j, 1.0, a_ub, b_ub, a_eq, b_eq, limits),
                _optimum(j, -1.0, a_ub, b_ub, a_eq, b_eq, limits))
            for j in range(len(bounds))}


def _optimum(j: int, sign: float, a_ub, b_ub, a_eq, b_eq, bounds) -> float:
    """min (sign 1) or max (sign −1) of variable j; ±inf when unbounded."""
    cost = np.zeros(a_ub.shape[1] or a_eq.shape[1])
    cost[j] = sign
    result = linprog(cost, A_ub=a_ub if len(a_ub) else None, b_ub=b_ub if len(a_ub) else None,
                     A_eq=a_eq if len(a_eq) else None, b_eq=b_eq if len(a_eq) else None,
                     bounds=bounds, method="highs")
    if result.status == 3:
        return -sign * math.inf
    if result.status != 0:
        raise RuntimeError(f"the attacker's model is {result.message}")
    return sign * result.fun


def _figures(cell: Mapping) -> tuple:
    return tuple(cell[q] for q in QUANTITIES)


def unprotected(intervals: Sequence[Interval]) -> list[Interval]:
    """The withheld figures the rule does not protect."""
    return [i for i in intervals if not i.protected]



