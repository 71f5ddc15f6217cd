"""Compute a release's content from plain inputs: institution values, cells, comparisons.

Pure: the same inputs give the same content, whatever the database or the clock. The sums
are in `aggregates`, the benchmark cells in `cells`, each institution's figures in
`institutions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from registry.config import ReleaseSettings
from registry.indicators.aggregates import ReleaseInputs, aggregate, unit_matrices
from registry.indicators.cells import SuppressionGroup, benchmark_cells
from registry.indicators.institutions import InstitutionTable, institution_table
from schemas.indicators import CATALOGUE, LEVELS, Indicator

# 1.1: rates withheld to protect a withheld rate from subtraction; a zero denominator by the
# catalogue's rule; stratum intervals over institutions. 1.2: across releases, the change of
# a cell whose earlier value is public is not protected. 1.3: more rates withheld until every
# sensitive figure keeps its protection interval (`protection`); the adjusted-benchmark
# flags allow for over-dispersion between institutions
METHOD_VERSION = "1.3"


@dataclass
class ReleaseContent:
    period_code: str
    settings: ReleaseSettings
    cells: list[dict]
    institutions: InstitutionTable
    return_version_ids: list[int] = field(default_factory=list)
    # one pattern per group of linked indicators, kept for the check across releases
    suppression_groups: list[SuppressionGroup] = field(default_factory=list)
    # every cell's institutions, returns, numerator and denominator before withholding
    truth: list[dict] = field(default_factory=list)


def compute_release(
    inputs: ReleaseInputs, settings: ReleaseSettings, catalogue: Sequence[Indicator] = CATALOGUE
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
    truth: list[dict] = []
    cells = benchmark_cells(institutions, overall, by_level, catalogue, settings, groups,
                            truth)
    table = institution_table(institutions, overall, by_level, catalogue)
    version_ids = sorted(u.version_id for u in inputs.returns)
    return ReleaseContent(inputs.period_code, settings, cells, table, version_ids, groups,
                          truth)
