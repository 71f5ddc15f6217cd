"""Strata of the benchmarks and the additive relations between them.

A stratum is a set of dimension=value pairs; its code lists them in a fixed dimension order,
e.g. ``national``, ``sector=public``, ``type=medical;level=postgraduate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registry.indicators.formatting import Translate, english
from registry.reference_data import PROVINCES
from schemas.codes import Level

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "type": ("medical", "dental"),
    "sector": ("public", "private"),
    "province": tuple(PROVINCES),
    "level": Level.codes(),
}
ORDER = tuple(DIMENSIONS)
# Which combinations of dimensions are published: national, each one alone, four crossings.
DIMENSION_SETS: tuple[tuple[str, ...], ...] = (
    (), ("type",), ("sector",), ("province",), ("level",),
    ("type", "sector"), ("type", "level"), ("sector", "level"), ("type", "province"),
)
NATIONAL = "national"
DIMENSION_LABELS = {"type": "College type", "sector": "Sector", "province": "Province",
                    "level": "Programme level"}
BREAKDOWN_SEPARATOR = "×"  # in breakdown keys: "type×sector"


@dataclass(frozen=True)
class Relation:
    """parent = Σ children, for every additive count (returns, numerators, denominators)."""

    parent: str
    children: tuple[str, ...]

    @property
    def members(self) -> tuple[str, ...]:
        return (self.parent, *self.children)


def stratum_code(pairs: Iterable[tuple[str, str]]) -> str:
    """The code of a stratum from its (dimension, value) pairs, in the fixed order."""
    ordered = sorted(pairs, key=lambda pair: ORDER.index(pair[0]))
    return ";".join(f"{d}={v}" for d, v in ordered) or NATIONAL


def parse_stratum(code: str) -> dict[str, str]:
    """The dimension → value pairs of a stratum code."""
    if code == NATIONAL:
        return {}
    return dict(part.split("=", 1) for part in code.split(";"))


def all_strata() -> list[str]:
    """Every possible stratum code, in publication order."""
    codes = []
    for dims in DIMENSION_SETS:
        codes.extend(stratum_code(zip(dims, values, strict=True))
                     for values in _product([DIMENSIONS[d] for d in dims]))
    return codes


def _product(lists: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = [()]
    for values in lists:
        combos = [(*combo, value) for combo in combos for value in values]
    return combos


def relations() -> list[Relation]:
    """Every published stratum split by one more dimension into published strata."""
    published = {frozenset(dims) for dims in DIMENSION_SETS}
    found = []
    for code in all_strata():
        pairs = parse_stratum(code)
        for dimension in ORDER:
            if dimension in pairs or frozenset((*pairs, dimension)) not in published:
                continue
            children = tuple(stratum_code([*pairs.items(), (dimension, value)])
                             for value in DIMENSIONS[dimension])
            found.append(Relation(code, children))
    return found


def stratum_label(code: str, gettext: Translate = english) -> str:
    """A human label: 'National' or e.g. 'Medical · Public' (in the reader's language when
    given flask-babel's gettext)."""
    pairs = parse_stratum(code)
    if not pairs:
        return gettext("National")
    return " · ".join(gettext(value_label(d, v)) for d, v in pairs.items())


def value_label(dimension: str, value: str) -> str:
    """A human label for one value of a dimension: 'Punjab', 'Medical', 'Postgraduate'."""
    return PROVINCES.get(value, value) if dimension == "province" else value.capitalize()


def dimension_choices() -> dict[str, list[tuple[str, str]]]:
    """Each dimension's (value, label) pairs, for filter forms."""
    return {d: [(v, value_label(d, v)) for v in values] for d, values in DIMENSIONS.items()}


def breakdown_label(breakdown: str, gettext: Translate = english) -> str:
    """Words for a breakdown key: 'national', 'by province', 'by college type and sector'
    (in the reader's language when given flask-babel's gettext)."""
    if breakdown == NATIONAL:
        return gettext("national")
    words = [gettext(DIMENSION_LABELS[d]).lower() for d in breakdown.split(BREAKDOWN_SEPARATOR)]
    return gettext("by %(dimensions)s", dimensions=gettext(" and ").join(words))

