"""Disclosure thresholds at their boundaries and as shipped; intervals against textbook values.

The boundaries are pinned relative to the shipped defaults (5 institutions, 23 people):
a threshold moved by one, or `<` turned into `<=`, fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.tasks.benchmarks import build_release as build_release_task
from registry import create_app
from registry.config import ReleaseSettings
from registry.db import make_engine
from registry.indicators import stats
from registry.indicators.aggregates import InstitutionInfo, ReleaseInputs, ReturnUnit
from registry.indicators.compute import compute_release
from registry.migrate import upgrade
from registry.models import BenchmarkCell
from registry.services.register.register import load_reference_data
from tests.conftest import fresh_database
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period, payload_with

SHIPPED_MIN_INSTITUTIONS = 5
SHIPPED_MIN_PEOPLE = 23


def coverage_payload(enrolled: int, eligible: int) -> dict:
    return {"programme": {"level": "undergraduate"},
            "capacity": {"enrolled_mentees": enrolled, "eligible_mentees": eligible}}


def national_coverage(eligible: list[int]) -> dict:
    """The national coverage cell of identical KP public medical colleges, shipped settings."""
    institutions = [InstitutionInfo(k, f"I{k}", "medical", "public", "KP")
                    for k in range(len(eligible))]
    units = [ReturnUnit(k, k, "undergraduate", coverage_payload(n, n))
             for k, n in enumerate(eligible)]
    cells = compute_release(ReleaseInputs("2025", institutions, units), ReleaseSettings()).cells
    return next(c for c in cells if c["indicator"] == "coverage" and c["stratum"] == "national")


def test_the_application_ships_with_5_institutions_and_23_people():
    settings = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}).config[
        "RELEASE_SETTINGS"]
    assert (settings.min_institutions, settings.min_people) == (
        SHIPPED_MIN_INSTITUTIONS, SHIPPED_MIN_PEOPLE)


def test_the_pipeline_and_the_computation_default_to_5_and_23():
    pipeline = ReleaseSettings.from_config({})  # a task's environment without the variables
    assert (pipeline.min_institutions, pipeline.min_people) == (5, 23)
    assert (ReleaseSettings().min_institutions, ReleaseSettings().min_people) == (5, 23)


def test_the_settings_travel_to_a_pipeline_run_and_back_unchanged():
    settings = ReleaseSettings(acceptance_level="approved", min_institutions=7, min_people=30,
                               revision_window_days=14)
    assert ReleaseSettings.from_config(settings.as_environment()) == settings


@pytest.mark.parametrize(("institutions", "suppression"), [
    (SHIPPED_MIN_INSTITUTIONS - 1, "primary"),
    (SHIPPED_MIN_INSTITUTIONS, "none"),
    (SHIPPED_MIN_INSTITUTIONS + 1, "none"),
])
def test_a_cell_is_suppressed_below_the_minimum_of_institutions(institutions, suppression):
    cell = national_coverage([30] * institutions)
    assert cell["suppression"] == suppression
    assert (cell["institutions"] is None) == (suppression != "none")


@pytest.mark.parametrize(("people", "withheld"), [
    (SHIPPED_MIN_PEOPLE - 1, True),
    (SHIPPED_MIN_PEOPLE, False),
    (SHIPPED_MIN_PEOPLE + 1, False),
])
def test_a_rate_is_withheld_below_the_minimum_of_people(people, withheld):
    eligible = [people // 5 + (1 if k < people % 5 else 0) for k in range(5)]
    assert sum(eligible) == people
    cell = national_coverage(eligible)
    assert cell["suppression"] == "none"
    assert (cell["rate_withheld"] is not None) == withheld
    assert (cell["pooled_rate"] is None) == withheld
    assert (cell["denominator"] is None) == withheld


@pytest.fixture(params=("sqlite", "postgresql"))
def small_release_url(request, tmp_path):
    """Four medical colleges and one dental, 22 eligible mentees in all, committed."""
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            period = closed_period(session, "2024")
            for k, (kind, eligible) in enumerate([("medical", 5), ("medical", 5),
                                                  ("medical", 4), ("medical", 4),
                                                  ("dental", 4)]):
                college = make_institution(session, code=f"KP-THR-{k}", type=kind)
                add_return(session, college, period, payload_with(
                    college, period, "undergraduate", enrolled=eligible, eligible=eligible))
            session.commit()
        engine.dispose()
        yield url


def test_the_pipeline_with_default_settings_suppresses_4_colleges_and_withholds_22_people(
        small_release_url, monkeypatch):
    for name in ("SUPPRESSION_MIN_INSTITUTIONS", "MIN_PEOPLE_FOR_RATE",
                 "RELEASE_ACCEPTANCE_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    built = build_release_task({"period": "2024"}, "thresholds", as_of=datetime.now(UTC),
                               url=small_release_url)
    release_id = built["releases"][0]["release_id"]
    engine = make_engine(small_release_url)
    with Session(engine) as session:
        cells = {c.stratum: c for c in session.scalars(select(BenchmarkCell).where(
            BenchmarkCell.release_id == release_id, BenchmarkCell.indicator == "coverage"))}
    engine.dispose()
    assert cells["type=medical"].suppression == "primary"  # 4 colleges
    national = cells["national"]
    assert (national.suppression, national.institutions) == ("none", 5)
    assert national.rate_withheld is not None  # 22 people
    assert (national.pooled_rate, national.denominator) == (None, None)


# Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
# comparison of seven methods. Statistics in Medicine 17, 857-872, Table I (method 3,
# score interval without continuity correction); 1/10 worked by hand from Wilson's
# (1927) formula: centre (0.1 + z²/20) / (1 + z²/10), half-width 0.1931.
WILSON_TEXTBOOK = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
    ((1, 10), (0.0179, 0.4042)),
]


@pytest.mark.parametrize(("counts", "expected"), WILSON_TEXTBOOK)
def test_wilson_interval_matches_published_values(counts, expected):
    low, high = stats.wilson_interval(*counts)
    assert (float(low), float(high)) == pytest.approx(expected, abs=1e-4)


# Exact (Garwood) 95 % limits of a Poisson count: chi-square quantiles / 2, as tabulated
# e.g. in Ulm (1990), Am. J. Epidemiol. 131, 373-375, and in Sahai & Khurshid (1993).
POISSON_TEXTBOOK = [
    (0, (0.0, 3.689)),
    (1, (0.0253, 5.572)),
    (2, (0.2422, 7.225)),
    (5, (1.623, 11.668)),
    (10, (4.795, 18.390)),
]


@pytest.mark.parametrize(("count", "expected"), POISSON_TEXTBOOK)
def test_poisson_count_interval_matches_published_values(count, expected):
    low, high = stats.poisson_rate_interval(count, 1)
    assert (float(low), float(high)) == pytest.approx(expected, abs=1e-3)


def test_a_count_rate_interval_divides_the_count_limits_by_the_exposure():
    low, high = stats.poisson_rate_interval(10, 4)  # 10 meetings over 4 pairs
    assert (float(low), float(high)) == pytest.approx((4.795 / 4, 18.390 / 4), abs=1e-3)


def test_column_quantiles_use_hyndman_fan_type_7_and_skip_missing_values():
    values = np.array([[1.0, 10], [2, np.nan], [3, 30], [4, np.nan], [5, 50]])
    assert column_quantiles_of(values, 0) == pytest.approx([1.4, 2, 3, 4, 4.6])
    assert column_quantiles_of(values, 1) == pytest.approx([14, 20, 30, 40, 46])


def column_quantiles_of(values: np.ndarray, column: int) -> list[float]:
    return [float(x) for x in stats.column_quantiles(values)[:, column]]
