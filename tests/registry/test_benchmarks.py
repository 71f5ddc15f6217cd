"""Benchmark statistics, suppression and comparisons, checked by hand on small fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from registry.config import ReleaseSettings
from registry.indicators import stats
from registry.indicators.aggregates import ExpectedUnit, InstitutionInfo, ReleaseInputs, ReturnUnit
from registry.indicators.compute import compute_release
from registry.indicators.strata import Relation, relations
from registry.indicators.suppression import determined_cells, suppress

SETTINGS = ReleaseSettings(min_institutions=5, min_people=23)


def coverage_payload(level: str, enrolled: int, eligible: int) -> dict:
    return {"programme": {"level": level},
            "capacity": {"enrolled_mentees": enrolled, "eligible_mentees": eligible}}


def six_colleges() -> ReleaseInputs:
    """A–E public medical in KP, F private dental in Sindh; coverage as listed per return."""
    institutions = [InstitutionInfo(k, code, t, s, p) for k, (code, t, s, p) in enumerate([
        ("A", "medical", "public", "KP"), ("B", "medical", "public", "KP"),
        ("C", "medical", "public", "KP"), ("D", "medical", "public", "KP"),
        ("E", "medical", "public", "KP"), ("F", "dental", "private", "SD")], start=1)]
    returns = [  # (institution id, level, enrolled, eligible)
        (1, "undergraduate", 80, 100), (1, "postgraduate", 10, 20),
        (2, "undergraduate", 60, 100), (3, "undergraduate", 70, 100),
        (4, "undergraduate", 90, 100), (5, "postgraduate", 15, 20),
        (6, "undergraduate", 50, 100)]
    units = [ReturnUnit(v, i, level, coverage_payload(level, n, d))
             for v, (i, level, n, d) in enumerate(returns, start=1)]
    return ReleaseInputs("2025", institutions, units)


@pytest.fixture  # per test (milliseconds): mutmut credits a call to the test that made it
def content():
    return compute_release(six_colleges(), SETTINGS)


def cell(content, indicator: str, stratum: str) -> dict:
    return next(c for c in content.cells if c["indicator"] == indicator and c["stratum"] == stratum)


def row(content, institution: str, indicator: str) -> dict:
    return next(r for r in content.institutions.rows()
                if r["institution"] == institution and r["indicator"] == indicator)


def test_institution_value_pools_its_returns_and_keeps_each_level(content):
    a = row(content, "A", "coverage")
    assert (a["numerator"], a["denominator"], a["value"]) == (90, 120, 0.75)  # (80+10)/(100+20)
    assert a["by_level"]["undergraduate"]["value"] == 0.8
    assert a["by_level"]["postgraduate"]["value"] == 0.5
    assert a["returns"] == 2


def test_national_cell_statistics(content):
    national = cell(content, "coverage", "national")
    # values 0.5 0.6 0.7 0.75 0.75 0.9; Σnum = 80+10+60+70+90+15+50 = 375, Σden = 540
    assert (national["institutions"], national["returns"]) == (6, 7)
    assert national["pooled_rate"] == pytest.approx(375 / 540)
    assert national["mean"] == pytest.approx(0.7)  # 4.2 / 6
    # type 7: h = 5q; P10 h=0.5 → 0.55; P25 h=1.25 → 0.625; median h=2.5 → 0.725;
    # P75 h=3.75 → 0.75; P90 h=4.5 → 0.825
    assert [national[q] for q in ("p10", "p25", "median", "p75", "p90")] == pytest.approx(
        [0.55, 0.625, 0.725, 0.75, 0.825])
    # over the six colleges (y, x): residuals y - R x with R = 375/540, variance
    # n/(n-1) Σ residual² / (Σx)², t on 5 degrees of freedom (2.5706): 0.6944 ± 0.1595
    colleges = [(90, 120), (60, 100), (70, 100), (90, 100), (15, 20), (50, 100)]
    residuals = sum((y - 375 / 540 * x) ** 2 for y, x in colleges)
    half = 2.570581836 * (6 / 5 * residuals / 540 ** 2) ** 0.5
    assert (national["ci_low"], national["ci_high"]) == pytest.approx(
        (375 / 540 - half, 375 / 540 + half))
    wilson_low, wilson_high = stats.wilson_interval(375, 540)  # treats 540 people as trials
    assert national["ci_low"] < wilson_low and national["ci_high"] > wilson_high


def test_a_stratum_interval_is_never_narrower_than_its_pooled_binomial_interval():
    institutions = [InstitutionInfo(k, f"I{k}", "medical", "public", "KP") for k in range(5)]
    units = [ReturnUnit(k, k, "undergraduate", coverage_payload("undergraduate", 40, 50))
             for k in range(5)]  # every college at 80 %: no spread between colleges
    national = cell(compute_release(ReleaseInputs("2025", institutions, units), SETTINGS),
                    "coverage", "national")
    low, high = stats.wilson_interval(200, 250)
    assert (national["ci_low"], national["ci_high"]) == pytest.approx((low, high))


def test_small_cells_are_suppressed_and_their_complement_too(content):
    # postgraduate: A and E only (2 < 5) → primary; undergraduate would then give it away
    # (national − undergraduate), so it is suppressed as its complement.
    assert cell(content, "coverage", "level=postgraduate")["suppression"] == "primary"
    undergraduate = cell(content, "coverage", "level=undergraduate")
    assert undergraduate["suppression"] == "secondary"
    assert undergraduate["numerator"] is None and undergraduate["institutions"] is None
    assert cell(content, "coverage", "national")["suppression"] == "none"


def test_adjusted_benchmark_applies_national_level_rates_to_own_mix(content):
    a = row(content, "A", "coverage")
    # national rates: undergraduate 350/500 = 0.7, postgraduate 25/40 = 0.625
    # expected numerator 0.7·100 + 0.625·20 = 82.5 of 120 → 0.6875; observed 90: p ≈ 0.43
    assert a["expected"] == pytest.approx(82.5 / 120)
    assert a["expected_p"] > 0.05
    assert a["flag"] == "as_expected"


def test_contribution_to_own_benchmark_and_percentile(content):
    a = row(content, "A", "coverage")
    # peers (medical public): A .75 B .6 C .7 D .9 E .75 → median .75; without A .725
    assert a["peer_institutions"] == 5
    assert a["contribution_median"] == pytest.approx(0.025)
    # pooled 325/440 with A, 235/320 without
    assert a["contribution_pooled"] == pytest.approx(325 / 440 - 235 / 320)
    # nationally 3 values below 0.75 and 2 equal of 6: (3 + 2/2) / 6
    assert a["percentile"] == pytest.approx(100 * 4 / 6)
    low, high = stats.wilson_interval(90, 120)
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((low, high))


def test_rates_on_fewer_than_23_people_are_not_published():
    institutions = [InstitutionInfo(k, f"I{k}", "medical", "public", "KP") for k in range(6)]
    units = [ReturnUnit(k, k, "undergraduate", coverage_payload("undergraduate", 3, 3))
             for k in range(6)]  # Σden = 18 < 23
    national = next(c for c in compute_release(ReleaseInputs("2025", institutions, units),
                                               SETTINGS).cells
                    if c["indicator"] == "coverage" and c["stratum"] == "national")
    assert national["rate_withheld"] == "denominator_below_minimum"
    assert national["pooled_rate"] is None and national["denominator"] is None
    assert national["median"] == 1.0  # the distribution of six colleges is still shown


def test_a_withheld_rate_cannot_be_recovered_from_its_parent_and_siblings():
    """KP's six colleges hold 18 people (withheld); Sindh's 60 and the nation's 78 would
    give KP back by subtraction, so Sindh's rate is withheld as well."""
    institutions = [InstitutionInfo(k, f"I{k}", "medical", "public", "KP" if k < 6 else "SD")
                    for k in range(12)]
    units = [ReturnUnit(k, k, "undergraduate",
                        coverage_payload("undergraduate", 2, 3 if k < 6 else 10))
             for k in range(12)]
    cells = {c["stratum"]: c for c in compute_release(
        ReleaseInputs("2025", institutions, units), SETTINGS).cells
        if c["indicator"] == "coverage"}
    assert cells["province=KP"]["rate_withheld"] == "denominator_below_minimum"
    assert cells["province=SD"]["rate_withheld"] == "protects_a_withheld_rate"
    assert cells["province=SD"]["denominator"] is None
    assert cells["national"]["denominator"] == 78  # the total stays published
    assert cells["province=SD"]["median"] is not None  # the distribution is still shown


