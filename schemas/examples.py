"""Example returns: the published pilot and deterministic synthetic returns."""

from __future__ import annotations

import random

from schemas.codes import Barrier, Discipline, Incentive, MatchingMethod, NeedArea
from schemas.validation import SCHEMA_VERSION

QUALITIES = ("good", "poor")

_PILOT_NEEDS = {
    "research": 21,
    "memory": 19,
    "reading": 18,
    "time_management": 17,
    "communication": 12,
    "career_planning": 15,
    "wellbeing": 11,
    "clinical_skills": 14,
    "exam_preparation": 16,
    "professionalism": 6,
    "other": 2,
}

# Mentees per mentor and the size of the eligible cohort, by programme level.
_LEVEL_PROFILES = {
    "undergraduate": {"eligible": (100, 400), "per_mentor": (4, 8)},
    "postgraduate": {"eligible": (20, 80), "per_mentor": (1, 3)},
    "faculty": {"eligible": (10, 40), "per_mentor": (1, 3)},
}

_LEVEL_MODELS = {
    "undergraduate": ("faculty_to_student", "peer_near_peer", "group", "mixed"),
    "postgraduate": ("senior_to_junior_resident", "faculty_to_student", "mixed"),
    "faculty": ("peer_near_peer", "group", "e_mentoring", "mixed"),
}


def _header(institution_code: str, period_code: str, programme_code: str) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "institution_code": institution_code,
        "period_code": period_code,
        "programme_code": programme_code,
    }


def pilot_return(
    institution_code: str = "SD-MED-PVT-001",
    period_code: str = "2020",
    programme_code: str = "PG-PEER",
) -> dict:
    """Return a valid return modelled on the published postgraduate resident pilot."""
    return {
        "header": _header(institution_code, period_code, programme_code),
        "programme": {
            "name": "Senior-to-junior resident mentoring programme",
            "level": "postgraduate",
            "model": "senior_to_junior_resident",
            "disciplines": ["medicine", "paediatrics", "pathology", "radiology"],
            "start_date": "2020-01-15",
        },
        "governance": _pilot_governance(),
        "needs_assessment": {
            "conducted": True,
            "invited": 52,
            "responded": 33,
            "need_areas": dict(_PILOT_NEEDS),
        },
        "capacity": {
            "eligible_mentees": 52,
            "enrolled_mentees": 48,
            "active_mentors": 24,
            "mentors_trained": 24,
            "training_sessions": 1,
            "training_hours": 7.5,
        },
        "activity": _pilot_activity(),
        "evaluation": _pilot_evaluation(),
    }


def _pilot_governance() -> dict:
    return {
        "written_policy": False,
        "committee_with_tor": True,
        "designated_coordinator": True,
        "dedicated_budget": False,
        "mentor_incentives": ["recognition"],
        "confidentiality_policy": True,
        "matching_method": "assigned",
        "structured_portfolio": False,
        "monitoring_evaluation_plan": True,
        "research_integration": True,
        "career_guidance_integration": False,
        "inter_institutional_collaboration": False,
    }


def _pilot_activity() -> dict:
    return {
        "pairs_formed": 48,
        "active_pairs_start": 0,
        "active_pairs_end": 41,
        "unplanned_endings": 7,
        "rematch_requests": 3,
        "rematch_resolved_30d": 2,
        "meetings_planned": 288,
        "meetings_held": {"in_person": 196, "online": 31, "group": 6},
        "contact_hours": 251.5,
        "mentees_disengaged": 7,
        "mentors_over_cap": 0,
    }


def _pilot_evaluation() -> dict:
    return {
        "evaluation_done": True,
        "mentee_survey": {
            "invited": 48,
            "responded": 36,
            "satisfaction": {"1": 1, "2": 3, "3": 7, "4": 15, "5": 10},
        },
        "mentor_survey": {
            "invited": 24,
            "responded": 20,
            "satisfaction": {"1": 0, "2": 1, "3": 4, "4": 10, "5": 5},
        },
        "mentee_confidentiality_trust": 27,
        "focus_groups_held": 2,
        "perceived_improvement": {
            "research": {"asked": 36, "improved": 22},
            "memory": {"asked": 36, "improved": 17},
            "reading": {"asked": 36, "improved": 19},
            "time_management": {"asked": 36, "improved": 24},
        },
        "barriers": ["too_few_trained_mentors", "poor_scheduling", "confidentiality_concerns"],
    }


