"""The benchmark cells of a release: every indicator × stratum with its statistics, then
disclosure control (suppression of small cells, withholding of rates on few people)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from registry.config import ReleaseSettings
from registry.indicators import stats
from registry.indicators.aggregates import Aggregates, InstitutionInfo, optional_float
from registry.indicators.strata import DIMENSION_SETS, relations, stratum_code
from registry.indicators.suppression import PRIMARY, PUBLISHED, complete, suppress
from schemas.indicators import LEVELS, Indicator

RATE_WITHHELD = "denominator_below_minimum"
RATE_WITHHELD_COMPLEMENTARY = "protects_a_withheld_rate"
STATISTICS = ("p10", "p25", "median", "p75", "p90")
# a cell's fields as stored and exported
CELL_FIELDS = ("indicator", "stratum", "institutions", "returns", "numerator", "denominator",
               "pooled_rate", "ci_low", "ci_high", "mean", "p10", "p25", "median", "p75",
               "p90", "suppression", "rate_withheld")
TRUTH_FIELDS = ("indicator", "stratum", "institutions", "returns", "numerator", "denominator")


@dataclass
class SuppressionGroup:
    """Indicators sharing one suppression pattern: its cell sizes and statuses by stratum."""

    indicators: tuple[str, ...]
    sizes: dict[str, int]
    status: dict[str, str]


def benchmark_cells(institutions: Sequence[InstitutionInfo], overall: Aggregates,
                    by_level: Aggregates, catalogue: Sequence[Indicator],
                    settings: ReleaseSettings, groups: list[SuppressionGroup],
                    truth: list[dict]) -> list[dict]:
    """Every indicator × stratum cell of the institutions' sums (over all levels and by
    level), suppressed; `groups` gets the suppression patterns, `truth` each cell's
    counts before suppression."""
    return _cells(_scopes(institutions, overall, by_level), catalogue, settings, groups,
                  truth)


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


def _cells(scopes: dict[str, Scope], catalogue: Sequence[Indicator], settings: ReleaseSettings,
           groups: list[SuppressionGroup], truth: list[dict]) -> list[dict]:
    """Every indicator × stratum cell with its statistics, then suppression; `truth` gets
    each cell's counts before it."""
    cells: dict[tuple[int, str], dict] = {}
    for dims in DIMENSION_SETS:
        scope = scopes["level" if "level" in dims else "all"]
        for key, rows in _groups(scope, dims):
            code = stratum_code(zip(dims, key, strict=True))
            for j, cell in _group_cells(scope.agg, rows, catalogue, code):
                cells[(j, code)] = cell
    order = sorted(cells, key=lambda k: (catalogue[k[0]].code, k[1]))
    truth.extend({name: cells[key][name] for name in TRUTH_FIELDS} for key in order)
    groups.extend(_apply_suppression(cells, catalogue, settings))
    _withhold_small_rates(cells, catalogue, settings)
    return [cells[key] for key in order]


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
            "denominator": float(denominator[j]), "pooled_rate": optional_float(pooled[j]),
            "ci_low": optional_float(intervals[0][j]), "ci_high": optional_float(intervals[1][j]),
            "mean": optional_float(mean[j]),
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


def _apply_suppression(cells: dict, catalogue: Sequence[Indicator],
                       settings: ReleaseSettings) -> list[SuppressionGroup]:
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
                          settings: ReleaseSettings) -> None:
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
                        settings: ReleaseSettings) -> tuple[dict[str, str], dict[str, int]]:
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
