"""An institution's figures in a release, as stored: one JSON document per institution.

A release holds, for every institution, every indicator's value with what it is compared
to (about twenty figures each). Stored as one row per institution × indicator, a release of
18,500 institutions is 740,000 rows, and writing them dominated building the release. So
each institution's figures are one JSON document, column by column over its indicators:

    {"indicator": ["coverage", ...], "value": [0.75, ...], "numerator": [...], ...,
     "by_level": {"undergraduate": {"returns": [...], "numerator": [...], ...}, ...}}

Lists are aligned with "indicator"; `null` is a missing figure. `by_level` holds only the
levels at which the institution has returns, and a level's entries count only where its
"returns" is above zero. Reading gives back exactly the rows the computation made
(`InstitutionTable.rows()`), as `InstitutionResult` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from registry.indicators.institutions import INSTITUTION_FIELDS, InstitutionTable
from schemas.indicators import LEVELS

LEVEL_FIELDS = ("returns", "numerator", "denominator", "value")
ROW_FIELDS = ("indicator", *INSTITUTION_FIELDS, "returns", "peer_institutions", "flag",
              "missing_reason")


@dataclass(frozen=True)
class InstitutionResult:
    """One institution's figures for one indicator in a release."""

    release_id: int
    institution_id: int
    indicator: str
    value: float | None
    numerator: float | None
    denominator: float | None
    returns: int
    ci_low: float | None = None
    ci_high: float | None = None
    percentile: float | None = None
    peer_institutions: int = 0
    peer_median: float | None = None
    peer_pooled: float | None = None
    contribution_median: float | None = None
    contribution_pooled: float | None = None
    expected: float | None = None
    expected_p: float | None = None
    flag: str | None = None
    missing_reason: str | None = None
    by_level: dict[str, Any] = field(default_factory=dict)


def encode_table(table: InstitutionTable) -> Iterator[tuple[int, bytes]]:
    """(institution id, document) for every institution with at least one row, in the
    table's institution order; array-wise, without building a dict per row."""
    matrices = table.matrices()
    has_row = matrices.pop("has_row")
    levels = table.level_matrices()
    codes = np.array(table.indicators, dtype=object)
    every = slice(None)  # most institutions have every indicator: a view, not a copy
    for k in np.flatnonzero(has_row.any(axis=1)).tolist():
        j = every if has_row[k].all() else np.flatnonzero(has_row[k])
        document: dict[str, Any] = {name: matrices[name][k, j] for name in ROW_FIELDS[1:]}
        document["indicator"] = codes[j].tolist()
        for name in ("flag", "missing_reason"):
            document[name] = document[name].tolist()
        document["by_level"] = {
            level: {name: figures[k, j] for name, figures in levels[level].items()}
            for level in LEVELS if (levels[level]["returns"][k, j] > 0).any()}
        yield table.institutions[k].id, orjson.dumps(document,
                                                     option=orjson.OPT_SERIALIZE_NUMPY)


def encode_rows(rows: Iterable[Mapping]) -> dict[int, bytes]:
    """institution id → document, from rows as `InstitutionTable.rows()` gives them (or as
    they were stored one by one before); rows keep their order within an institution."""
    grouped: dict[int, list[Mapping]] = {}
    for row in rows:
        grouped.setdefault(row["institution_id"], []).append(row)
    return {institution: orjson.dumps(_document(found))
            for institution, found in grouped.items()}


def _document(rows: list[Mapping]) -> dict:
    document: dict[str, Any] = {name: [row[name] for row in rows] for name in ROW_FIELDS}
    by_level: dict[str, dict[str, list]] = {}
    for level in LEVELS:
        parts = [(row.get("by_level") or {}).get(level) for row in rows]
        if any(parts):
            by_level[level] = {name: [part[name] if part else (0 if name == "returns" else None)
                                      for part in parts] for name in LEVEL_FIELDS}
    document["by_level"] = by_level
    return document


def decode(release_id: int, institution_id: int, document: bytes | str,
           indicators: Iterable[str] | None = None) -> list[InstitutionResult]:
    """The institution's results (only the `indicators` asked for, if given)."""
    return [InstitutionResult(release_id=release_id, **row)
            for row in decode_rows(institution_id, document, indicators)]


def decode_rows(institution_id: int, document: bytes | str,
                indicators: Iterable[str] | None = None) -> Iterator[dict]:
    """The institution's rows as dicts, as `InstitutionTable.rows()` made them."""
    found = orjson.loads(document)
    wanted = None if indicators is None else set(indicators)
    levels = found["by_level"]
    for n, code in enumerate(found["indicator"]):
        if wanted is not None and code not in wanted:
            continue
        row = {name: found[name][n] for name in ROW_FIELDS}
        row["institution_id"] = institution_id
        row["by_level"] = {level: {name: parts[name][n] for name in LEVEL_FIELDS[1:]}
                           | {"returns": parts["returns"][n]}
                           for level, parts in levels.items() if parts["returns"][n] > 0}
        yield row