def test_a_college_whose_only_return_has_no_pairs_at_start_still_adds_its_endings():
    institutions = [InstitutionInfo(k, f"I{k}", "medical", "public", "KP") for k in range(5)]
    endings = [(2, 10), (2, 10), (2, 10), (2, 10), (3, 0)]  # (unplanned endings, active)
    units = [ReturnUnit(k, k, "undergraduate", {
        "programme": {"level": "undergraduate"},
        "activity": {"unplanned_endings": ended, "active_pairs_start": active}})
        for k, (ended, active) in enumerate(endings)]
    national = next(c for c in compute_release(ReleaseInputs("2025", institutions, units),
                                               SETTINGS).cells
                    if c["indicator"] == "relationship_attrition" and c["stratum"] == "national")
    assert (national["numerator"], national["denominator"]) == (11, 40)
    assert national["institutions"] == 5 and national["returns"] == 5
    assert national["median"] == 0.2  # the distribution holds the four colleges with a value


def test_register_indicators_count_expected_programmes():
    institutions = [InstitutionInfo(k, f"I{k}", "medical", "public", "KP") for k in range(5)]
    expected = [ExpectedUnit(k, "undergraduate", accepted=k < 4, on_time=k < 2)
                for k in range(5)] + [ExpectedUnit(0, "faculty", accepted=False, on_time=False)]
    content = compute_release(ReleaseInputs("2025", institutions, [], expected), SETTINGS)
    national = {c["indicator"]: c for c in content.cells if c["stratum"] == "national"}
    assert (national["returns_completeness"]["numerator"],
            national["returns_completeness"]["denominator"]) == (4, 6)
    assert national["returns_timeliness"]["numerator"] == 2
    first = next(r for r in content.institutions.rows()
                 if r["institution"] == "I0" and r["indicator"] == "returns_completeness")
    assert first["value"] == 0.5  # its undergraduate return counts, its faculty one is missing


