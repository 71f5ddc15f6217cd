"""Example v1.1 returns: a v1.0 return with a synthetic cohort follow-up added."""

from __future__ import annotations

import copy
import random

from schemas.codes import LeavingReason
from schemas.validation import LATEST_VERSION

COHORTS_FOLLOWED = 3


def as_version_1_1(payload: dict, cohorts: list[dict] | None = None) -> dict:
    """A copy of a v1.0 return declared as v1.1, with a cohort follow-up when cohorts given."""
    upgraded = copy.deepcopy(payload)
    upgraded["header"]["schema_version"] = LATEST_VERSION
    if cohorts is not None:
        upgraded["cohort_follow_up"] = {"cohorts": cohorts}
    return upgraded


def intake_periods(period_code: str, count: int = COHORTS_FOLLOWED) -> list[str]:
    """The codes of this period and the count - 1 before it, in the period code's style."""
    year = int(period_code[:4])
    if len(period_code) == 4:
        return [str(year - back) for back in range(count)]
    return [f"{year - back}-{(year - back + 1) % 100:02d}" for back in range(count)]


def synthetic_cohort(rng: random.Random, intake_period: str, years_since_intake: int,
                     at_start: int) -> dict:
    """One cohort's plausible follow-up after some years: attrition, exams, screening."""
    left = {reason: 0 for reason in LeavingReason.codes()}
    for _ in range(years_since_intake):
        for reason, chance in zip(left, (0.03, 0.04, 0.01, 0.01), strict=True):
            left[reason] += sum(rng.random() < chance for _ in range(at_start))
    gone = min(sum(left.values()), at_start)
    if gone < sum(left.values()):
        left = {reason: 0 for reason in left} | {"withdrew": gone}
    remaining = at_start - gone
    completed = remaining if years_since_intake >= 3 else 0
    sat = round(remaining * rng.uniform(0.6, 0.9)) if years_since_intake else 0
    screened = round(remaining * rng.uniform(0.5, 0.95))
    return {
        "intake_period": intake_period,
        "at_start": at_start,
        "still_in_training": remaining - completed,
        "completed": completed,
        "left": left,
        "exam": {"sat": sat, "passed": round(sat * rng.uniform(0.55, 0.9))},
        "with_research_outputs": round(remaining * rng.uniform(0.05, 0.3) * years_since_intake),
        "burnout_screening": {"instrument": "mbi_hss", "screened": screened,
                              "above_threshold": round(screened * rng.uniform(0.15, 0.45))},
    }


def synthetic_cohorts(rng: random.Random, period_code: str, intake_size: int) -> list[dict]:
    """The cohorts a programme follows in a period: this year's intake and the two before."""
    return [synthetic_cohort(rng, intake, years, max(1, round(intake_size * rng.uniform(0.8, 1.2))))
            for years, intake in enumerate(intake_periods(period_code))]
