"""Primary and complementary (secondary) suppression over additive strata.

Primary: a cell built on fewer than `minimum` institutions is suppressed.
Secondary: every relation parent = Σ children is an equation the public can use. A cell
is recoverable when it is the only suppressed member of a relation, or, more generally,
when the published relations determine it by linear algebra. We repeat two steps until
neither changes anything: (1) in every relation with exactly one suppressed member,
suppress the smallest other non-empty member (children before the parent); (2) for every
suppressed cell the published equations still determine (its unit vector lies in the row
space of the equations restricted to suppressed cells), suppress the smallest published
cell sharing a relation with it. Cells absent from the table are known zeros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from registry.indicators.strata import Relation

PUBLISHED = "none"
PRIMARY = "primary"
SECONDARY = "secondary"


def primary_suppression(sizes: Mapping[str, int], minimum: int) -> dict[str, str]:
    """Suppress every present cell with fewer than `minimum` institutions."""
    return {cell: PRIMARY if 0 < size < minimum else PUBLISHED for cell, size in sizes.items()}


def suppress(
    sizes: Mapping[str, int], relations: Sequence[Relation], minimum: int,
    primary: set[str] | None = None,
) -> dict[str, str]:
    """Suppression status per present cell: none, primary or secondary."""
    status = primary_suppression(sizes, minimum)
    for cell in primary or ():
        if cell in status:
            status[cell] = PRIMARY
    complete(status, sizes, relations)
    return status


def complete(status: dict[str, str], sizes: Mapping[str, int],
             relations: Sequence[Relation], fixed: frozenset[str] = frozenset()) -> None:
    """Suppress more (in place) until no suppressed cell follows from the published ones;
    `fixed` cells are public anyway (an earlier release shows them) and never chosen."""
    live = [r for r in relations if any(m in sizes for m in r.members)]
    choosable = {c: size if c not in fixed else 0 for c, size in sizes.items()}
    while (_complete_relations(status, choosable, live)
           or _close_linear_gaps(status, choosable, live)):
        pass


def _complete_relations(status: dict, sizes: Mapping[str, int], relations) -> bool:
    """Step 1: no relation may have exactly one suppressed member."""
    changed = False
    for relation in relations:
        hidden = [m for m in relation.members if status.get(m, PUBLISHED) != PUBLISHED]
        if len(hidden) == 1 and _hide_smallest(status, sizes, relation):
            changed = True
    return changed


def _hide_smallest(status: dict, sizes: Mapping[str, int], relation: Relation) -> bool:
    """Suppress the smallest published non-empty child (the parent if no child is left)."""
    candidates = [c for c in relation.children if status.get(c) == PUBLISHED and sizes[c] > 0]
    if not candidates and status.get(relation.parent) == PUBLISHED and sizes[relation.parent]:
        candidates = [relation.parent]
    if not candidates:
        return False
    chosen = min(candidates, key=lambda c: (sizes[c], c))
    status[chosen] = SECONDARY
    return True


def _close_linear_gaps(status: dict, sizes: Mapping[str, int], relations) -> bool:
    """Step 2: suppress more where the published equations pin a suppressed cell down."""
    for cell in determined_cells(status, relations):
        for relation in relations:
            if cell in relation.members and _hide_smallest_published(status, sizes, relation):
                return True
    return False


def _hide_smallest_published(status: dict, sizes: Mapping[str, int], relation) -> bool:
    candidates = [m for m in relation.members if status.get(m) == PUBLISHED and sizes[m] > 0]
    if not candidates:
        return False
    status[min(candidates, key=lambda c: (sizes[c], c))] = SECONDARY
    return True


def determined_cells(status: Mapping[str, str], relations: Sequence[Relation]) -> list[str]:
    """Suppressed cells whose value follows from the published cells and the relations."""
    hidden = sorted(c for c, s in status.items() if s != PUBLISHED)
    if not hidden:
        return []
    index = {cell: i for i, cell in enumerate(hidden)}
    rows = []
    for relation in relations:
        row = np.zeros(len(hidden))
        for sign, members in ((1.0, (relation.parent,)), (-1.0, relation.children)):
            for member in members:
                if member in index:
                    row[index[member]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    identity = np.eye(len(hidden))
    return [cell for cell, i in index.items()
            if np.linalg.matrix_rank(np.vstack([matrix, identity[i]])) == rank]
