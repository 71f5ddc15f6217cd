"""Fixtures for the data-standard tests."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from schemas import ReturnValidationError, validate_return
from schemas.examples import pilot_return, synthetic_return


@pytest.fixture
def pilot() -> dict:
    """Return a fresh copy of the valid pilot return."""
    return pilot_return()


@pytest.fixture
def sample_returns() -> list[dict]:
    """Return several valid returns covering every level, with and without outcomes."""
    rng = random.Random(2025)
    synthetic = [
        synthetic_return(rng, "PB-MED-001", "2025", "UG-PEER", "undergraduate"),
        synthetic_return(rng, "KP-DEN-002", "2025", "FAC-1", "faculty", quality="poor"),
        synthetic_return(rng, "IS-MED-003", "2025", "PG-RES", "postgraduate"),
    ]
    return [pilot_return(), *synthetic]


@pytest.fixture
def errors_of() -> Callable[[object], dict[str, list[str]]]:
    """Return a function giving a payload's flat validation errors ({} when valid)."""

    def errors(payload: object) -> dict[str, list[str]]:
        try:
            validate_return(payload)
        except ReturnValidationError as error:
            return error.errors
        return {}

    return errors
