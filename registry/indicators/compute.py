"""Compute a release's content from plain inputs: institution values, cells, comparisons.

Pure: the same inputs give the same content, whatever the database or the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from registry.indicators import stats
from registry.indicators.extract import NO_RETURNS, REASON_CODE, REASONS, value_matrix
from registry.indicators.strata import DIMENSION_SETS, relations, stratum_code
from registry.indicators.suppression import PRIMARY, PUBLISHED, complete, suppress
from schemas.indicators import CATALOGUE, LEVELS, MIN_PEOPLE_FOR_RATE, Indicator

# 1.1: rates withheld to protect a withheld rate from subtraction; a zero denominator by the
# catalogue's rule; stratum intervals over institutions. 1.2: across releases, the change of
# a cell whose earlier value is public is not protected
METHOD_VERSION = "1.2"
RATE_WITHHELD = "denominator_below_minimum"
RATE_WITHHELD_COMPLEMENTARY = "protects_a_withheld_rate"
STATISTICS = ("p10", "p25", "median", "p75", "p90")


@dataclass(frozen=True)
class InstitutionInfo:
    id: int
    code: str
    type: str
    sector: str
    province: str


@dataclass(frozen=True)
class ReturnUnit:
    """A return version counted in the release."""

    version_id: int
    institution_id: int
    level: str
    payload: Mapping


@dataclass(frozen=True)
class ExpectedUnit:
    """A programme expected to report in the period, and how its return fared."""

    institution_id: int
    level: str
    accepted: bool
    on_time: bool


@dataclass(frozen=True)
class ReleaseInputs:
    period_code: str
    institutions: Sequence[InstitutionInfo]
    returns: Sequence[ReturnUnit]
    expected: Sequence[ExpectedUnit] = ()


@dataclass(frozen=True)
class Settings:
    min_institutions: int = 5
    min_people: int = MIN_PEOPLE_FOR_RATE
    acceptance_level: str = "validated"


@dataclass
class Aggregates:
    """Σnum, Σden, returns counted and a missing reason, per unit of aggregation × indicator."""

    numerator: np.ndarray
    denominator: np.ndarray
    units: np.ndarray
    reason: np.ndarray
    value: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        with np.errstate(divide="ignore", invalid="ignore"):
            self.value = np.where(self.denominator > 0, self.numerator / self.denominator,
                                  np.nan)


@dataclass
class ReleaseContent:
    period_code: str
    settings: Settings
    cells: list[dict]
    institutions: InstitutionTable
    return_version_ids: list[int] = field(default_factory=list)
    # one pattern per group of linked indicators, kept for the check across releases
    suppression_groups: list[SuppressionGroup] = field(default_factory=list)


@dataclass
class SuppressionGroup:
    """Indicators sharing one suppression pattern: its cell sizes and statuses by stratum."""

    indicators: tuple[str, ...]
    sizes: dict[str, int]
    status: dict[str, str]


def unit_matrices(inputs: ReleaseInputs, catalogue: Sequence[Indicator]):
    """Numerators, denominators and reasons for every counted unit × indicator."""
    sourced = [i for i, ind in enumerate(catalogue) if ind.source == "return"]
    register = [i for i, ind in enumerate(catalogue) if ind.source == "register"]
    n_returns, n_expected = len(inputs.returns), len(inputs.expected)
    shape = (n_returns + n_expected, len(catalogue))
    num, den = np.full(shape, np.nan), np.full(shape, np.nan)
    reason = np.full(shape, REASON_CODE["not_reported"], dtype=np.int8)
    rn, rd, rr = value_matrix([u.payload for u in inputs.returns],
                              [catalogue[i] for i in sourced])
    num[:n_returns, sourced], den[:n_returns, sourced], reason[:n_returns, sourced] = rn, rd, rr
    flags = {"on_time": np.array([u.on_time for u in inputs.expected], dtype=float),
             "accepted": np.array([u.accepted for u in inputs.expected], dtype=float)}
    for column in register:
        num[n_returns:, column] = flags[_register_flag(catalogue[column])]
        den[n_returns:, column] = 1.0
        reason[n_returns:, column] = 0
    return num, den, reason


def _register_flag(indicator: Indicator) -> str:
    """The ExpectedUnit field a register indicator counts."""
    return "on_time" if indicator.code == "returns_timeliness" else "accepted"


def aggregate(groups: np.ndarray, size: int, num, den, reason) -> Aggregates:
    """Σnum/Σden per group over the units where the indicator is present."""
    present = ~np.isnan(num)
    shape = (size, num.shape[1])
    sums_n, sums_d, counts = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int64)
    for column in range(num.shape[1]):
        mask = present[:, column]
        g = groups[mask]
        sums_n[:, column] = np.bincount(g, num[mask, column], minlength=size)
        sums_d[:, column] = np.bincount(g, den[mask, column], minlength=size)
        counts[:, column] = np.bincount(g, minlength=size)
    worst = _group_max(groups, size, reason)
    empty = counts == 0
    sums_n[empty], sums_d[empty] = np.nan, np.nan
    worst[~empty] = 0
    return Aggregates(sums_n, sums_d, counts, worst)


def _group_max(groups: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    """The largest value of each group, per column (0 for groups without units)."""
    found = np.zeros((size, values.shape[1]), dtype=values.dtype)
    if groups.size == 0:
        return found
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    found[ordered[starts]] = np.maximum.reduceat(values[order], starts, axis=0)
    return found


def compute_release(
    inputs: ReleaseInputs, settings: Settings, catalogue: Sequence[Indicator] = CATALOGUE
) -> ReleaseContent:
    """Everything a release publishes and stores, from its inputs."""
    institutions = sorted(inputs.institutions, key=lambda i: i.code)
    position = {inst.id: k for k, inst in enumerate(institutions)}
    num, den, reason = unit_matrices(inputs, catalogue)
    units_inst = np.array([position[u.institution_id] for u in (*inputs.returns,
                                                                 *inputs.expected)], dtype=int)
    units_level = np.array([LEVELS.index(u.level) for u in (*inputs.returns, *inputs.expected)],
                           dtype=int)
    n = len(institutions)
    overall = aggregate(units_inst, n, num, den, reason)
    by_level = aggregate(units_inst * len(LEVELS) + units_level, n * len(LEVELS), num, den,
                         reason)
    groups: list[SuppressionGroup] = []
    cells = _cells(_scopes(institutions, overall, by_level), catalogue, settings, groups)
    table = _institution_table(institutions, overall, by_level, catalogue)
    version_ids = sorted(u.version_id for u in inputs.returns)
    return ReleaseContent(inputs.period_code, settings, cells, table, version_ids, groups)


@dataclass
class Scope:
    """Aggregates with the stratum attributes of each of their rows."""

    attrs: dict[str, np.ndarray]
    agg: Aggregates


def _scopes(institutions, overall: Aggregates, by_level: Aggregates) -> dict[str, Scope]:
    """Institutions over all levels, and institution × level."""
    attrs = {name: np.array([getattr(i, name) for i in institutions], dtype=object)
             for name in ("type", "sector", "province")}
    size = len(LEVELS)
    level_attrs = {name: np.repeat(values, size) for name, values in attrs.items()}
    level_attrs["level"] = np.tile(np.array(LEVELS, dtype=object), len(institutions))
    return {"all": _scope(attrs, overall), "level": _scope(level_attrs, by_level)}


def _scope(attrs: dict[str, np.ndarray], agg: Aggregates) -> Scope:
    """Only the rows with counted returns for some indicator: the others add nothing to any
    cell (a third of institution × level rows are levels an institution does not run)."""
    keep = (agg.units > 0).any(axis=1)
    if keep.all():
        return Scope(attrs, agg)
    return Scope({name: values[keep] for name, values in attrs.items()},
                 Aggregates(agg.numerator[keep], agg.denominator[keep], agg.units[keep],
                            agg.reason[keep]))


def _cells(scopes: dict[str, Scope], catalogue: Sequence[Indicator], settings: Settings,
           groups: list[SuppressionGroup]) -> list[dict]:
    """Every indicator × stratum cell with its statistics, then suppression."""
    cells: dict[tuple[int, str], dict] = {}
    for dims in DIMENSION_SETS:
        scope = scopes["level" if "level" in dims else "all"]
        for key, rows in _groups(scope, dims):
            code = stratum_code(zip(dims, key, strict=True))
            for j, cell in _group_cells(scope.agg, rows, catalogue, code):
                cells[(j, code)] = cell
    groups.extend(_apply_suppression(cells, catalogue, settings))
    _withhold_small_rates(cells, catalogue, settings)
    return [cells[key] for key in sorted(cells, key=lambda k: (catalogue[k[0]].code, k[1]))]


def _groups(scope: Scope, dims: tuple[str, ...]):
    """(values, row indices) of each group of rows sharing the dimensions' values."""
    size = len(scope.agg.units)
    if not dims:
        yield (), np.arange(size)
        return
    frame = pd.DataFrame({d: scope.attrs[d] for d in dims})
    groups = frame.groupby(list(dims), sort=True).indices
    for key in sorted(groups):
        yield (key if isinstance(key, tuple) else (key,)), np.asarray(groups[key], dtype=int)


