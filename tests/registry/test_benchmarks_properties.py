"""Properties of any release: ordered quantiles, sane intervals, and suppression that holds.

The attacker here knows every published cell and every additive relation (a stratum is
the sum of its split by one more dimension; absent strata are zero) and keeps solving
relations with a single unknown, across dimensions, until nothing more falls out.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.config import ReleaseSettings
from registry.demo.history import programmes_of
from registry.indicators import stats
from registry.indicators.aggregates import InstitutionInfo, ReleaseInputs, ReturnUnit
from registry.indicators.compute import compute_release
from registry.indicators.strata import all_strata, parse_stratum, relations
from registry.reference_data import COMPOSITION
from schemas.examples import synthetic_return

SETTINGS = ReleaseSettings(min_institutions=5, min_people=23)
QUANTITIES = ("returns", "numerator", "denominator", "institutions")


def subtraction_attack(cells: list[dict], quantity: str) -> dict[str, float]:
    """Everything the published cells and the relations give away, by repeated subtraction."""
    known = {c["stratum"]: c[quantity] for c in cells if c[quantity] is not None}
    present = {c["stratum"] for c in cells}
    known.update({s: 0 for s in all_strata() if s not in present})
    links = [r for r in relations() if quantity != "institutions" or
             "level" not in parse_stratum(r.children[0]).keys() - parse_stratum(r.parent).keys()]
    progress = True
    while progress:
        progress = False
        for relation in links:
            unknown = [m for m in relation.members if m not in known]
            if len(unknown) != 1:
                continue
            (missing,) = unknown
            children = sum(known.get(c, 0) for c in relation.children if c != missing)
            known[missing] = (children if missing == relation.parent
                              else known[relation.parent] - children)
            progress = True
    return known


def assert_suppression_holds(content) -> None:
    by_indicator: dict[str, list[dict]] = {}
    for cell in content.cells:
        by_indicator.setdefault(cell["indicator"], []).append(cell)
    for cells in by_indicator.values():
        for cell in cells:
            if cell["suppression"] == "none":
                assert cell["institutions"] >= SETTINGS.min_institutions
        for quantity in QUANTITIES:
            hidden = {c["stratum"] for c in cells if c["suppression"] != "none"
                      or (c["rate_withheld"] and quantity in ("numerator", "denominator"))}
            recovered = subtraction_attack(cells, quantity)
            assert not hidden & recovered.keys(), (cells[0]["indicator"], quantity)


def synthetic_inputs(scale_seed: int = 1) -> ReleaseInputs:
    """The national composition of 185 colleges with their demo programmes."""
    institutions, units = [], []
    for (type_, sector), provinces in sorted(COMPOSITION.items()):
        for province, count in sorted(provinces.items()):
            for _ in range(count):
                n = len(institutions) + 1
                code = f"{province}-{type_[:3].upper()}-{sector[:3].upper()}-{n:03d}"
                institutions.append(InstitutionInfo(n, code, type_, sector, province))
    for institution in institutions:
        for programme, level in programmes_of(institution):
            rng = random.Random(f"{scale_seed}/{institution.code}/{programme}")
            quality = "poor" if rng.random() < 0.1 else "good"
            units.append(ReturnUnit(len(units) + 1, institution.id, level, synthetic_return(
                rng, institution.code, "2025", programme, level, quality=quality)))
    return ReleaseInputs("2025", institutions, units)


@pytest.fixture(scope="module")
def national_release():
    return compute_release(synthetic_inputs(), SETTINGS)


def test_subtraction_cannot_recover_any_suppressed_cell(national_release):
    assert any(c["suppression"] == "secondary" for c in national_release.cells)
    assert_suppression_holds(national_release)


def test_without_complementary_suppression_the_attack_would_succeed(national_release):
    # The same cells with only primary suppression: the attacker recovers something.
    cells = [dict(c) for c in national_release.cells if c["indicator"] == "coverage"]
    full = {c["stratum"]: c for c in compute_release(
        synthetic_inputs(), ReleaseSettings(min_institutions=0)).cells
        if c["indicator"] == "coverage"}
    primary_only = [dict(full[c["stratum"]]) if c["suppression"] == "secondary" else c
                    for c in cells]
    hidden = {c["stratum"] for c in primary_only if c["suppression"] == "primary"}
    recovered = subtraction_attack(primary_only, "denominator")
    assert hidden & recovered.keys()
    stratum = sorted(hidden & recovered.keys())[0]
    assert recovered[stratum] == pytest.approx(full[stratum]["denominator"])


institution_rates = st.lists(
    st.tuples(st.sampled_from(["medical", "dental"]), st.sampled_from(["public", "private"]),
              st.sampled_from(["KP", "PB", "SD"]),
              st.sampled_from(["undergraduate", "postgraduate", "faculty"]),
              st.integers(min_value=1, max_value=200), st.floats(min_value=0, max_value=1)),
    min_size=1, max_size=40)


def inputs_from(rows) -> ReleaseInputs:
    institutions, units = [], []
    for k, (type_, sector, province, level, eligible, share) in enumerate(rows):
        institutions.append(InstitutionInfo(k, f"I{k:03d}", type_, sector, province))
        payload = {"programme": {"level": level}, "capacity": {
            "eligible_mentees": eligible, "enrolled_mentees": round(eligible * share)}}
        units.append(ReturnUnit(k, k, level, payload))
    return ReleaseInputs("2025", institutions, units)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(institution_rates)
def test_cells_are_internally_consistent(rows):
    content = compute_release(inputs_from(rows), ReleaseSettings(min_institutions=1, min_people=0))
    for cell in (c for c in content.cells if c["indicator"] == "coverage"):
        members = [r for r in rows if all(
            dict(zip(("type", "sector", "province", "level"), r[:4], strict=False))[d] == v
            for d, v in parse_stratum(cell["stratum"]).items())]
        rates = [round(e * s) / e for *_, e, s in members]
        q = [cell[n] for n in ("p10", "p25", "median", "p75", "p90")]
        assert q == sorted(q)
        assert min(rates) - 1e-12 <= q[0] and q[-1] <= max(rates) + 1e-12
        assert min(rates) - 1e-12 <= cell["pooled_rate"] <= max(rates) + 1e-12
        assert cell["ci_low"] <= cell["pooled_rate"] <= cell["ci_high"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(institution_rates)
def test_suppression_holds_for_any_table(rows):
    assert_suppression_holds(compute_release(inputs_from(rows), SETTINGS))


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500))
def test_intervals_contain_their_estimate(successes, extra):
    trials = successes + extra
    low, high = (float(x) for x in stats.wilson_interval(successes, trials))
    assert 0 <= low <= successes / trials <= high <= 1
    low, high = (float(x) for x in stats.poisson_rate_interval(successes, trials))
    assert low <= successes / trials <= high
    assert not np.isnan(high)
