"""The attacker's audit of a period's releases, one row per release (for the regulator's
analyst: `registry audit-disclosure`, and the bench audit).

Every withheld figure with a protection interval (see `attack`) is solved for by linear
programming over everything all the period's releases publish, indicators sharing a
numerator or denominator together; each row says how many there are, how many miss the
interval, how many are pinned to one value, and the narrowest feasible range (in units,
and divided by the figure). Figures the releases give away only as a change (`attack`:
change-only) are counted apart and left out of the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.indicators.attack import Interval, attack
from registry.indicators.revisions import suppression_summary
from registry.indicators.strata import Relation

COLUMNS = ("release", "published", "primary", "secondary", "rates withheld",
           "sensitive withheld", "unprotected", "pinned", "smallest range", "its figure",
           "smallest range ÷ value", "its figure (relative)", "change-only")


@dataclass(frozen=True)
class AuditedRelease:
    """One release as the attacker sees it: its label, its cells, their true counts."""

    label: str
    cells: Sequence[Mapping]
    truth: Sequence[Mapping]


def audit_releases(releases: Sequence[AuditedRelease], min_institutions: int,
                   min_people: int, joint: bool = True,
                   links: Sequence[Relation] | None = None) -> list[dict]:
    """One row per release (oldest first), all of the period's releases attacked together
    (`joint`: indicators sharing figures together; `links`: default, the strata's)."""
    found = attack([list(r.cells) for r in releases], [list(r.truth) for r in releases],
                   min_institutions, min_people, links=links, sensitive_only=True,
                   joint=joint)
    rows = []
    for number, release in enumerate(releases):
        previous = releases[number - 1].cells if number else ()
        rows.append(_row(release, [i for i in found if i.release == number], previous))
    return rows


def _row(release: AuditedRelease, mine: list[Interval], previous) -> dict:
    summary = suppression_summary(release.cells, previous)
    counted = [i for i in mine if not i.change_only]
    smallest = min(counted, key=lambda i: (i.width, i.value), default=None)
    narrowest = min((i for i in counted if i.value > 0),
                    key=lambda i: (i.width / i.value, i.width), default=None)
    return {
        "release": release.label, "published": summary["published"],
        "primary": summary["primary"], "secondary": summary["secondary"],
        "rates withheld": summary["rates_withheld"], "sensitive withheld": len(counted),
        "unprotected": sum(not i.protected for i in counted),
        "pinned": sum(i.width < 1e-6 for i in counted),
        "smallest range": smallest and smallest.width, "its figure": _name(smallest),
        "smallest range ÷ value": narrowest and narrowest.width / narrowest.value,
        "its figure (relative)": _name(narrowest),
        "change-only": len(mine) - len(counted),
    }


def _name(figure: Interval | None) -> str | None:
    """A figure, its value and the attacker's range for it."""
    if figure is None:
        return None
    return (f"{figure.indicator} {figure.stratum} {figure.quantity} {figure.value:g} "
            f"in [{figure.low:g}, {figure.high:g}]")


def table(rows: Sequence[Mapping]) -> str:
    """The rows as a pipe table (Markdown)."""
    lines = [" | ".join(COLUMNS), " | ".join("---" for _ in COLUMNS)]
    for row in rows:
        lines.append(" | ".join(_text(row[name]) for name in COLUMNS))
    return "\n".join(lines)


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 1000 else f"{value:.0f}"
    return str(value)
