"""Return data standard v1.1: v1.0 with a cohort follow-up section and the pilot's fixes.

A minor version: every v1.0 field keeps its name, type and meaning; v1.1 only adds. The
cohort follow-up counts, for each intake cohort of mentees still followed this period,
what became of them (no person-level data). What the seed pilot could not say in v1.0:
each need area's own count of people who answered it (item non-response), the
focus groups' themes as codes with the number of groups and participants, and an explicit
'not_reported' for the governance section's yes/no and coded fields (v1.0 could only say
yes or no, so a component the college did not report was read as absent).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from marshmallow import Schema, ValidationError, validates_schema

from schemas.codes import (
    Barrier,
    Benefit,
    BurnoutInstrument,
    LeavingReason,
    NeedArea,
    SchemaVersion,
)
from schemas.fields import Code, CodeList, Count, Section, SectionList
from schemas.rules import V1_1, cohort_rule_errors, rule_errors
from schemas.v1 import (
    EvaluationSchema,
    GovernanceSchema,
    HeaderSchema,
    NeedsAssessmentSchema,
    ReturnSchema,
    _code,
)

MAX_COHORTS = 10


class HeaderSchemaV11(HeaderSchema):
    schema_version = Code(
        SchemaVersion,
        only=[SchemaVersion.V1_1],
        label="Schema version",
        guidance="Version of the data standard this return follows. Write 1.1 for this form.",
    )


GovernanceSchemaV11 = Schema.from_dict(
    {name: field.allowing_not_reported() if field.kind in ("boolean", "code", "code list")
     else field for name, field in GovernanceSchema._declared_fields.items()},
    name="GovernanceSchemaV11",
)
"""v1.0's governance fields, each also taking 'not_reported' (missing, not 'no')."""
NOT_REPORTABLE: tuple[str, ...] = tuple(
    f"governance.{name}" for name, field in GovernanceSchemaV11._declared_fields.items()
    if field.not_reported)


LeftSchema = Schema.from_dict(
    {
        reason.value: Count(
            label=f"Left: {reason.label}",
            guidance=f"Mentees of the cohort who left training by this period's end "
            f"({reason.label.lower()}), counted once, by their main reason.",
        )
        for reason in LeavingReason
    },
    name="CohortLeftSchema",
)


class ExamSchema(Schema):
    sat = Count(
        label="Exam: sat",
        guidance="Mentees of the cohort who sat, in this period, the progression or "
        "licensing exam they were due to sit (professional exam, FCPS part, residency "
        "progression). Cannot exceed the cohort at start.",
    )
    passed = Count(
        label="Exam: passed",
        guidance="Of those who sat, the mentees who passed. Cannot exceed those who sat.",
    )


class BurnoutScreeningSchema(Schema):
    instrument = Code(
        BurnoutInstrument,
        label="Screening instrument",
        guidance="The validated instrument used to screen the cohort for burnout or "
        "distress in this period. Give 'none' (and not_applicable below) if no screening "
        "was held.",
    )
    screened = Count(
        label="Screened",
        guidance="Mentees of the cohort who completed the screening. Cannot exceed the "
        "cohort at start.",
    )
    above_threshold = Count(
        label="Above threshold",
        guidance="Of those screened, the mentees scoring above the instrument's published "
        "threshold for burnout or distress. Cannot exceed those screened.",
    )