def synthetic_return(
    rng: random.Random,
    institution_code: str,
    period_code: str,
    programme_code: str,
    level: str,
    *,
    quality: str = "good",
) -> dict:
    """Return a valid, plausible return whose figures vary by level; deterministic in rng.

    quality="good" gives complete, well-run figures; quality="poor" gives figures that
    pass the hard rules but should draw quality warnings (low response, straight-lined
    satisfaction, missing values, no meetings held).
    """
    if level not in _LEVEL_PROFILES:
        raise ValueError(f"unknown level {level!r}; expected one of {sorted(_LEVEL_PROFILES)}")
    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; expected one of {QUALITIES}")
    poor = quality == "poor"
    capacity = _synthetic_capacity(rng, level, poor)
    return {
        "header": _header(institution_code, period_code, programme_code),
        "programme": _synthetic_programme(rng, level, period_code),
        "governance": _synthetic_governance(rng, poor),
        "needs_assessment": _synthetic_needs(rng, capacity["eligible_mentees"], poor),
        "capacity": capacity,
        "activity": _synthetic_activity(rng, capacity, poor),
        "evaluation": _synthetic_evaluation(rng, capacity, poor),
        **({} if poor else {"outcomes": _synthetic_outcomes(rng, capacity)}),
    }


def _share(rng: random.Random, whole: int, low: float, high: float) -> int:
    """Return a random share of a whole, between low and high fractions of it."""
    return round(whole * rng.uniform(low, high))


def _synthetic_programme(rng: random.Random, level: str, period_code: str) -> dict:
    disciplines = rng.sample(Discipline.codes(), rng.randint(1, 4))
    year = int(period_code[:4]) if period_code[:4].isdigit() else 2020
    return {
        "name": f"{level.capitalize()} mentoring programme",
        "level": level,
        "model": rng.choice(_LEVEL_MODELS[level]),
        "disciplines": sorted(disciplines, key=Discipline.codes().index),
        "start_date": f"{year - rng.randint(0, 5)}-{rng.randint(1, 12):02d}-01",
    }


_GOVERNANCE_FIELDS = (
    "written_policy",
    "committee_with_tor",
    "designated_coordinator",
    "dedicated_budget",
    "mentor_incentives",
    "confidentiality_policy",
    "matching_method",
    "structured_portfolio",
    "monitoring_evaluation_plan",
    "research_integration",
    "career_guidance_integration",
    "inter_institutional_collaboration",
)


def _synthetic_governance(rng: random.Random, poor: bool) -> dict:
    chance = 0.3 if poor else 0.75
    incentives = rng.sample(Incentive.codes()[1:], rng.randint(0, 2))
    coded = {
        "mentor_incentives": sorted(incentives, key=Incentive.codes().index) or ["none"],
        "matching_method": rng.choice(MatchingMethod.codes()),
    }
    return {
        name: coded[name] if name in coded else rng.random() < chance for name in _GOVERNANCE_FIELDS
    }


def _synthetic_needs(rng: random.Random, eligible: int, poor: bool) -> dict:
    if poor and rng.random() < 0.5:
        areas = dict.fromkeys(NeedArea.codes(), "not_applicable")
        return {
            "conducted": False,
            "invited": "not_applicable",
            "responded": "not_applicable",
            "need_areas": areas,
        }
    invited = _share(rng, eligible, 0.8, 1.0)
    responded = _share(rng, invited, 0.2, 0.45) if poor else _share(rng, invited, 0.55, 0.9)
    areas = {area: _share(rng, responded, 0.05, 0.7) for area in NeedArea.codes()}
    return {"conducted": True, "invited": invited, "responded": responded, "need_areas": areas}