def _group_cells(agg: Aggregates, rows: np.ndarray, catalogue, stratum: str):
    """The cells of one stratum for every indicator at once."""
    values = agg.value[rows]
    valid = ~np.isnan(values)
    # An institution whose counted returns all have a zero denominator (a count rate) has
    # no value of its own but still adds its numerator to the stratum's sums.
    present = agg.units[rows] > 0
    counts = present.sum(axis=0)
    if not counts.any():
        return
    numerator = np.where(present, agg.numerator[rows], 0.0).sum(axis=0)
    denominator = np.where(present, agg.denominator[rows], 0.0).sum(axis=0)
    returns = np.where(present, agg.units[rows], 0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = np.where(denominator > 0, numerator / denominator, np.nan)
        mean = np.where(valid, values, 0.0).sum(axis=0) / valid.sum(axis=0)
    q = stats.column_quantiles(values)
    intervals = _intervals(catalogue, (agg.numerator[rows], agg.denominator[rows], present))
    for j, indicator in enumerate(catalogue):
        if counts[j] == 0:
            continue
        yield j, {
            "indicator": indicator.code, "stratum": stratum, "institutions": int(counts[j]),
            "returns": int(returns[j]), "numerator": float(numerator[j]),
            "denominator": float(denominator[j]), "pooled_rate": _num(pooled[j]),
            "ci_low": _num(intervals[0][j]), "ci_high": _num(intervals[1][j]),
            "mean": _num(mean[j]),
            **{name: float(q[s, j]) for s, name in enumerate(STATISTICS)},
            "suppression": PUBLISHED, "rate_withheld": None, "revised": False,
        }


def _intervals(catalogue, by_institution: tuple[np.ndarray, np.ndarray, np.ndarray]):
    """Each indicator's 95 % interval for a stratum, computed once per kind."""
    kinds = np.array([i.kind for i in catalogue])
    low, high = np.full(len(catalogue), np.nan), np.full(len(catalogue), np.nan)
    numerators, denominators, present = by_institution
    for kind in np.unique(kinds):
        chosen = kinds == kind
        low[chosen], high[chosen] = stats.stratum_interval(
            kind, numerators[:, chosen], denominators[:, chosen], present[:, chosen])
    return low, high


def _num(x) -> float | None:
    """A float, or None for NaN / None."""
    if x is None:
        return None
    x = float(x)
    return None if x != x else x


def _apply_suppression(cells: dict, catalogue: Sequence[Indicator],
                       settings: Settings) -> list[SuppressionGroup]:
    """One pattern per group of indicators that could be read across: sharing a denominator
    or identical institution and return counts in every cell (union of their primaries)."""
    links = relations()
    groups = []
    for members in _linked_indicators(cells, catalogue):
        primary: set[str] = set()
        sizes: dict[str, int] = {}
        for (j, code), cell in cells.items():
            if j in members:
                sizes[code] = max(sizes.get(code, 0), cell["institutions"])
                if cell["institutions"] < settings.min_institutions:
                    primary.add(code)
        status = suppress(sizes, links, settings.min_institutions, primary)
        for (j, code), cell in cells.items():
            if j in members and status.get(code, PUBLISHED) != PUBLISHED:
                blank_cell(cell, status[code])
        groups.append(SuppressionGroup(tuple(catalogue[j].code for j in sorted(members)),
                                       sizes, status))
    return groups


def _linked_indicators(cells: dict, catalogue: Sequence[Indicator]) -> list[set[int]]:
    """Connected groups of indicators (union–find over shared denominators and counts)."""
    parent = list(range(len(catalogue)))

    def root(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    counts: dict[int, list] = {}
    for (j, code), cell in sorted(cells.items(), key=lambda item: item[0][1]):
        counts.setdefault(j, []).append((code, cell["institutions"], cell["returns"]))
    first: dict[object, int] = {}
    for j, indicator in enumerate(catalogue):
        for key in (("denominator", indicator.denominator), ("counts", tuple(counts.get(j, ())))):
            if key in first:
                parent[root(j)] = root(first[key])
            else:
                first[key] = j
    groups: dict[int, set[int]] = {}
    for j in range(len(catalogue)):
        groups.setdefault(root(j), set()).add(j)
    return list(groups.values())


def blank_cell(cell: dict, status: str) -> None:
    for name in ("institutions", "returns", "numerator", "denominator", "pooled_rate", "ci_low",
                 "ci_high", "mean", *STATISTICS):
        cell[name] = None
    cell["suppression"] = status


def _withhold_small_rates(cells: dict, catalogue: Sequence[Indicator],
                          settings: Settings) -> None:
    """Rates on fewer than `min_people` people are not published (nor their counts).

    A withheld numerator and denominator are unknowns in the same additive system as
    suppressed cells (a stratum is the sum of its split): where the published figures
    would give them back by subtraction, more rates are withheld, chosen as suppression
    chooses complementary cells (the smallest denominator first), until none can be.
    Indicators whose denominators are equal in every cell are withheld together, since
    one's published denominator is the other's.
    """
    links = relations()
    for members in _shared_denominators(cells, catalogue):
        status, sizes = _withholding_status(cells, members, settings)
        complete(status, sizes, links)
        for (j, code), cell in cells.items():
            if j in members and cell["suppression"] == PUBLISHED and status[code] != PUBLISHED:
                _withhold_rate(cell, RATE_WITHHELD if status[code] == PRIMARY
                               else RATE_WITHHELD_COMPLEMENTARY)


def _shared_denominators(cells: dict, catalogue: Sequence[Indicator]) -> list[set[int]]:
    """Groups of people-denominated indicators whose denominators agree in every cell."""
    signatures: dict[int, list] = defaultdict(list)
    for (j, code), cell in sorted(cells.items(), key=lambda item: item[0][1]):
        if catalogue[j].people_denominator:
            signatures[j].append((code, cell["denominator"]))
    groups: dict[tuple, set[int]] = defaultdict(set)
    for j, signature in signatures.items():
        groups[tuple(signature)].add(j)
    return list(groups.values())


def _withholding_status(cells: dict, members: set[int],
                        settings: Settings) -> tuple[dict[str, str], dict[str, int]]:
    """Per stratum: hidden (suppressed, or under `min_people`) or published; its people."""
    status: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for (j, code), cell in cells.items():
        if j not in members or code in status:
            continue
        denominator = cell["denominator"]
        hidden = cell["suppression"] != PUBLISHED or denominator < settings.min_people
        status[code] = PRIMARY if hidden else PUBLISHED
        sizes[code] = int(denominator) if denominator is not None else 0
    return status, sizes


def _withhold_rate(cell: dict, reason: str) -> None:
    for name in ("numerator", "denominator", "pooled_rate", "ci_low", "ci_high"):
        cell[name] = None
    cell["rate_withheld"] = reason


INSTITUTION_FIELDS = ("value", "numerator", "denominator", "ci_low", "ci_high", "percentile",
                      "peer_median", "peer_pooled", "contribution_median",
                      "contribution_pooled", "expected", "expected_p")


@dataclass
class InstitutionTable:
    """Per institution × indicator figures, kept as arrays until rows are needed."""

    institutions: list[InstitutionInfo]
    indicators: list[str]
    figures: dict[str, np.ndarray]
    returns: np.ndarray
    peer_institutions: np.ndarray
    reason: np.ndarray
    by_level: Aggregates

    def rows(self, institution_ids: set[int] | None = None):
        """One dict per institution × indicator that has returns or a missing reason."""
        columns = self.columns()
        for values in zip(*columns.values(), strict=True):
            row = dict(zip(columns, values, strict=True))
            if institution_ids is None or row["institution_id"] in institution_ids:
                yield row

    def columns(self) -> dict[str, list]:
        """The rows column by column, built array-wise (equal `by_level` dicts are shared)."""
        matrices = self.matrices()
        k, j = np.nonzero(matrices.pop("has_row"))
        columns = {name: _nullable(matrices[name][k, j]) for name in INSTITUTION_FIELDS}
        columns.update({
            "institution_id": np.array([i.id for i in self.institutions])[k].tolist(),
            "institution": np.array([i.code for i in self.institutions], dtype=object)[k].tolist(),
            "indicator": np.array(self.indicators, dtype=object)[j].tolist(),
            **{name: matrices[name][k, j].tolist()
               for name in ("returns", "peer_institutions", "flag", "missing_reason")},
            "by_level": _levels(self.by_level, k, j),
        })
        return columns

    def matrices(self) -> dict[str, np.ndarray]:
        """Every row field as an institution × indicator matrix, and `has_row`: which
        institution × indicator pairs are rows (they have returns or a missing reason)."""
        present = ~np.isnan(self.figures["value"])
        found = {name: (np.where(present, self.figures[name], np.nan)
                        if name in BLANK_WITHOUT_VALUE else self.figures[name])
                 for name in INSTITUTION_FIELDS}  # without a value, none of those either
        reasons = np.array([reason or NO_RETURNS for reason in REASONS], dtype=object)
        found.update({
            "has_row": (self.returns != 0) | (self.reason != 0),
            "returns": self.returns, "peer_institutions": self.peer_institutions,
            "flag": _flags(found["value"], found["expected"], found["expected_p"]),
            "missing_reason": np.where(present, None, reasons[self.reason]),
        })
        return found

    def level_matrices(self) -> dict[str, dict[str, np.ndarray]]:
        """level → returns, numerator, denominator and value, institution × indicator."""
        size, (n, count) = len(LEVELS), self.returns.shape
        return {level: {name: figures.reshape(n, size, count)[:, li, :]
                        for name, figures in (("returns", self.by_level.units),
                                              ("numerator", self.by_level.numerator),
                                              ("denominator", self.by_level.denominator),
                                              ("value", self.by_level.value))}
                for li, level in enumerate(LEVELS)}


BLANK_WITHOUT_VALUE = tuple(name for name in INSTITUTION_FIELDS[3:]
                            if not name.startswith("peer_"))


def _nullable(figures: np.ndarray) -> list:
    """Python floats, None for NaN."""
    found = figures.astype(object)
    found[np.isnan(figures)] = None
    return found.tolist()


def _flags(observed: np.ndarray, expected: np.ndarray, p_value: np.ndarray) -> np.ndarray:
    """higher / lower when the exact test gives p < 0.05, else as_expected (None untested)."""
    with np.errstate(invalid="ignore"):
        significant = p_value < 0.05
    found = np.where(significant, np.where(observed > expected, "higher", "lower"),
                     "as_expected").astype(object)
    found[np.isnan(observed) | np.isnan(expected)] = None
    return found


def _levels(by_level: Aggregates, k: np.ndarray, j: np.ndarray) -> list[dict]:
    """Each row's figures per programme level it has returns at; one dict per distinct content."""
    size = len(LEVELS)
    rows = k * size
    matrix = np.column_stack([figures[rows + li, j].astype(float) for li in range(size)
                              for figures in (by_level.units, by_level.numerator,
                                              by_level.denominator, by_level.value)])
    for li in range(size):  # a level without returns is left out, whatever its figures
        matrix[matrix[:, 4 * li] <= 0, 4 * li:4 * li + 4] = 0.0
    keys = np.ascontiguousarray(matrix).view(np.dtype((np.void, matrix.itemsize * 4 * size)))
    _, first, inverse = np.unique(keys.ravel(), return_index=True, return_inverse=True)
    made = [_level_dict(figures) for figures in matrix[first].tolist()]
    return [made[n] for n in inverse.ravel().tolist()]


def _level_dict(figures: list[float]) -> dict:
    """{level: numerator, denominator, value, returns} from one row of the level matrix."""
    found = {}
    for li, level in enumerate(LEVELS):
        units, numerator, denominator, value = figures[4 * li:4 * li + 4]
        if units > 0:
            found[level] = {"numerator": _num(numerator), "denominator": _num(denominator),
                            "value": _num(value), "returns": int(units)}
    return found


def _institution_table(institutions, overall: Aggregates, by_level: Aggregates,
                       catalogue: Sequence[Indicator]) -> InstitutionTable:
    """Value, interval, rank, peers, contribution and adjusted value for every institution."""
    shape = overall.value.shape
    figures = {name: np.full(shape, np.nan) for name in INSTITUTION_FIELDS}
    figures["value"], figures["numerator"] = overall.value, overall.numerator
    figures["denominator"] = overall.denominator
    peer_count = np.zeros(shape, dtype=np.int64)
    peer_keys = _peer_members(institutions)
    for j, indicator in enumerate(catalogue):
        value = overall.value[:, j]
        figures["ci_low"][:, j], figures["ci_high"][:, j] = stats.rate_interval(
            indicator.kind, overall.numerator[:, j], overall.denominator[:, j])
        valid = ~np.isnan(value)  # an institution without a value has no rank
        figures["percentile"][valid, j] = stats.percentile_rank(value[valid], value[valid])
        peers = _peer_figures(value, overall.numerator[:, j], overall.denominator[:, j],
                              peer_keys)
        for name in ("median", "pooled", "contribution_median", "contribution_pooled"):
            figures[name if name.startswith("contribution") else f"peer_{name}"][:, j] = \
                peers[name]
        peer_count[:, j] = peers["count"]
    figures["expected"], figures["expected_p"] = _adjusted(catalogue, overall, by_level)
    return InstitutionTable(list(institutions), [i.code for i in catalogue], figures,
                            overall.units, peer_count, overall.reason, by_level)


def _peer_members(institutions) -> list[np.ndarray]:
    """Row indices of each default peer group (same type and sector)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for k, institution in enumerate(institutions):
        groups.setdefault((institution.type, institution.sector), []).append(k)
    return [np.array(groups[key], dtype=int) for key in sorted(groups)]


def _peer_figures(value, numerator, denominator, keys) -> dict[str, np.ndarray]:
    """Default peer group (same type and sector): median and pooled, with and without self."""
    n = len(value)
    out = {name: np.full(n, np.nan) for name in ("median", "pooled", "contribution_median",
                                                 "contribution_pooled")}
    out["count"] = np.zeros(n)
    for members in keys:
        valid = members[~np.isnan(value[members])]
        if valid.size == 0:
            continue
        _fill_peer(out, members, valid, value, numerator, denominator)
    return out


def _fill_peer(out, members, valid, value, numerator, denominator) -> None:
    order = valid[np.argsort(value[valid], kind="stable")]
    ordered = value[order]
    median = float(np.quantile(ordered, 0.5))
    total_n, total_d = numerator[valid].sum(), denominator[valid].sum()
    out["count"][members] = valid.size
    out["median"][members] = median
    out["pooled"][members] = total_n / total_d if total_d > 0 else np.nan
    out["contribution_median"][order] = median - stats.leave_one_out_quantile(ordered, 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        without = (total_n - numerator[order]) / (total_d - denominator[order])
    out["contribution_pooled"][order] = out["pooled"][order] - np.where(
        total_d - denominator[order] > 0, without, np.nan)


def _adjusted(catalogue: Sequence[Indicator], overall: Aggregates, by_level: Aggregates):
    """Indirect standardisation: E = Σ_level national rate × own denominator at that level.

    All indicators at once: (institutions × levels × indicators) arrays.
    """
    size, (n, count) = len(LEVELS), overall.value.shape
    numerators = by_level.numerator.reshape(n, size, count)
    denominators = by_level.denominator.reshape(n, size, count)
    level_n, level_d = np.nansum(numerators, axis=0), np.nansum(denominators, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(level_d > 0, level_n / level_d, 0.0)
    own_d = np.nan_to_num(denominators)
    # one matrix–vector product per indicator: the BLAS sums exactly as before
    expected_count = np.stack([np.ascontiguousarray(own_d[:, :, j]) @ rates[:, j]
                               for j in range(count)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected_value = expected_count / overall.denominator
    tested = np.array([i.kind != "quantity_rate" for i in catalogue], dtype=bool)
    p_values = np.full(expected_value.shape, np.nan)
    p_values[:, tested] = stats.poisson_test(np.round(overall.numerator[:, tested]),
                                             expected_count[:, tested])
    return expected_value, p_values