class CohortSchema(Schema):
    intake_period = _code(
        "Intake period",
        "The reporting period in which this cohort started the programme, as announced by "
        "the regulator (for example 2023-24). A cohort keeps its intake period every year "
        "it is reported.",
        "2023-24",
    )
    at_start = Count(
        label="Mentees at start",
        guidance="Mentees who entered the programme in the intake period. Report the same "
        "number every period the cohort is followed.",
    )
    still_in_training = Count(
        label="Still in training",
        guidance="Mentees of the cohort still in training on the last day of this period.",
    )
    completed = Count(
        label="Completed",
        guidance="Mentees of the cohort who completed their training by this period's end. "
        "Still in training, completed and left together cannot exceed the cohort at start.",
    )
    left = Section(
        LeftSchema,
        label="Left, by reason",
        guidance="Mentees of the cohort who left training before completing it, by reason.",
    )
    exam = Section(
        ExamSchema,
        label="Progression or licensing exam",
        guidance="The exam the cohort's mentees were due to sit in this period.",
    )
    with_research_outputs = Count(
        label="With research outputs",
        guidance="Mentees of the cohort with at least one research output (published "
        "paper, accepted abstract, registered protocol) by this period's end.",
    )
    burnout_screening = Section(
        BurnoutScreeningSchema,
        label="Burnout or distress screening",
        guidance="Screening of the cohort with a named validated instrument in this period.",
    )

    @validates_schema(skip_on_field_errors=False)
    def check_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Parts of a cohort never exceed the cohort."""
        errors = cohort_rule_errors(data)
        if errors:
            raise ValidationError(errors)


class CohortFollowUpSchema(Schema):
    cohorts = SectionList(
        CohortSchema,
        max_items=MAX_COHORTS,
        label="Cohorts followed",
        guidance="One entry per intake cohort still followed this period (including the "
        "cohort that started this period), each intake period at most once.",
    )

    @validates_schema(skip_on_field_errors=False)
    def check_distinct_intakes(self, data: dict[str, Any], **kwargs: Any) -> None:
        """A cohort is reported once per return."""
        intakes = Counter(cohort.get("intake_period") for cohort in data.get("cohorts", []))
        repeated = sorted(code for code, times in intakes.items() if code and times > 1)
        if repeated:
            raise ValidationError(
                {"cohorts": [f"Intake period {repeated[0]!r} is given more than once."]})


ItemRespondentsSchema = Schema.from_dict(
    {
        area.value: Count(
            label=f"Answered: {area.label}",
            guidance=f"Needs-survey respondents who answered the item on '{area.label}' "
            "(named it or not). Cannot exceed the respondents; those naming the area cannot "
            "exceed it.",
        )
        for area in NeedArea
    },
    name="ItemRespondentsSchema",
)


class NeedsAssessmentSchemaV11(NeedsAssessmentSchema):
    item_respondents = Section(
        ItemRespondentsSchema,
        required=False,
        label="Respondents answering each need area",
        guidance="New in 1.1. For each need area, the respondents who answered that item, "
        "when some respondents skipped items. Leave out if every respondent answered every "
        "item.",
    )


class FocusGroupThemesSchema(Schema):
    groups = Count(
        label="Focus groups",
        guidance="Focus group discussions whose themes are coded here.",
    )
    participants = Count(
        label="Focus group participants",
        guidance="People who took part in those focus groups, each counted once.",
    )
    barriers = CodeList(
        Barrier,
        label="Barrier themes",
        guidance="Barriers raised as themes in the focus groups. Empty if none.",
    )
    benefits = CodeList(
        Benefit,
        label="Benefit themes",
        guidance="Benefits raised as themes in the focus groups. Empty if none.",
    )


class EvaluationSchemaV11(EvaluationSchema):
    focus_group_themes = Section(
        FocusGroupThemesSchema,
        required=False,
        label="Focus group themes",
        guidance="New in 1.1. The themes the evaluation's focus groups raised, coded. Leave "
        "out if no focus group was held or its themes were not coded.",
    )


class ReturnSchemaV11(ReturnSchema):
    """Return v1.1: every v1.0 field unchanged; the cohort follow-up and the pilot's fixes."""

    header = Section(HeaderSchemaV11, label="Header", guidance="Which return this is.")
    governance = Section(
        GovernanceSchemaV11,
        label="Governance",
        guidance="Which components of the national mentoring framework were in place. New "
        "in 1.1: a yes/no or coded component the college does not report is given as "
        "not_reported.",
    )
    needs_assessment = Section(
        NeedsAssessmentSchemaV11,
        label="Needs assessment",
        guidance="The survey of mentees' needs held before or at the start of mentoring.",
    )
    evaluation = Section(
        EvaluationSchemaV11,
        label="Evaluation",
        guidance="How the programme was evaluated at the end of the period and what was found.",
    )
    cohort_follow_up = Section(
        CohortFollowUpSchema,
        required=False,
        label="Cohort follow-up",
        guidance="New in 1.1. What became of each intake cohort of mentees still followed "
        "this period. Leave the whole section out if not collected.",
    )

    @validates_schema(skip_on_field_errors=False)
    def check_rules(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Apply the v1.1 rule table (v1.0's and the item respondents') to what loaded."""
        errors = rule_errors(data, V1_1)
        if errors:
            raise ValidationError(errors)