def _synthetic_capacity(rng: random.Random, level: str, poor: bool) -> dict:
    profile = _LEVEL_PROFILES[level]
    eligible = rng.randint(*profile["eligible"])
    enrolled = _share(rng, eligible, 0.3, 0.6) if poor else _share(rng, eligible, 0.6, 1.0)
    mentors = max(1, round(enrolled / rng.randint(*profile["per_mentor"])))
    trained = _share(rng, mentors, 0.2, 0.5) if poor else _share(rng, mentors, 0.75, 1.0)
    sessions = rng.randint(1, 4)
    return {
        "eligible_mentees": eligible,
        "enrolled_mentees": enrolled,
        "active_mentors": mentors,
        "mentors_trained": trained,
        "training_sessions": sessions,
        "training_hours": "not_collected" if poor else sessions * rng.choice((3, 3.5, 6, 7)),
    }


def _synthetic_activity(rng: random.Random, capacity: dict, poor: bool) -> dict:
    enrolled = capacity["enrolled_mentees"]
    pairs = max(1, enrolled)
    start = _share(rng, pairs, 0.0, 0.6)
    planned = pairs * rng.choice((4, 6, 8))
    held = 0 if poor else _share(rng, planned, 0.55, 0.95)
    online = _share(rng, held, 0.05, 0.3)
    group = _share(rng, held - online, 0.0, 0.1)
    requests = rng.randint(0, max(1, pairs // 10))
    return {
        "pairs_formed": pairs,
        "active_pairs_start": start,
        "active_pairs_end": _share(rng, pairs, 0.7, 0.95),
        "unplanned_endings": _share(rng, pairs, 0.02, 0.15),
        "rematch_requests": requests,
        "rematch_resolved_30d": rng.randint(0, requests),
        "meetings_planned": planned,
        "meetings_held": {"in_person": held - online - group, "online": online, "group": group},
        "contact_hours": "not_collected" if poor else round(held * rng.uniform(0.75, 1.25), 1),
        "mentees_disengaged": _share(rng, enrolled, 0.02, 0.2),
        "mentors_over_cap": _share(rng, capacity["active_mentors"], 0.0, 0.15),
    }


def _synthetic_survey(rng: random.Random, population: int, poor: bool) -> dict:
    invited = population
    rate = (0.15, 0.45) if poor else (0.55, 0.9)
    responded = _share(rng, invited, *rate)
    if poor:
        satisfaction = {"1": 0, "2": 0, "3": responded, "4": 0, "5": 0}
    else:
        satisfaction = _spread(rng, responded, (0.03, 0.07, 0.2, 0.4, 0.3))
    return {"invited": invited, "responded": responded, "satisfaction": satisfaction}


def _spread(rng: random.Random, total: int, weights: tuple[float, ...]) -> dict:
    """Split a total over Likert points 1-5 with noisy weights."""
    noisy = [weight * rng.uniform(0.6, 1.4) for weight in weights]
    counts = [int(total * weight / sum(noisy)) for weight in noisy]
    counts[3] += total - sum(counts)
    return {str(point): count for point, count in enumerate(counts, start=1)}


def _synthetic_evaluation(rng: random.Random, capacity: dict, poor: bool) -> dict:
    mentee = _synthetic_survey(rng, capacity["enrolled_mentees"], poor)
    mentor = _synthetic_survey(rng, capacity["active_mentors"], poor)
    asked = mentee["responded"]
    areas = rng.sample(NeedArea.codes(), 0 if poor else rng.randint(2, 5))
    improvement = {
        area: {"asked": asked, "improved": _share(rng, asked, 0.4, 0.85)}
        for area in sorted(areas, key=NeedArea.codes().index)
    }
    barriers = rng.sample(Barrier.codes()[:-1], rng.randint(2, 4) if poor else rng.randint(0, 2))
    return {
        "evaluation_done": True,
        "mentee_survey": mentee,
        "mentor_survey": mentor,
        "mentee_confidentiality_trust": _share(rng, mentee["responded"], 0.5, 0.95),
        "focus_groups_held": 0 if poor else rng.randint(0, 3),
        "perceived_improvement": improvement,
        "barriers": sorted(barriers, key=Barrier.codes().index),
    }


def _synthetic_outcomes(rng: random.Random, capacity: dict) -> dict:
    in_projects = _share(rng, capacity["enrolled_mentees"], 0.05, 0.4)
    return {
        "mentee_research_outputs": _share(rng, in_projects, 0.1, 0.6),
        "mentees_in_research_projects": in_projects,
    }
