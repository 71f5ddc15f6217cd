"""Disclosure control across the releases of one period: no recovery by differencing.

Each release's suppression pattern protects it on its own. Someone holding two releases
of a period (provisional, then final) can subtract: a cell whose figures did not change
has the same value in both, so a cell suppressed in one release and published in the
other is read off the other, and a complementary cell published in the later release can
reopen a relation the earlier release kept closed.

The rule, applied when a release is built after earlier releases of its period:
1. A cell is unchanged between two releases when every institution (for a level stratum,
   every institution × level) it covers has the same numerator, denominator and return
   count in both, or counts in neither. An unchanged cell is one unknown, whichever
   release shows it; we assume the worst: the public knows which cells are unchanged.
2. Carry forward: an unchanged cell suppressed in an earlier release stays suppressed.
3. The published cells of every release and every release's additive relations are
   solved together as one linear system. While it determines any suppressed cell of any
   release, the new release suppresses one more published cell (the smallest sharing a
   relation with it, and not one an earlier release shows unchanged: that is public
   knowledge, hiding it again protects nothing), then completes its own pattern (whose
   own complements can still fall on such cells: 2 of 1,598 in the case below).
4. The change is not protected (see below): a changed cell of the new release whose
   earlier value is public (an earlier release publishes it, or lacks the stratum: zero)
   is known up to its change, so its being determined is not a reason to hide more. Without
   this, one late return from a college alone in its stratum (the only dental college of
   a province) makes a new cell equal to national final − national provisional, and the
   check hid the national and province totals of the final to protect it (38 published
   national cells became 7 in a build of the national composition); now the final keeps
   them, and adds a handful of complementary cells. The new release's own pattern is
   completed the same way: such a cell counts as known there too (else a college alone in
   its province, late, leaves that province the only hidden one, and completion hid the
   national totals).
A cell whose figures changed is published when it passes suppression on its own and the
system above pins nothing down. Earlier releases are never changed; suppressed cells the
earlier releases already gave away between themselves are not counted against the new
one. Indicators that share a pattern within a release share the additions too.

Not covered: the change itself. A cell published in both releases that changed because of
a few colleges (two late returns, one correction) shows those colleges' contribution, or
its change, as the difference; the `revised` flag says which cells moved. A final release
that keeps its totals cannot hide a single late college's figures: they are the change of
every total that contains it. The check is
linear and exact: it assumes nothing about bounds (counts are non-negative, the
thresholds), which a reader can add; `attack` measures what they give away and
`protection` withholds more rates until every sensitive figure keeps its protection
interval.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from registry.indicators.aggregates import InstitutionInfo
from registry.indicators.cells import blank_cell
from registry.indicators.compute import ReleaseContent
from registry.indicators.protection import truth_cells
from registry.indicators.strata import Relation, all_strata, parse_stratum, relations
from registry.indicators.suppression import PRIMARY, PUBLISHED, SECONDARY, complete

Figures = tuple  # (numerator, denominator, returns) of one institution (× level)
FIGURES = ("institutions", "returns", "numerator", "denominator", "pooled_rate", "ci_low",
           "ci_high", "mean", "p10", "p25", "median", "p75", "p90", "rate_withheld")
Member = tuple[int, str]  # (institution id, level or "" for all levels)


@dataclass(frozen=True)
class ReleaseView:
    """What the check needs of one release: cell statuses and what each institution counts."""

    status: Mapping[tuple[str, str], str]  # (indicator, stratum) → suppression, present cells
    figures: Mapping[str, Mapping[Member, Figures]]  # indicator → member → figures
    cells: Mapping[tuple[str, str], Mapping] = field(default_factory=dict)  # as published
    truth: Sequence[Mapping] = ()  # every cell's counts before withholding (`truth_cells`)


def release_view(cells: Iterable[Mapping], institution_rows: Iterable[Mapping],
                 institutions: Sequence[InstitutionInfo] = ()) -> ReleaseView:
    """A release's view from its cells and its institution results (stored or computed);
    with the institutions, its cells' counts before withholding too."""
    institution_rows = list(institution_rows)
    cells = {(c["indicator"], c["stratum"]): dict(c) for c in cells}
    status = {key: cell["suppression"] for key, cell in cells.items()}
    figures: dict[str, dict[Member, Figures]] = defaultdict(dict)
    for row in institution_rows:
        counted = figures[row["indicator"]]
        if row["value"] is not None:
            counted[(row["institution_id"], "")] = (row["numerator"], row["denominator"],
                                                    row["returns"])
        for level, part in (row.get("by_level") or {}).items():
            if part.get("value") is not None:
                counted[(row["institution_id"], level)] = (part["numerator"],
                                                           part["denominator"], part["returns"])
    truth = truth_cells(institution_rows, institutions) if institutions else ()
    return ReleaseView(status, dict(figures), cells, truth)


