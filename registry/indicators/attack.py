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

Protection interval (the rule). The sensitive figures are the numerator and the
denominator of a cell built on fewer than `min_institutions` institutions (a primary cell)
and of a rate on fewer than `min_people` people (people-denominated indicators): what they
say is about one to four colleges, or about a handful of people. Each must stay uncertain
by at least d = max(50 % of its value, 3 units) on each side, within what its own status
already says (the prior range [a, b] above: non-negative, under 23 people for a rate
withheld under the people rule): the attacker's range must reach down to max(x − d, a)
and up to min(x + d, b). Complements (secondary cells, rates withheld to protect another)
are withheld to protect those: they pass both thresholds, so narrowing them discloses
nothing the rules protect, and no protection interval is required of them. Nor of a
figure whose national total is 0 (every college reports none, which the national cell
says; only hiding the national cell could blur it). Neither is one
required of the number of institutions and returns of a cell: the public programme
directory lists every college's programmes by type, sector, province and level, so those
counts are public knowledge up to which returns were counted.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.optimize import linprog

from registry.indicators.strata import NATIONAL, Relation, parse_stratum, relations
from schemas.indicators import BY_CODE, Indicator

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
    sensitive: bool = True  # a primary cell's or a small rate's numerator or denominator

    @property
    def required(self) -> tuple[float, float]:
        """The range the attacker's interval must cover (see the module's rule)."""
        return required_range(self.value, self.prior)

    @property
    def protected(self) -> bool:
        """Whether the attacker's range covers `required` (to a millionth); figures that are
        not sensitive have no protection interval."""
        low, high = self.required
        return not self.sensitive or (self.low <= low + 1e-6 and self.high >= high - 1e-6)

    @property
    def width(self) -> float:
        return self.high - self.low


def required_range(value: float, prior: tuple[float, float]) -> tuple[float, float]:
    """The protection interval of a sensitive figure: ±max(50 %, 3) within its prior."""
    margin = max(PROTECTION_SHARE * value, PROTECTION_UNITS)
    return max(value - margin, prior[0]), min(value + margin, prior[1])


def sensitive(truth: Mapping, quantity: str, people_denominator: bool,
              min_institutions: int, min_people: int) -> bool:
    """Whether a figure of a cell (its true figures) has a protection interval."""
    if quantity not in WITHHELD_RATE_QUANTITIES:
        return False
    return truth["institutions"] < min_institutions or (
        people_denominator and truth["denominator"] < min_people)


def attack(published: Sequence[Sequence[Mapping]], truth: Sequence[Sequence[Mapping]],
           min_institutions: int, min_people: int,
           indicators: Sequence[str] | None = None,
           links: Sequence[Relation] | None = None,
           sensitive_only: bool = False, joint: bool = True) -> list[Interval]:
    """The feasible interval of every withheld figure of a period's releases (in order);
    with `sensitive_only`, of the figures that have a protection interval only. `joint`:
    indicators sharing a numerator or denominator by definition are attacked together
    (one's published figure is the other's); without it, one indicator at a time."""
    solved: dict[bytes, dict[int, tuple[float, float]]] = {}  # equal models, solved once
    found = []
    for members, system in _systems(published, truth, (min_institutions, min_people),
                                    indicators, links, sensitive_only, joint):
        found.extend(_intervals(members, system, solved, sensitive_only))
    return found


def failures(published: Sequence[Sequence[Mapping]], truth: Sequence[Sequence[Mapping]],
             min_institutions: int, min_people: int,
             indicators: Sequence[str] | None = None,
             links: Sequence[Relation] | None = None,
             only: set[tuple[int, str, str, str]] | None = None,
             joint: bool = True) -> list[Interval]:
    """The sensitive figures the rule does not protect (change-only ones aside), found with
    few linear programmes: one solution reaching several figures' limits at once shows all
    of them protected on that side; only the rest are solved one by one. `only`: the
    (release, indicator, stratum, quantity) figures to ask about (default: all)."""
    found = []
    for members, system in _systems(published, truth, (min_institutions, min_people),
                                    indicators, links, True, joint):
        found.extend(_failures(members, system, only))
    return found


