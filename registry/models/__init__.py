"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

from registry.models.accounts import Role, User
from registry.models.audit import AuditEvent
from registry.models.benchmarks import (
    BenchmarkCell,
    FeedbackReport,
    IndicatorValue,
    InstitutionFigures,
    PeerGroup,
    PeerGroupMember,
    Release,
    ReleasePublication,
)
from registry.models.drafts import Draft
from registry.models.quality import AcceptedExplanation, IssueStatus, QualityIssue, Severity
from registry.models.register import Institution, Province, Regulator, University
from registry.models.reporting import ApiToken, Extension, Period, Programme
from registry.models.returns import IdempotencyRecord, Return, ReturnStatus, ReturnVersion
from registry.models.review import Message, ReviewDecision, ThreadRead

__all__ = [
    "AcceptedExplanation",
    "ApiToken",
    "AuditEvent",
    "BenchmarkCell",
    "Draft",
    "Extension",
    "FeedbackReport",
    "IdempotencyRecord",
    "IndicatorValue",
    "Institution",
    "InstitutionFigures",
    "IssueStatus",
    "Message",
    "PeerGroup",
    "PeerGroupMember",
    "Period",
    "Programme",
    "Province",
    "QualityIssue",
    "Regulator",
    "Release",
    "ReleasePublication",
    "Return",
    "ReturnStatus",
    "ReturnVersion",
    "ReviewDecision",
    "Role",
    "Severity",
    "ThreadRead",
    "University",
    "User",
]
