"""Return data standard v1: one institution x one programme x one reporting period."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, validates_schema

from schemas.codes import (
    Barrier,
    Discipline,
    Incentive,
    Level,
    MatchingMethod,
    MentoringModel,
    NeedArea,
    SatisfactionPoint,
    SchemaVersion,
)
from schemas.fields import (
    Code,
    CodeList,
    Count,
    IsoDate,
    Number,
    Section,
    StrictBoolean,
    Text,
)
from schemas.rules import rule_errors

CODE_PATTERN = "[A-Z0-9]+(?:-[A-Z0-9]+)*"
CODE_HINT = "capital letters and digits, in groups joined by single hyphens"


def _code(label: str, guidance: str, example: str) -> Text:
    return Text(
        label=label,
        guidance=guidance,
        max_length=40,
        pattern=CODE_PATTERN,
        pattern_hint=CODE_HINT,
        example=example,
    )


def _yes_no(label: str, guidance: str) -> StrictBoolean:
    return StrictBoolean(label=label, guidance=guidance)


class HeaderSchema(Schema):
    schema_version = Code(
        SchemaVersion,
        only=[SchemaVersion.V1_0],
        label="Schema version",
        guidance="Version of the data standard this return follows. Write 1.0 for this form.",
    )
    institution_code = _code(
        "Institution code",
        "The code the registry issued to your college, exactly as shown on your registry "
        "account (for example PB-MED-001).",
        "PB-MED-001",
    )
    period_code = _code(
        "Reporting period",
        "The reporting period this return covers, as announced by the regulator (for "
        "example 2025). Send one return per programme per period.",
        "2025",
    )
    programme_code = _code(
        "Programme code",
        "The code of this mentoring programme as registered in the programme directory "
        "(for example PG-PEER). Keep it the same every period so years can be compared.",
        "PG-PEER",
    )


class ProgrammeSchema(Schema):
    name = Text(
        label="Programme name",
        guidance="The name the college uses for this mentoring programme.",
        max_length=200,
    )
    level = Code(
        Level,
        label="Level",
        guidance="Who the mentees are: undergraduate students, postgraduate residents or "
        "faculty members. Run separate programmes for different levels as separate returns.",
    )
    model = Code(
        MentoringModel,
        label="Mentoring model",
        guidance="How mentoring is organised. Choose 'mixed' only when no single model "
        "covers most mentees.",
    )
    disciplines = CodeList(
        Discipline,
        min_items=1,
        label="Disciplines",
        guidance="Every discipline whose students, residents or faculty take part. Give at "
        "least one; use 'other' for a discipline not on the list.",
    )
    start_date = IsoDate(
        label="Programme start date",
        guidance="The date the programme first enrolled mentees (not the start of this "
        "period), written YYYY-MM-DD. Use the first day of the month if only the month is "
        "known.",
    )


class GovernanceSchema(Schema):
    written_policy = _yes_no(
        "Written mentoring policy",
        "true if the college has a written mentoring policy approved by its academic "
        "council or equivalent body, in force during the period.",
    )
    committee_with_tor = _yes_no(
        "Committee with terms of reference",
        "true if a mentoring committee with written terms of reference oversaw the "
        "programme during the period.",
    )
    designated_coordinator = _yes_no(
        "Designated coordinator",
        "true if a named person was formally given the job of coordinating the programme.",
    )
    dedicated_budget = _yes_no(
        "Dedicated budget",
        "true if the programme had its own budget line for the period (however small).",
    )
    mentor_incentives = CodeList(
        Incentive,
        min_items=1,
        exclusive=Incentive.NONE,
        label="Mentor incentives",
        guidance="Every kind of incentive mentors received for mentoring. If there were "
        "none, give only 'none'.",
    )
    confidentiality_policy = _yes_no(
        "Confidentiality policy",
        "true if mentors and mentees were given written rules on keeping what is said in "
        "sessions confidential, including when confidentiality may be broken.",
    )
    matching_method = Code(
        MatchingMethod,
        label="Matching method",
        guidance="How most mentees were matched with their mentor. 'personalised' means "
        "matching on the mentee's needs and interests, e.g. from the needs survey.",
    )
    structured_portfolio = _yes_no(
        "Structured portfolio",
        "true if mentees kept a structured portfolio or log of goals and meetings.",
    )
    monitoring_evaluation_plan = _yes_no(
        "Monitoring and evaluation plan",
        "true if the programme had a written plan saying what is monitored, how it is "
        "evaluated and when.",
    )
    research_integration = _yes_no(
        "Research integration",
        "true if the programme deliberately links mentees to research (projects, "
        "supervision, writing support).",
    )
    career_guidance_integration = _yes_no(
        "Career guidance integration",
        "true if the programme is linked to the college's career guidance or counselling services.",
    )
    inter_institutional_collaboration = _yes_no(
        "Inter-institutional collaboration",
        "true if the programme shared mentors, training or materials with another "
        "institution during the period.",
    )


NeedAreasSchema = Schema.from_dict(
    {
        area.value: Count(
            label=area.label,
            guidance=f"Needs-survey respondents who named '{area.label}' as an area where "
            "they want mentoring support. Each respondent may name several areas.",
        )
        for area in NeedArea
    },
    name="NeedAreasSchema",
)


class NeedsAssessmentSchema(Schema):
    conducted = _yes_no(
        "Needs assessment conducted",
        "true if mentees' needs were surveyed before or at the start of mentoring in this "
        "period. If false, give not_applicable for the counts below.",
    )
    invited = Count(
        label="Needs survey: invited",
        guidance="People asked to complete the needs survey.",
    )
    responded = Count(
        label="Needs survey: responded",
        guidance="People who returned a usable needs survey. Cannot exceed those invited.",
    )
    need_areas = Section(
        NeedAreasSchema,
        label="Needs named, by area",
        guidance="For each need area, the respondents who named it.",
    )


class CapacitySchema(Schema):
    eligible_mentees = Count(
        label="Eligible mentees",
        guidance="People the programme was open to during the period (for example all "
        "Year-1 residents of the departments taking part).",
    )
    enrolled_mentees = Count(
        label="Enrolled mentees",
        guidance="Eligible people who were matched with a mentor or group at any time in "
        "the period. Count each person once.",
    )
    active_mentors = Count(
        label="Active mentors",
        guidance="Mentors with at least one mentee or group at any time in the period. "
        "Count each person once.",
    )
    mentors_trained = Count(
        label="Trained mentors",
        guidance="Active mentors who have completed mentor training (in this or an earlier "
        "period). Cannot exceed active mentors.",
    )
    training_sessions = Count(
        label="Mentor training sessions",
        guidance="Mentor training sessions or workshops held during the period.",
    )
    training_hours = Number(
        label="Mentor training hours",
        guidance="Total length in hours of the training sessions held in the period (a "
        "one-day workshop is about 6 to 8 hours). Decimals allowed.",
    )


MeetingsHeldSchema = Schema.from_dict(
    {
        "in_person": Count(
            label="Meetings held in person",
            guidance="One-to-one mentoring meetings held face to face.",
        ),
        "online": Count(
            label="Meetings held online",
            guidance="One-to-one mentoring meetings held by video or voice call.",
        ),
        "group": Count(
            label="Group meetings held",
            guidance="Group mentoring sessions held (count each session once, however many "
            "attended).",
        ),
    },
    name="MeetingsHeldSchema",
)


class ActivitySchema(Schema):
    pairs_formed = Count(
        label="Pairs or groups formed",
        guidance="Mentor-mentee pairs (or mentoring groups) that existed at any time in the "
        "period, including pairs carried over from earlier periods.",
    )
    active_pairs_start = Count(
        label="Active pairs at period start",
        guidance="Pairs or groups active on the first day of the period. Give 0 for a "
        "programme that started during the period.",
    )
    active_pairs_end = Count(
        label="Active pairs at period end",
        guidance="Pairs or groups still active on the last day of the period.",
    )
    unplanned_endings = Count(
        label="Unplanned endings",
        guidance="Pairs or groups that ended before their planned end (dropped out, "
        "conflict, mentor left).",
    )
    rematch_requests = Count(
        label="Re-match requests",
        guidance="Requests from mentees or mentors to be matched with someone else.",
    )
    rematch_resolved_30d = Count(
        label="Re-matches within 30 days",
        guidance="Re-match requests resolved (new match made) within 30 days of the request.",
    )
    meetings_planned = Count(
        label="Meetings planned",
        guidance="Mentoring meetings the programme schedule called for in the period, "
        "across all pairs and groups.",
    )
    meetings_held = Section(
        MeetingsHeldSchema,
        label="Meetings held, by mode",
        guidance="Mentoring meetings that actually took place, by mode.",
    )
    contact_hours = Number(
        label="Contact hours logged",
        guidance="Total hours of mentoring contact recorded in logs or portfolios, summed "
        "over all pairs and groups. Decimals allowed.",
    )
    mentees_disengaged = Count(
        label="Mentees who disengaged",
        guidance="Enrolled mentees who stopped attending without a planned ending (no "
        "meeting in the last three months of the period or more).",
    )
    mentors_over_cap = Count(
        label="Mentors over the mentee cap",
        guidance="Active mentors who had more mentees than the institution's own cap per "
        "mentor allows. Give not_applicable if the institution sets no cap.",
    )


def _survey_schema(role: str) -> type[Schema]:
    title = role.capitalize()
    likert = Schema.from_dict(
        {
            point.value: Count(
                label=f"Rated {point.label}",
                guidance=f"Respondents to the {role} survey who rated their overall "
                f"satisfaction with mentoring as {point.label}.",
            )
            for point in SatisfactionPoint
        },
        name=f"{title}SatisfactionSchema",
    )
    return Schema.from_dict(
        {
            "invited": Count(
                label=f"{title} survey: invited",
                guidance=f"{title}s asked to complete the end-of-period {role} survey.",
            ),
            "responded": Count(
                label=f"{title} survey: responded",
                guidance=f"{title}s who returned a usable {role} survey. Cannot exceed "
                "those invited.",
            ),
            "satisfaction": Section(
                likert,
                label=f"{title} satisfaction, by rating",
                guidance="Respondents by overall satisfaction rating on the 1 to 5 scale. "
                "The five counts together cannot exceed the respondents.",
            ),
        },
        name=f"{title}SurveySchema",
    )


ImprovementSchema = Schema.from_dict(
    {
        "asked": Count(
            label="Asked",
            guidance="Survey respondents asked whether mentoring improved this area.",
        ),
        "improved": Count(
            label="Reported improvement",
            guidance="Respondents who said mentoring improved this area.",
        ),
    },
    name="ImprovementSchema",
)

PerceivedImprovementSchema = Schema.from_dict(
    {
        area.value: Section(
            ImprovementSchema,
            required=False,
            label=f"Improvement: {area.label}",
            guidance=f"Perceived improvement in '{area.label}'. Leave the area out if it was "
            "not asked about.",
        )
        for area in NeedArea
    },
    name="PerceivedImprovementSchema",
)


class EvaluationSchema(Schema):
    evaluation_done = _yes_no(
        "Evaluation done",
        "true if the programme was formally evaluated at the end of the period (surveys, "
        "focus groups or both).",
    )
    mentee_survey = Section(
        _survey_schema("mentee"),
        label="Mentee survey",
        guidance="The end-of-period survey of mentees.",
    )
    mentor_survey = Section(
        _survey_schema("mentor"),
        label="Mentor survey",
        guidance="The end-of-period survey of mentors.",
    )
    mentee_confidentiality_trust = Count(
        label="Mentees trusting confidentiality",
        guidance="Mentee survey respondents who agreed that what they say in mentoring "
        "sessions is kept confidential. Cannot exceed the mentee survey respondents.",
    )
    focus_groups_held = Count(
        label="Focus groups held",
        guidance="Focus group discussions held with mentees or mentors to evaluate the programme.",
    )
    perceived_improvement = Section(
        PerceivedImprovementSchema,
        label="Perceived improvement, by area",
        guidance="For each need area asked about in the evaluation, respondents asked and "
        "those reporting improvement. Areas not asked about are left out.",
    )
    barriers = CodeList(
        Barrier,
        label="Barriers reported",
        guidance="Barriers the evaluation found (from surveys, focus groups or the "
        "committee). Leave empty if none were reported.",
    )


class OutcomesSchema(Schema):
    mentee_research_outputs = Count(
        label="Mentee research outputs",
        guidance="Research outputs (published papers, accepted abstracts, registered "
        "protocols) by mentees during the period.",
    )
    mentees_in_research_projects = Count(
        label="Mentees in research projects",
        guidance="Mentees taking part in at least one research project during the period.",
    )


class ReturnSchema(Schema):
    """Return v1: one institution x one programme x one reporting period."""

    header = Section(HeaderSchema, label="Header", guidance="Which return this is.")
    programme = Section(
        ProgrammeSchema,
        label="Programme",
        guidance="What the programme is; kept consistent with the programme directory.",
    )
    governance = Section(
        GovernanceSchema,
        label="Governance",
        guidance="Which components of the national mentoring framework were in place.",
    )
    needs_assessment = Section(
        NeedsAssessmentSchema,
        label="Needs assessment",
        guidance="The survey of mentees' needs held before or at the start of mentoring.",
    )
    capacity = Section(
        CapacitySchema,
        label="Capacity",
        guidance="Mentees, mentors and mentor training in the period.",
    )
    activity = Section(
        ActivitySchema,
        label="Activity",
        guidance="Pairs, meetings and contact during the period.",
    )
    evaluation = Section(
        EvaluationSchema,
        label="Evaluation",
        guidance="How the programme was evaluated at the end of the period and what was found.",
    )
    outcomes = Section(
        OutcomesSchema,
        required=False,
        label="Outcomes",
        guidance="Optional follow-up outcomes of mentees. Leave the whole section out if "
        "not collected.",
    )

    @validates_schema(skip_on_field_errors=False)
    def check_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Apply the cross-field rule table to whatever loaded cleanly."""
        errors = rule_errors(data)
        if errors:
            raise ValidationError(errors)