def sharing_figures(indicators: Iterable[str]) -> dict[str, set[str]]:
    """Each indicator → the indicators whose numerator or denominator is one of its own by
    definition (the same return fields: one's published figure is the other's), itself
    included, closed under sharing."""
    parent = {code: code for code in indicators}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    first: dict[tuple, str] = {}
    for code in sorted(parent):
        for terms in _terms(code):
            if terms in first:
                parent[root(code)] = root(first[terms])
            else:
                first[terms] = code
    members: dict[str, set[str]] = defaultdict(set)
    for code in parent:
        members[root(code)].add(code)
    return {code: members[root(code)] for code in parent}


def _terms(code: str) -> list[tuple]:
    """The return fields an indicator's numerator and denominator add up (a fixed number
    of components is no figure of its own: it is the returns')."""
    indicator = BY_CODE.get(code)
    if indicator is None:
        return []
    return [t for t in (indicator.numerator, indicator.denominator) if isinstance(t, tuple)]


def _systems(published, truth, limits: tuple[int, int], indicators, links,
             sensitive_only: bool, joint: bool):
    """(members, system) to solve: members are (indicator, model, first variable, asked);
    the counts of people of indicators sharing figures are one system when `joint`."""
    links = relations() if links is None else links
    present = sorted({c["indicator"] for cells in published for c in cells})
    asked = set(indicators or present)
    groups = sharing_figures(present) if joint else {code: {code} for code in present}
    seen: set[str] = set()

    def model(code: str, pair: tuple[str, str]) -> _Model:
        shown = [{c["stratum"]: c for c in cells if c["indicator"] == code} for cells in published]
        true = [{c["stratum"]: c for c in cells if c["indicator"] == code} for cells in truth]
        return _Model(shown, true, pair, BY_CODE.get(code), limits, links)

    for code in present:
        if code not in asked or code in seen:
            continue
        group = sorted(groups[code])
        seen.update(group)
        if not sensitive_only:  # institutions and returns: each indicator's own
            for member in group:
                if member in asked:
                    one = model(member, PAIRS[0])
                    yield [(member, one, 0, True)], one
        models = [(member, model(member, PAIRS[1])) for member in group]
        system = models[0][1] if len(models) == 1 else _Joint(models)
        offsets = [0] if len(models) == 1 else system.offsets
        yield [(member, m, offset, member in asked)
               for (member, m), offset in zip(models, offsets, strict=True)], system


def withheld(cell: Mapping) -> tuple[str, ...]:
    """The quantities a published cell does not show."""
    if cell["suppression"] != "none":
        return SUPPRESSED_QUANTITIES
    return WITHHELD_RATE_QUANTITIES if cell.get("rate_withheld") else ()


class _Model:
    """One indicator's unknowns across releases (unchanged cells merged) and constraints."""

    def __init__(self, shown: list[dict], true: list[dict], pair: tuple[str, str],
                 indicator: Indicator | None, limits: tuple[int, int],
                 links: Sequence[Relation]):
        self.shown, self.true, self.pair, self.links = shown, true, pair, links
        self.proportion = indicator is not None and indicator.kind == "proportion"
        self.people = indicator is None or indicator.people_denominator
        self.limits = limits
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
        if quantity == "denominator" and reason == "protects_a_withheld_rate" and self.people:
            return float(people), math.inf  # else the people rule would have withheld it
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
        return _matrices(len(self.column), self.equal, self.below)

    def withheld_figures(self, sensitive_only: bool):
        """(release, stratum, quantity, variable, sensitive) of every withheld figure that is
        an unknown here (a figure another release shows is public)."""
        for (r, stratum), k in sorted(self.node_class.items()):
            for quantity in withheld(self.shown[r][stratum]):
                if quantity not in self.pair or (k, stratum, quantity) not in self.column:
                    continue
                flag = sensitive(self.true[r][stratum], quantity, self.people, *self.limits)
                national = self.true[r].get(NATIONAL)
                flag = flag and (national is None or national[quantity] > 0)
                if flag or not sensitive_only:
                    yield r, stratum, quantity, self.column[(k, stratum, quantity)], flag

    def interval(self, indicator: str, figure, low: float, high: float) -> Interval:
        r, stratum, quantity, _, flag = figure
        return Interval(r, indicator, stratum, quantity,
                        float(self.true[r][stratum][quantity]), low, high,
                        self.prior(r, stratum, quantity), self.change_only(r, stratum), flag)



