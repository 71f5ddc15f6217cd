"""The pilot and synthetic example returns are valid, plausible and deterministic."""

from __future__ import annotations

import random

import pytest

from schemas import validate_return
from schemas.examples import pilot_return, synthetic_return

LEVELS = ["undergraduate", "postgraduate", "faculty"]


def test_pilot_return_reports_the_published_needs_survey():
    needs = pilot_return()["needs_assessment"]
    assert (needs["invited"], needs["responded"]) == (52, 33)
    areas = needs["need_areas"]
    assert [areas[a] for a in ("research", "memory", "reading", "time_management")] == [
        21,
        19,
        18,
        17,
    ]


def test_pilot_return_takes_the_given_codes():
    header = pilot_return("PB-MED-001", "2021", "PG-X")["header"]
    assert (header["institution_code"], header["period_code"], header["programme_code"]) == (
        "PB-MED-001",
        "2021",
        "PG-X",
    )


@pytest.mark.parametrize("quality", ["good", "poor"])
@pytest.mark.parametrize("level", LEVELS)
def test_synthetic_returns_are_valid(level, quality):
    for seed in range(20):
        payload = synthetic_return(
            random.Random(seed), "PB-MED-001", "2025", "P-1", level, quality=quality
        )
        assert validate_return(payload) == payload


def test_synthetic_return_is_deterministic_given_the_rng():
    def make():
        return synthetic_return(random.Random(42), "PB-MED-001", "2025", "P-1", "faculty")

    assert make() == make()


@pytest.mark.parametrize(
    ("level", "low", "high"),
    [("undergraduate", 100, 400), ("postgraduate", 20, 80), ("faculty", 10, 40)],
)
def test_synthetic_cohort_size_varies_by_level(level, low, high):
    rng = random.Random(1)
    sizes = [
        synthetic_return(rng, "PB-MED-001", "2025", "P-1", level)["capacity"]["eligible_mentees"]
        for _ in range(30)
    ]
    assert all(low <= size <= high for size in sizes)
    assert len(set(sizes)) > 5


def test_synthetic_return_rejects_an_unknown_level():
    with pytest.raises(ValueError, match="unknown level"):
        synthetic_return(random.Random(1), "PB-MED-001", "2025", "P-1", "school")