def suppression_summary(cells: Sequence[Mapping],
                        previous: Sequence[Mapping] = ()) -> dict[str, int]:
    """Cells published, primary, secondary, rates withheld; and the information lost
    against the previous release of the period: cells (rates) it showed that this hides."""
    status = Counter(c["suppression"] for c in cells)
    shown = {(c["indicator"], c["stratum"]) for c in previous if c["suppression"] == PUBLISHED}
    rates = {(c["indicator"], c["stratum"]) for c in previous
             if c["suppression"] == PUBLISHED and not c["rate_withheld"]}
    hidden = {(c["indicator"], c["stratum"]) for c in cells if c["suppression"] != PUBLISHED}
    withheld = {(c["indicator"], c["stratum"]) for c in cells
                if c["suppression"] == PUBLISHED and c["rate_withheld"]}
    return {"published": status[PUBLISHED], "primary": status[PRIMARY],
            "secondary": status[SECONDARY], "rates_withheld": len(withheld),
            "cells_hidden_since_previous": len(shown & hidden),
            "rates_withheld_since_previous": len(rates & withheld)}


def protect_against_differencing(
    content: ReleaseContent, earlier: Sequence[ReleaseView],
    institutions: Sequence[InstitutionInfo],
) -> dict[tuple[str, str], str]:
    """Suppress more in the new release's cells (in place); (indicator, stratum) → status added."""
    if not earlier:
        return {}
    new = release_view(content.cells, content.institutions.rows())
    check = _Check([*earlier, new], institutions)
    cells = {(c["indicator"], c["stratum"]): c for c in content.cells}
    added: dict[tuple[str, str], str] = {}
    for group in content.suppression_groups:
        known = _restore_known(check, group, cells)
        before = dict(group.status)
        _protect_group(check, group.indicators, group.sizes, group.status, known)
        for stratum, status in group.status.items():
            if before.get(stratum, PUBLISHED) == PUBLISHED and status != PUBLISHED:
                for indicator in group.indicators:
                    if (indicator, stratum) in cells:
                        blank_cell(cells[(indicator, stratum)], status)
                        added[(indicator, stratum)] = status
    return added


def _restore_known(check: _Check, group, cells: dict) -> frozenset[str]:
    """Publish again, as an earlier release did, every cell of the group that release
    published with the same figures for each of the group's indicators: it is public
    knowledge, hiding it protects nothing. Those strata, never to be chosen as complements."""
    known = frozenset(stratum for stratum in group.sizes
                      if all(check.shown_unchanged(indicator, stratum) is not None
                             for indicator in group.indicators))
    for stratum in known:
        group.status[stratum] = PUBLISHED
        for indicator in group.indicators:
            cell = cells.get((indicator, stratum))
            if cell is not None and cell["suppression"] != PUBLISHED:
                earlier = check.shown_unchanged(indicator, stratum)
                cell.update({name: earlier[name] for name in FIGURES},
                            suppression=PUBLISHED)
    return known


def _protect_group(check: _Check, indicators: Sequence[str], sizes: Mapping[str, int],
                   status: dict[str, str], known: frozenset[str] = frozenset()) -> None:
    """Grow the group's pattern until no indicator of it is disclosed across releases."""
    while True:
        extra: set[str] = set()
        for indicator in indicators:
            extra |= check.needs(indicator, status, sizes)
        if not extra:
            return
        for stratum in extra:
            status[stratum] = SECONDARY
        _complete_but_the_change(check, indicators, sizes, status, known)