class _Joint:
    """Indicators whose numerators or denominators are the same return fields, as one
    system: each one's model, and an equation tying every such pair of figures of a cell
    where they agree (the worst case: the public knows when they do; they differ where the
    indicators count different returns, e.g. a survey gate)."""

    def __init__(self, models: list[tuple[str, _Model]]):
        self.offsets: list[int] = []
        self.bounds: list[list[float]] = []
        self.equal: list[tuple[dict[int, float], float]] = []
        self.below: list[tuple[dict[int, float], float]] = []
        for _, model in models:
            offset = len(self.bounds)
            self.offsets.append(offset)
            self.bounds.extend(list(bound) for bound in model.bounds)
            for mine, theirs in ((self.equal, model.equal), (self.below, model.below)):
                mine.extend(({j + offset: c for j, c in row.items()}, b) for row, b in theirs)
        self.column = range(len(self.bounds))
        self._tie(models)

    def _tie(self, models: list[tuple[str, _Model]]) -> None:
        named: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
        for i, (code, model) in enumerate(models):
            indicator = BY_CODE.get(code)
            for quantity in model.pair:
                terms = getattr(indicator, quantity, None)
                if isinstance(terms, tuple):
                    named[terms].append((i, quantity))
        for same in named.values():
            for (i, mine), (k, theirs) in combinations(same, 2):
                first, second = models[i][1], models[k][1]
                for r, cells in enumerate(first.true):
                    for stratum in sorted(cells.keys() & second.true[r].keys()):
                        if float(cells[stratum][mine]) != float(second.true[r][stratum][theirs]):
                            continue
                        a, b = first._term(r, stratum, mine), second._term(r, stratum, theirs)
                        row: dict[int, float] = {}
                        for terms, offset, sign in ((a[0], self.offsets[i], 1.0),
                                                    (b[0], self.offsets[k], -1.0)):
                            for j, c in terms.items():
                                row[j + offset] = row.get(j + offset, 0.0) + sign * c
                        row = {j: c for j, c in row.items() if c}
                        if row:
                            self.equal.append((row, b[1] - a[1]))

    def _matrices(self):
        return _matrices(len(self.bounds), self.equal, self.below)


def _matrices(n: int, equal: list, below: list):
    a_eq = np.zeros((len(equal), n))
    a_ub = np.zeros((len(below), n))
    for matrix, rows in ((a_eq, equal), (a_ub, below)):
        for i, (coefficients, _) in enumerate(rows):
            for j, c in coefficients.items():
                matrix[i, j] = c
    return a_ub, np.array([b for _, b in below]), a_eq, np.array([b for _, b in equal])


def _asked_figures(members, sensitive_only: bool):
    """(indicator, model, figure, variable in the system) of the asked members' figures."""
    for code, model, offset, asked in members:
        if asked:
            for figure in model.withheld_figures(sensitive_only):
                yield code, model, figure, offset + figure[3]


