"""Coding frames of the return standard: one source for codes and their human labels."""

from __future__ import annotations

from enum import StrEnum


class CodedEnum(StrEnum):
    """A coding frame whose members are stable codes carrying a human label."""

    label: str

    def __new__(cls, code: str, label: str) -> CodedEnum:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member

    @classmethod
    def codes(cls) -> tuple[str, ...]:
        """Return the codes of this frame in their published order."""
        return tuple(member.value for member in cls)

    @classmethod
    def choices(cls) -> list[dict[str, str]]:
        """Return the frame as a list of {"code", "label"} rows."""
        return [{"code": member.value, "label": member.label} for member in cls]


class SchemaVersion(CodedEnum):
    V1_0 = "1.0", "Return data standard version 1.0"
    V1_1 = "1.1", "Return data standard version 1.1 (adds cohort follow-up)"


class MissingReason(CodedEnum):
    NOT_COLLECTED = "not_collected", "Not collected (the college did not record this figure)"
    NOT_APPLICABLE = "not_applicable", "Not applicable (the item does not apply to this programme)"


class Unreported(CodedEnum):
    """Standard 1.1's explicit answer for a yes/no or coded governance field left unsaid."""

    NOT_REPORTED = "not_reported", "Not reported (the college does not say)"


NOT_REPORTED: str = Unreported.NOT_REPORTED.value
NOT_REPORTED_CHOICE: dict[str, str] = Unreported.choices()[0]


class Level(CodedEnum):
    UNDERGRADUATE = "undergraduate", "Undergraduate students"
    POSTGRADUATE = "postgraduate", "Postgraduate residents"
    FACULTY = "faculty", "Faculty members"


class MentoringModel(CodedEnum):
    FACULTY_TO_STUDENT = "faculty_to_student", "Faculty-to-student"
    PEER_NEAR_PEER = "peer_near_peer", "Peer / near-peer"
    SENIOR_TO_JUNIOR_RESIDENT = "senior_to_junior_resident", "Senior-to-junior resident"
    GROUP = "group", "Group mentoring"
    E_MENTORING = "e_mentoring", "E-mentoring"
    MIXED = "mixed", "Mixed models"


class Discipline(CodedEnum):
    MEDICINE = "medicine", "Medicine and allied"
    SURGERY = "surgery", "Surgery and allied"
    PAEDIATRICS = "paediatrics", "Paediatrics"
    OBSTETRICS_GYNAECOLOGY = "obstetrics_gynaecology", "Obstetrics and gynaecology"
    PATHOLOGY = "pathology", "Pathology"
    RADIOLOGY = "radiology", "Radiology"
    PSYCHIATRY = "psychiatry", "Psychiatry"
    COMMUNITY_MEDICINE = "community_medicine", "Community medicine / public health"
    ANAESTHESIA = "anaesthesia", "Anaesthesia"
    DENTISTRY = "dentistry", "Dentistry (general)"
    ORAL_SURGERY = "oral_surgery", "Oral and maxillofacial surgery"
    ORTHODONTICS = "orthodontics", "Orthodontics"
    BASIC_SCIENCES = "basic_sciences", "Basic medical / dental sciences"
    OTHER = "other", "Other discipline"


class Incentive(CodedEnum):
    NONE = "none", "No incentive"
    RECOGNITION = "recognition", "Recognition (certificates, awards)"
    WORKLOAD_CREDIT = "workload_credit", "Workload credit"
    FINANCIAL = "financial", "Financial"
    PROMOTION_CREDIT = "promotion_credit", "Credit towards promotion"


class MatchingMethod(CodedEnum):
    ASSIGNED = "assigned", "Assigned by the programme"
    PERSONALISED = "personalised", "Personalised matching on needs and interests"
    SELF_SELECTED = "self_selected", "Mentees choose their mentor"
    RANDOM = "random", "Random allocation"


class NeedArea(CodedEnum):
    RESEARCH = "research", "Research"
    MEMORY = "memory", "Memory and retention"
    READING = "reading", "Reading and study skills"
    TIME_MANAGEMENT = "time_management", "Time management"
    COMMUNICATION = "communication", "Communication"
    CAREER_PLANNING = "career_planning", "Career planning"
    WELLBEING = "wellbeing", "Wellbeing and stress"
    CLINICAL_SKILLS = "clinical_skills", "Clinical skills"
    EXAM_PREPARATION = "exam_preparation", "Exam preparation"
    PROFESSIONALISM = "professionalism", "Professionalism"
    OTHER = "other", "Other need"


class Barrier(CodedEnum):
    TOO_FEW_TRAINED_MENTORS = "too_few_trained_mentors", "Too few trained mentors"
    CONFIDENTIALITY_CONCERNS = "confidentiality_concerns", "Confidentiality concerns"
    POOR_SCHEDULING = "poor_scheduling", "Badly scheduled sessions"
    IMPERSONAL_SESSIONS = "impersonal_sessions", "Impersonal sessions"
    COMMITTEE_WITHOUT_JOB_DESCRIPTIONS = (
        "committee_without_job_descriptions",
        "Committee without job descriptions",
    )
    RESOURCE_LIMITS = "resource_limits", "Resource limits"
    OTHER = "other", "Other barrier"


class Benefit(CodedEnum):
    ACADEMIC_GUIDANCE = "academic_guidance", "Academic guidance and study skills"
    RESEARCH_SKILLS = "research_skills", "Research skills and output"
    CAREER_DIRECTION = "career_direction", "Career direction"
    EMOTIONAL_SUPPORT = "emotional_support", "Emotional support and wellbeing"
    PROFESSIONAL_GROWTH = "professional_growth", "Professional growth and confidence"
    BELONGING = "belonging", "Belonging and networking"
    OTHER = "other", "Other benefit"


class SatisfactionPoint(CodedEnum):
    VERY_DISSATISFIED = "1", "1 - Very dissatisfied"
    DISSATISFIED = "2", "2 - Dissatisfied"
    NEUTRAL = "3", "3 - Neutral"
    SATISFIED = "4", "4 - Satisfied"
    VERY_SATISFIED = "5", "5 - Very satisfied"


class LeavingReason(CodedEnum):
    TRANSFERRED = "transferred", "Transferred to another institution or programme"
    WITHDREW = "withdrew", "Withdrew from training"
    DISMISSED = "dismissed", "Dismissed"
    OTHER = "other", "Other reason"


class BurnoutInstrument(CodedEnum):
    MBI_HSS = "mbi_hss", "Maslach Burnout Inventory - Human Services Survey"
    MBI_SS = "mbi_ss", "Maslach Burnout Inventory - Student Survey"
    CBI = "cbi", "Copenhagen Burnout Inventory"
    OLBI = "olbi", "Oldenburg Burnout Inventory"
    PHQ9 = "phq9", "Patient Health Questionnaire-9 (depression)"
    GAD7 = "gad7", "Generalised Anxiety Disorder-7"
    K10 = "k10", "Kessler Psychological Distress Scale (K10)"
    WHO5 = "who5", "WHO-5 Well-Being Index"
    NONE = "none", "No screening held in the period"


MISSING_CODES: tuple[str, ...] = MissingReason.codes()