def _complete_but_the_change(check: _Check, indicators: Sequence[str],
                             sizes: Mapping[str, int], status: dict[str, str],
                             known: frozenset[str]) -> None:
    """Complete the new release's pattern, counting as known the suppressed cells that are
    only their change (rule 4): hiding totals to protect those protects nothing."""
    change = {stratum for stratum, state in status.items() if state != PUBLISHED
              and all(check.change_only(indicator, stratum) for indicator in indicators)}
    view = {stratum: PUBLISHED if stratum in change else state
            for stratum, state in status.items()}
    complete(view, sizes, check.relations, known | change)
    for stratum, state in view.items():
        if stratum not in change:
            status[stratum] = state


class _Check:
    """The linear system of several releases of one period, indicator by indicator."""

    def __init__(self, views: Sequence[ReleaseView], institutions: Sequence[InstitutionInfo]):
        self.views = views
        self.relations: list[Relation] = relations()
        self.strata = all_strata()
        self.covers = {code: _cover(parse_stratum(code), institutions) for code in self.strata}
        self.moved: dict[tuple[str, int, int], set[str]] = {}

    def needs(self, indicator: str, status: Mapping[str, str],
              sizes: Mapping[str, int]) -> set[str]:
        """Strata the new release must suppress next for this indicator (empty: safe)."""
        system = _System(self, indicator, status)
        carried = system.carried_forward()
        if carried:
            return carried
        disclosed = system.disclosed()
        return system.next_to_hide(disclosed, sizes) if disclosed else set()

    def shown_unchanged(self, indicator: str, stratum: str) -> Mapping | None:
        """The cell as the latest earlier release published it, if it is unchanged since."""
        last = len(self.views) - 1
        for release in range(last - 1, -1, -1):
            cell = self.views[release].cells.get((indicator, stratum))
            if cell is not None and cell["suppression"] == PUBLISHED and FIGURES[0] in cell:
                return cell if stratum not in self._changed(indicator, release, last) else None
        return None

    def change_only(self, indicator: str, stratum: str) -> bool:
        """Whether the new release's cell changed since every earlier release and one of them
        shows its earlier value (or lacks it: zero)."""
        last = len(self.views) - 1
        if any(stratum not in self._changed(indicator, r, last) for r in range(last)):
            return False
        return any(self.views[r].status.get((indicator, stratum), PUBLISHED) == PUBLISHED
                   for r in range(last))

    def _changed(self, indicator: str, a: int, b: int) -> set[str]:
        if (indicator, a, b) not in self.moved:
            self.moved[(indicator, a, b)] = self.changed(indicator, a, b)
        return self.moved[(indicator, a, b)]

    def changed(self, indicator: str, a: int, b: int) -> set[str]:
        """Strata whose cell differs between releases a and b for the indicator."""
        one = self.views[a].figures.get(indicator, {})
        two = self.views[b].figures.get(indicator, {})
        moved = {member for member in one.keys() | two.keys()
                 if one.get(member) != two.get(member)}
        return {code for code, cover in self.covers.items() if not moved.isdisjoint(cover)}


def _cover(pairs: Mapping[str, str], institutions: Sequence[InstitutionInfo]) -> set[Member]:
    """The members (institution, level) a stratum sums over."""
    chosen = [i.id for i in institutions
              if all(getattr(i, dim) == value for dim, value in pairs.items() if dim != "level")]
    return {(i, pairs.get("level", "")) for i in chosen}