def _intervals(members, system, solved: dict, sensitive_only: bool) -> list[Interval]:
    """Minimise and maximise every withheld figure (a system seen before is not solved
    again: indicators sharing counts and a pattern share their institutions' model)."""
    figures = list(_asked_figures(members, sensitive_only))
    if not figures:
        return []
    a_ub, b_ub, a_eq, b_eq = system._matrices()
    key = b"|".join(np.ascontiguousarray(m).tobytes() for m in (
        a_ub, b_ub, a_eq, b_eq, np.array(system.bounds, dtype=float)))
    ranges = solved.setdefault(key, {})
    for *_, j in figures:
        if j not in ranges:
            ranges[j] = _range(j, a_ub, b_ub, a_eq, b_eq, system.bounds)
    return [model.interval(code, figure, *ranges[j]) for code, model, figure, j in figures]


def _failures(members, system, only: set | None) -> list[Interval]:
    """The sensitive figures whose range misses their protection interval (the range
    reported is exact at the end that misses, the required end at the other)."""
    figures = [(code, model, f, j) for code, model, f, j in _asked_figures(members, True)
               if not model.change_only(f[0], f[1])
               and (only is None or (f[0], code, f[1], f[2]) in only)]
    if not figures:
        return []
    matrices = system._matrices()
    need = {j: required_range(float(model.true[f[0]][f[1]][f[2]]), model.prior(f[0], f[1], f[2]))
            for _, model, f, j in figures}
    reach = [_unreached(need, side, matrices, system.bounds) for side in (0, 1)]
    found = []
    for code, model, figure, j in figures:
        if j in reach[0] or j in reach[1]:
            found.append(model.interval(code, figure, reach[0].get(j, need[j][0]),
                                        reach[1].get(j, need[j][1])))
    return found


def _unreached(need: dict[int, tuple[float, float]], side: int, matrices,
               bounds: list[list[float]]) -> dict[int, float]:
    """Variables whose feasible range does not reach their required end (side 1: the upper,
    0: the lower), with the end they do reach. One programme pushes every pending variable
    toward its end at once, capped there, so one solution can show many reached; once a
    joint solution reaches none, the rest are solved one by one."""
    sign = -1.0 if side else 1.0  # maximise the upper end, minimise the lower
    pending = sorted(need)
    while pending:
        capped = [list(bound) for bound in bounds]
        cost = np.zeros(len(bounds))
        for j in pending:
            capped[j][side] = need[j][side]  # never beyond the end needed: bounded
            cost[j] = sign / max(abs(need[j][side]), 1.0)
        point = _solve(cost, *matrices, capped)
        reached = {j for j in pending if _at(point[j], need[j][side])}
        if not reached:
            break
        pending = [j for j in pending if j not in reached]
    unreached: dict[int, float] = {}
    for j in pending:
        alone, limits = np.zeros(len(bounds)), [list(bound) for bound in bounds]
        alone[j], limits[j][side] = sign, need[j][side]
        end = float(_solve(alone, *matrices, limits)[j])
        if not _at(end, need[j][side]):
            unreached[j] = end
    return unreached


def _at(value: float, end: float) -> bool:
    return abs(value - end) <= 1e-6 * max(1.0, abs(end))


def _solve(cost, a_ub, b_ub, a_eq, b_eq, bounds) -> np.ndarray:
    """The optimal point of a bounded programme."""
    limits = [(low, None if high == math.inf else high) for low, high in bounds]
    result = linprog(cost, A_ub=a_ub if len(a_ub) else None, b_ub=b_ub if len(a_ub) else None,
                     A_eq=a_eq if len(a_eq) else None, b_eq=b_eq if len(a_eq) else None,
                     bounds=limits, method="highs")
    if result.status != 0:
        raise RuntimeError(f"the attacker's model is {result.message}")
    return result.x


def _range(j: int, a_ub, b_ub, a_eq, b_eq, bounds) -> tuple[float, float]:
    """Variable j's smallest and largest feasible value."""
    limits = [(low, None if high == math.inf else high) for low, high in bounds]
    return (_optimum(j, 1.0, a_ub, b_ub, a_eq, b_eq, limits),
            _optimum(j, -1.0, a_ub, b_ub, a_eq, b_eq, limits))


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



