"""Quality warnings the registry will raise on a return, foreseen before it is sent."""

from __future__ import annotations

from collections.abc import Callable

from schemas.paths import get_path, is_number

RESPONSE_RATE_FLOOR = 0.5
MENTEES_PER_MENTOR_CEILING = 10
COMPLETION_FLOOR = 0.5
TRAINED_FLOOR = 0.5
SMALLEST_PUBLISHED = 23
SURVEYS = (
    ("needs survey", "needs_assessment"),
    ("mentee survey", "evaluation.mentee_survey"),
    ("mentor survey", "evaluation.mentor_survey"),
)


def ratio(payload: dict, numerator: str, denominator: str) -> float | None:
    """Return numerator / denominator when both are numbers and the denominator is not 0."""
    top, bottom = get_path(payload, numerator), get_path(payload, denominator)
    if is_number(top) and is_number(bottom) and bottom > 0:
        return top / bottom
    return None


def foreseeable_warnings(payload: dict) -> list[str]:
    """Return the soft-rule warnings this return will draw, in plain language."""
    checks: tuple[Callable[[dict], list[str]], ...] = (
        _no_meetings, _response_rates, _straight_lined, _mentee_ratio, _completion,
        _trained_share,
    )
    return [warning for check in checks for warning in check(payload)]


def _no_meetings(payload: dict) -> list[str]:
    enrolled = get_path(payload, "capacity.enrolled_mentees")
    held = get_path(payload, "activity.meetings_held") or {}
    counts = [value for value in held.values() if is_number(value)]
    if is_number(enrolled) and enrolled > 0 and len(counts) == 3 and sum(counts) == 0:
        return [f"no meetings held although {enrolled} mentees are enrolled"]
    return []


def _response_rates(payload: dict) -> list[str]:
    warnings = []
    for label, prefix in SURVEYS:
        rate = ratio(payload, f"{prefix}.responded", f"{prefix}.invited")
        if rate is not None and rate < RESPONSE_RATE_FLOOR:
            withheld = "" if label == "needs survey" else "; its satisfaction rate is withheld"
            warnings.append(f"{label} response rate is {rate:.0%} (under 50 %){withheld}")
    return warnings


def _straight_lined(payload: dict) -> list[str]:
    warnings = []
    for label, prefix in SURVEYS[1:]:
        points = get_path(payload, f"{prefix}.satisfaction") or {}
        counts = {point: n for point, n in points.items() if is_number(n)}
        rated = sum(counts.values())
        if len(counts) == 5 and rated >= 3 and max(counts.values()) == rated:
            point = max(counts, key=counts.get)
            warnings.append(f"{label} satisfaction is straight-lined: all {rated} ratings "
                            f"are {point}")
    return warnings


def _mentee_ratio(payload: dict) -> list[str]:
    value = ratio(payload, "capacity.enrolled_mentees", "capacity.active_mentors")
    if value is not None and value > MENTEES_PER_MENTOR_CEILING:
        return [f"{value:.1f} mentees per active mentor (above {MENTEES_PER_MENTOR_CEILING})"]
    enrolled = get_path(payload, "capacity.enrolled_mentees")
    if get_path(payload, "capacity.active_mentors") == 0 and is_number(enrolled) and enrolled:
        return [f"{enrolled} mentees enrolled but no active mentors"]
    return []


def _completion(payload: dict) -> list[str]:
    held = get_path(payload, "activity.meetings_held") or {}
    planned = get_path(payload, "activity.meetings_planned")
    counts = [value for value in held.values() if is_number(value)]
    if len(counts) == 3 and is_number(planned) and planned > 0:
        share = sum(counts) / planned
        if share < COMPLETION_FLOOR:
            return [f"only {share:.0%} of planned meetings were held ({sum(counts)} of "
                    f"{planned})"]
    return []


def _trained_share(payload: dict) -> list[str]:
    share = ratio(payload, "capacity.mentors_trained", "capacity.active_mentors")
    if share is not None and share < TRAINED_FLOOR:
        return [f"only {share:.0%} of active mentors are trained"]
    return []


def publication_notes(payload: dict) -> list[str]:
    """Return the figures too small for the registry to publish rates on."""
    warnings = []
    for label, prefix in SURVEYS[1:]:
        responded = get_path(payload, f"{prefix}.responded")
        if is_number(responded) and 0 < responded < SMALLEST_PUBLISHED:
            warnings.append(f"{label}: {responded} respondents, fewer than "
                            f"{SMALLEST_PUBLISHED}; rates built on them are not published")
    return warnings