class _System:
    """Cells of all releases as nodes; unchanged cells merged into one unknown."""

    def __init__(self, check: _Check, indicator: str, status: Mapping[str, str]):
        self.check, self.indicator = check, indicator
        self.last = len(check.views) - 1
        self.parent: dict[tuple[int, str], tuple[int, str]] = {}
        for a in range(self.last + 1):
            for b in range(a + 1, self.last + 1):
                changed = check.changed(indicator, a, b)
                for code in check.strata:
                    if code not in changed:
                        self._union((a, code), (b, code))
        self.status = {(r, code): self._status(r, code, status) for r in range(self.last + 1)
                       for code in check.strata}

    def _status(self, release: int, code: str, new: Mapping[str, str]) -> str | None:
        """A node's suppression status; None for a cell absent from the release (a zero)."""
        if release == self.last:
            return new.get(code) if (self.indicator, code) in self.check.views[
                release].status else None
        return self.check.views[release].status.get((self.indicator, code))

    def _find(self, node):
        while self.parent.get(node, node) != node:
            node = self.parent[node]
        return node

    def _union(self, a, b) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        self.parent[self._find(b)] = self._find(a)

    def _classes(self, releases: range) -> dict[tuple[int, str], list[tuple[int, str]]]:
        found: dict = defaultdict(list)
        for node in self.status:
            if node[0] in releases:
                found[self._find(node)].append(node)
        return found

    def _known(self, nodes) -> bool:
        return any(self.status[node] in (None, PUBLISHED) for node in nodes)

    def carried_forward(self) -> set[str]:
        """New cells published while the same unknown is suppressed in an earlier release."""
        carried = set()
        for nodes in self._classes(range(self.last + 1)).values():
            earlier = [n for n in nodes if n[0] < self.last]
            new = [n for n in nodes if n[0] == self.last and self.status[n] == PUBLISHED]
            if new and earlier and not self._known(earlier):
                carried.update(code for _, code in new)
        return carried

    def disclosed(self) -> list[list[tuple[int, str]]]:
        """Suppressed unknowns the releases together determine (and the earlier ones alone
        did not already give away)."""
        before = {node for nodes in self._solve(range(self.last)) for node in nodes}
        return [nodes for nodes in self._solve(range(self.last + 1))
                if not all(node in before for node in nodes) and not self._change_only(nodes)]

    def _change_only(self, nodes: list[tuple[int, str]]) -> bool:
        """A changed new cell whose earlier value is public (published, or absent: zero):
        what the releases give away about it is its change, which is not protected."""
        if any(release < self.last for release, _ in nodes):
            return False
        code = nodes[0][1]
        return any(self.status[(release, code)] in (None, PUBLISHED)
                   for release in range(self.last))

    def _solve(self, releases: range) -> list[list[tuple[int, str]]]:
        classes = self._classes(releases)
        hidden = sorted(root for root, nodes in classes.items() if not self._known(nodes))
        if not hidden:
            return []
        column = {root: k for k, root in enumerate(hidden)}
        rows = []
        for release in releases:
            for relation in self.check.relations:
                row = np.zeros(len(hidden))
                for sign, members in ((1.0, (relation.parent,)), (-1.0, relation.children)):
                    for code in members:
                        root = self._find((release, code))
                        if root in column:
                            row[column[root]] += sign
                if row.any():
                    rows.append(row)
        if not rows:
            return []
        determined = _determined(np.array(rows))
        return [classes[root] for root, k in column.items() if determined[k]]

    def next_to_hide(self, disclosed, sizes: Mapping[str, int]) -> set[str]:
        """The smallest published new cell sharing a relation with a disclosed unknown (else
        with any suppressed new cell, else any); hiding a cell an earlier release shows is
        idle, so those are never chosen."""
        useful = set()
        for nodes in self._classes(range(self.last + 1)).values():
            if not self._known([node for node in nodes if node[0] < self.last]):
                useful.update(code for release, code in nodes if release == self.last
                              and self.status[(release, code)] == PUBLISHED
                              and sizes.get(code, 0) > 0)
        hidden_new = [code for (release, code), status in self.status.items()
                      if release == self.last and status not in (None, PUBLISHED)]
        first = ([code for nodes in disclosed for release, code in nodes
                  if release == self.last] or self._linked_codes(disclosed))
        for targets in (set(first), set(hidden_new)):
            near = {member for relation in self.check.relations
                    if not targets.isdisjoint(relation.members)
                    for member in relation.members if member in useful}
            if near:
                return {min(near, key=lambda code: (sizes[code], code))}
        return {min(useful, key=lambda code: (sizes[code], code))} if useful else set()

    def _linked_codes(self, disclosed) -> list[str]:
        """Suppressed new strata in a relation with the disclosed unknowns' strata."""
        codes = {code for nodes in disclosed for _, code in nodes}
        related = {member for relation in self.check.relations
                   if not codes.isdisjoint(relation.members) for member in relation.members}
        return sorted(code for code in related
                      if self.status[(self.last, code)] not in (None, PUBLISHED))


def _determined(matrix: np.ndarray) -> np.ndarray:
    """Which unknowns the equations fix: unit vectors orthogonal to the null space."""
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(matrix.shape)).sum())
    null = vt[rank:]
    if null.size == 0:
        return np.ones(matrix.shape[1], dtype=bool)
    return np.all(np.abs(null) < 1e-9, axis=0)
