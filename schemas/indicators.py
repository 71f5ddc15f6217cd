"""The indicator catalogue: one source for every indicator's definition, in code and as data.

A term is a tuple of dotted return paths whose values are summed. A path may end in
``=code`` (1 when the field equals the code, else 0) or ``!=code`` (1 when the field, or
any item of a code list, is something other than the code). Booleans count 1 / 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.codes import Level, NeedArea, SchemaVersion

LEVELS: tuple[str, ...] = Level.codes()
ALL_VERSIONS: tuple[str, ...] = SchemaVersion.codes()
COHORT_VERSIONS: tuple[str, ...] = (SchemaVersion.V1_1.value,)
SATISFIED_POINTS = ("4", "5")
LIKERT_POINTS = ("1", "2", "3", "4", "5")
MIN_SURVEY_RESPONSE = 0.5
MIN_PEOPLE_FOR_RATE = 23
"""Rates on fewer people than this are not published: the releases' default disclosure
setting (MIN_PEOPLE_FOR_RATE in the configuration), which the toolkit also warns about."""

# The framework components a return reports (FRAMEWORK_COMPONENTS plus the two coded ones).
COMPONENT_TERMS: tuple[str, ...] = (
    "governance.written_policy",
    "governance.committee_with_tor",
    "governance.designated_coordinator",
    "governance.dedicated_budget",
    "governance.mentor_incentives!=none",
    "governance.confidentiality_policy",
    "governance.matching_method=personalised",
    "governance.structured_portfolio",
    "governance.monitoring_evaluation_plan",
    "governance.research_integration",
    "governance.career_guidance_integration",
    "governance.inter_institutional_collaboration",
)
MEETINGS_HELD = (
    "activity.meetings_held.in_person",
    "activity.meetings_held.online",
    "activity.meetings_held.group",
)


# What a return whose denominator is 0 contributes, by kind of indicator.
ZERO_DENOMINATOR_RULES: dict[str, str] = {
    "proportion": "not applicable: a share of nothing; the return contributes nothing and is "
                  "counted as not applicable",
    "count_rate": "its numerator counts: events with no exposure (e.g. endings of pairs "
                  "formed during the period) still add to the institution's and the "
                  "stratum's sums; the return has no value of its own",
    "quantity_rate": "its numerator counts: hours or meetings with no denominator still add "
                     "to the institution's and the stratum's sums; the return has no value "
                     "of its own",
}


@dataclass(frozen=True)
class Gate:
    """Withhold an indicator for a return when responded / invited is below a minimum."""

    responded: str
    invited: str
    minimum: float
    reason: str


@dataclass(frozen=True)
class Indicator:
    """One indicator: numerator and denominator over return fields, and how to read it."""

    code: str
    name: str
    definition: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] | int
    unit: str
    better: str  # higher | lower | neither
    kind: str  # proportion (Wilson interval) | count_rate (exact Poisson) | quantity_rate
    people_denominator: bool = True
    source: str = "return"  # return (from the payload) | register (from expected programmes)
    programme_levels: tuple[str, ...] = LEVELS
    gate: Gate | None = None
    family: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    # The return standard versions the indicator can be computed from (returns are read
    # through schemas.reading, so v1.0 fields read alike in every version).
    standard_versions: tuple[str, ...] = ALL_VERSIONS

    @property
    def scale(self) -> float:
        """Proportions are shown as percentages."""
        return 100.0 if self.kind == "proportion" else 1.0

    @property
    def zero_denominator_counts(self) -> bool:
        """Whether a return with a zero denominator still adds its numerator to the sums."""
        return self.kind != "proportion"

    @property
    def paths(self) -> tuple[str, ...]:
        """Every return path the indicator reads (for documentation and extraction)."""
        gate = (self.gate.responded, self.gate.invited) if self.gate else ()
        denominator = self.denominator if isinstance(self.denominator, tuple) else ()
        return tuple(dict.fromkeys((*self.numerator, *denominator, *gate)))

    def as_dict(self) -> dict:
        """The catalogue entry as published data."""
        return {
            "code": self.code, "name": self.name, "definition": self.definition,
            "numerator": list(self.numerator),
            "denominator": (list(self.denominator) if isinstance(self.denominator, tuple)
                            else self.denominator),
            "unit": self.unit, "better": self.better, "kind": self.kind,
            "people_denominator": self.people_denominator, "source": self.source,
            "unit_of_analysis": "institution" if self.source == "register" else "return",
            "programme_levels": list(self.programme_levels),
            "withheld_when": (f"{self.gate.responded} / {self.gate.invited} < "
                              f"{self.gate.minimum:.0%}" if self.gate else None),
            "family": self.family or None,
            "zero_denominator": ZERO_DENOMINATOR_RULES[self.kind],
            "standard_versions": list(self.standard_versions),
        }


def _survey_gate(survey: str) -> Gate:
    prefix = f"evaluation.{survey}"
    return Gate(f"{prefix}.responded", f"{prefix}.invited", MIN_SURVEY_RESPONSE,
                "survey_response_below_50_percent")


def _satisfaction(role: str) -> Indicator:
    survey = f"{role}_survey"
    points = tuple(f"evaluation.{survey}.satisfaction.{p}" for p in LIKERT_POINTS)
    return Indicator(
        f"{role}_satisfaction", f"{role.capitalize()} satisfaction rate",
        f"{role.capitalize()} survey respondents rating overall satisfaction 4 or 5, out of "
        "those who gave a rating. Withheld for a return whose survey response rate is under "
        "50 %.",
        tuple(f"evaluation.{survey}.satisfaction.{p}" for p in SATISFIED_POINTS), points,
        "percent of rated", "higher", "proportion", gate=_survey_gate(survey))


def _need_prevalence(area: NeedArea) -> Indicator:
    return Indicator(
        f"need_prevalence.{area.value}", f"Need prevalence: {area.label}",
        f"Needs-survey respondents naming '{area.label}', out of all respondents.",
        (f"needs_assessment.need_areas.{area.value}",), ("needs_assessment.responded",),
        "percent of respondents", "neither", "proportion", family="need_prevalence")


def _improvement(area: NeedArea) -> Indicator:
    base = f"evaluation.perceived_improvement.{area.value}"
    return Indicator(
        f"perceived_improvement.{area.value}", f"Perceived improvement: {area.label}",
        f"Evaluation respondents reporting improvement in '{area.label}', out of those asked. "
        "Missing for a return that did not ask about the area.",
        (f"{base}.improved",), (f"{base}.asked",), "percent of asked", "higher", "proportion",
        family="perceived_improvement")


CORE: tuple[Indicator, ...] = (
    Indicator("coverage", "Coverage", "Enrolled mentees out of eligible mentees.",
              ("capacity.enrolled_mentees",), ("capacity.eligible_mentees",),
              "percent of eligible", "higher", "proportion", tags=("headline",)),
    Indicator("mentee_mentor_ratio", "Mentee-to-mentor ratio",
              "Enrolled mentees per active mentor.",
              ("capacity.enrolled_mentees",), ("capacity.active_mentors",),
              "mentees per mentor", "neither", "count_rate"),
    Indicator("mentors_over_cap", "Mentors over cap",
              "Active mentors with more mentees than the institution's cap, out of active "
              "mentors.", ("activity.mentors_over_cap",), ("capacity.active_mentors",),
              "percent of mentors", "lower", "proportion"),
    Indicator("trained_mentor_rate", "Trained-mentor rate",
              "Active mentors who completed mentor training, out of active mentors.",
              ("capacity.mentors_trained",), ("capacity.active_mentors",),
              "percent of mentors", "higher", "proportion", tags=("headline",)),
    Indicator("needs_response_rate", "Needs-survey response rate",
              "Needs-survey respondents out of those invited.",
              ("needs_assessment.responded",), ("needs_assessment.invited",),
              "percent of invited", "higher", "proportion"),
    Indicator("meeting_completion", "Meeting completion",
              "Meetings held (in person, online and group) per meeting planned; can exceed 1.",
              MEETINGS_HELD, ("activity.meetings_planned",), "meetings held per planned",
              "higher", "count_rate", people_denominator=False, tags=("headline",)),
    Indicator("meetings_per_pair", "Meetings per pair",
              "Meetings held (all modes) per pair or group formed.",
              MEETINGS_HELD, ("activity.pairs_formed",), "meetings per pair", "higher",
              "count_rate"),
    Indicator("contact_hours_per_mentee", "Contact hours per mentee",
              "Contact hours logged per enrolled mentee.",
              ("activity.contact_hours",), ("capacity.enrolled_mentees",),
              "hours per mentee", "higher", "quantity_rate"),
    Indicator("relationship_attrition", "Relationship attrition",
              "Unplanned endings per pair active at the start of the period; can exceed 1 "
              "when pairs formed during the period also end.",
              ("activity.unplanned_endings",), ("activity.active_pairs_start",),
              "endings per pair active at start", "lower", "count_rate"),
    Indicator("rematch_timeliness", "Re-match timeliness",
              "Re-match requests resolved within 30 days, out of re-match requests.",
              ("activity.rematch_resolved_30d",), ("activity.rematch_requests",),
              "percent of requests", "higher", "proportion"),
    _satisfaction("mentee"),
    _satisfaction("mentor"),
    Indicator("confidentiality_trust", "Confidentiality trust",
              "Mentee survey respondents trusting that sessions are confidential, out of "
              "mentee survey respondents.",
              ("evaluation.mentee_confidentiality_trust",), ("evaluation.mentee_survey.responded",),
              "percent of respondents", "higher", "proportion"),
    Indicator("evaluation_response_rate", "Evaluation response rate",
              "Respondents to the mentee and mentor surveys out of those invited to them.",
              ("evaluation.mentee_survey.responded", "evaluation.mentor_survey.responded"),
              ("evaluation.mentee_survey.invited", "evaluation.mentor_survey.invited"),
              "percent of invited", "higher", "proportion"),
    Indicator("training_hours_per_mentor", "Training hours per mentor",
              "Mentor training hours held in the period per active mentor.",
              ("capacity.training_hours",), ("capacity.active_mentors",),
              "hours per mentor", "higher", "quantity_rate"),
    Indicator("compliance_index", "Framework compliance index",
              f"Framework components in place out of the {len(COMPONENT_TERMS)} the national "
              "framework asks for (policy, committee with terms of reference, coordinator, "
              "budget, incentives, confidentiality, personalised matching, portfolio, M&E plan, "
              "research and career-guidance links, inter-institutional collaboration).",
              COMPONENT_TERMS, len(COMPONENT_TERMS), "percent of components", "higher",
              "proportion", people_denominator=False, tags=("headline",)),
    Indicator("returns_completeness", "Completeness of returns",
              "Programmes in the directory whose start date is on or before the period's end "
              "(a programme without a start date counts as running) whose return counts in "
              "the release, out of those programmes.",
              ("register.accepted_returns",), ("register.expected_returns",),
              "percent of expected returns", "higher", "proportion", people_denominator=False,
              source="register"),
    Indicator("returns_timeliness", "Timeliness of returns",
              "Programmes running in the period whose first return version arrived by the "
              "due date, out of those programmes.",
              ("register.on_time_returns",), ("register.expected_returns",),
              "percent of expected returns", "higher", "proportion", people_denominator=False,
              source="register"),
)

def _cohort(code: str, name: str, definition: str, numerator: str, denominator: str,
            unit: str, better: str) -> Indicator:
    return Indicator(code, name, definition, (f"cohort_summary.{numerator}",),
                     (f"cohort_summary.{denominator}",), unit, better, "proportion",
                     family="cohort_outcomes", standard_versions=COHORT_VERSIONS)


# Cohort outcomes (standard v1.1): read from the cohort summary schemas.reading derives.
COHORT_OUTCOMES: tuple[Indicator, ...] = (
    _cohort("cohort_retention_1y", "Cohort retention at 1 year",
            "Mentees of the cohorts one year after intake still in training or completed, "
            "out of those cohorts' mentees at start.",
            "year_1.retained", "year_1.at_start", "percent of cohort", "higher"),
    _cohort("cohort_retention_2y", "Cohort retention at 2 years",
            "Mentees of the cohorts two years after intake still in training or completed, "
            "out of those cohorts' mentees at start.",
            "year_2.retained", "year_2.at_start", "percent of cohort", "higher"),
    _cohort("cohort_completion", "Cohort completion",
            "Mentees of every cohort followed who completed their training, out of those "
            "cohorts' mentees at start.",
            "all.completed", "all.at_start", "percent of cohort", "higher"),
    _cohort("exam_pass_rate", "Exam pass rate",
            "Mentees who passed the progression or licensing exam they sat in the period, "
            "out of those who sat it (every cohort followed).",
            "all.exam_passed", "all.exam_sat", "percent of those who sat", "higher"),
    _cohort("burnout_screening_coverage", "Burnout screening coverage",
            "Mentees screened for burnout or distress with a validated instrument in the "
            "period, out of their cohorts' mentees at start (every cohort followed).",
            "all.screened", "all.at_start", "percent of cohort", "higher"),
    _cohort("burnout_above_threshold", "Screened above the burnout threshold",
            "Mentees scoring above their instrument's burnout or distress threshold, out of "
            "those screened.",
            "all.above_threshold", "all.screened", "percent of screened", "lower"),
)

CATALOGUE: tuple[Indicator, ...] = (
    *CORE,
    *COHORT_OUTCOMES,
    *(_need_prevalence(area) for area in NeedArea),
    *(_improvement(area) for area in NeedArea),
)
BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in CATALOGUE}
HEADLINE: tuple[str, ...] = tuple(i.code for i in CATALOGUE if "headline" in i.tags)
CATALOGUE_VERSION = "1.0"


def catalogue_data() -> list[dict]:
    """The whole catalogue as published data, in catalogue order."""
    return [indicator.as_dict() for indicator in CATALOGUE]
