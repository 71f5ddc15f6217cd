"""A release from everything read for it: the one pure step between reading and storing.

The release build (`registry.services.releases.releases.build_release`) reads the counted
returns, the register, the period's earlier releases and the provisional release a final
one revises; `build_content` computes the release from that plain data; the build then
stores what it returns. No database and no clock here: the same data give the same release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.config import ReleaseSettings
from registry.indicators import exports
from registry.indicators.aggregates import ReleaseInputs
from registry.indicators.cells import CELL_FIELDS
from registry.indicators.compute import ReleaseContent, compute_release
from registry.indicators.protection import protect_intervals
from registry.indicators.revisions import (
    ReleaseView,
    protect_against_differencing,
    suppression_summary,
)


@dataclass(frozen=True)
class BuiltContent:
    """The release's content, and what disclosure control did to it."""

    content: ReleaseContent
    suppressed_across_releases: int  # cells suppressed against the period's earlier releases
    suppression: dict  # counts, what it hid since the last release, the interval check


def build_content(inputs: ReleaseInputs, settings: ReleaseSettings,
                  earlier: Sequence[ReleaseView], previous: Sequence[Mapping], *,
                  final: bool) -> BuiltContent:
    """The release's cells and institution figures, protected against the period's earlier
    releases (`earlier`, oldest first) and, for a final release, flagged where they differ
    from the provisional release it revises (`previous`: its cells)."""
    content = compute_release(inputs, settings)
    across = protect_against_differencing(content, earlier, inputs.institutions)
    intervals = protect_intervals(
        content.cells, content.truth, [(view.cells.values(), view.truth) for view in earlier],
        settings.min_institutions, settings.min_people)
    if final:
        mark_revisions(content.cells, previous)
    return BuiltContent(content, len(across),
                        {**suppression_summary(content.cells, previous), **intervals})


def mark_revisions(cells: list[dict], previous: Sequence[Mapping]) -> None:
    """Flag every cell whose published figures differ from the provisional release."""
    before = {(c["indicator"], c["stratum"]): c for c in previous}
    for cell in cells:
        old = before.get((cell["indicator"], cell["stratum"]))
        cell["revised"] = old is None or figures_differ(cell, old)


def figures_differ(cell: Mapping, old: Mapping) -> bool:
    """Whether a cell's published figures (as exported) differ from an earlier release's."""
    return any(exports.fmt(cell[name]) != exports.fmt(old[name]) for name in CELL_FIELDS[2:])