def test_wilson_interval_matches_the_textbook_value():
    low, high = stats.wilson_interval(5, 10)  # 0.5 ± … → 0.2366, 0.7634
    assert (float(low), float(high)) == pytest.approx((0.2366, 0.7634), abs=1e-4)


def test_leave_one_out_median_matches_recomputing():
    values = np.array([1.0, 2, 3, 5, 8, 13])
    expected = [np.median(np.delete(values, r)) for r in range(values.size)]
    assert list(stats.leave_one_out_quantile(values, 0.5)) == pytest.approx(expected)


def test_suppression_protects_a_lone_small_child():
    links = [Relation("all", ("a", "b", "c"))]
    status = suppress({"all": 20, "a": 3, "b": 9, "c": 8}, links, 5)
    assert status == {"all": "none", "a": "primary", "b": "none", "c": "secondary"}


def test_linear_audit_finds_cells_pinned_down_by_several_relations():
    # x + y = p, y + z = q, x + z = r: each relation has two unknowns, yet all are determined
    links = [Relation("p", ("x", "y")), Relation("q", ("y", "z")), Relation("r", ("x", "z"))]
    status = {"p": "none", "q": "none", "r": "none", "x": "primary", "y": "primary",
              "z": "primary"}
    assert determined_cells(status, links) == ["x", "y", "z"]


def test_relations_cover_every_published_split():
    parents = {r.parent for r in relations()}
    assert {"national", "type=medical", "sector=public", "province=KP",
            "level=faculty"} <= parents
