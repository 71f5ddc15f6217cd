"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

from registry.models.accounts import Role, User
from registry.models.audit import AuditEvent
from registry.models.benchmarks import (
    BenchmarkCell,
    FeedbackReport,
    InstitutionFigures,
    PeerGroup,
    PeerGroupMember,
    Release,
    ReleasePublication,
    StoredChart,
)
from registry.models.drafts import Draft
from registry.models.publication import (
    ReleasePreview,
    ReleaseQuery,
    RevisionNote,
    ScheduledPublication,
    ScheduledRelease,
)
from registry.models.quality import AcceptedExplanation, IssueStatus, QualityIssue, Severity
from registry.models.register import Institution, Province, Regulator, University
from registry.models.reporting import ApiToken, Extension, Period, Programme
from registry.models.returns import (
    ACCEPTANCE_LEVELS,
    IdempotencyRecord,
    Return,
    ReturnStatus,
    ReturnVersion,
)
from registry.models.review import Message, ReviewDecision, ThreadRead

__all__ = [
    "ACCEPTANCE_LEVELS",
    "AcceptedExplanation",
    "ApiToken",
    "AuditEvent",
    "BenchmarkCell",
    "Draft",
    "Extension",
    "FeedbackReport",
    "IdempotencyRecord",
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
    "ReleasePreview",
    "ReleasePublication",
    "ReleaseQuery",
    "Return",
    "ReturnStatus",
    "ReturnVersion",
    "ReviewDecision",
    "RevisionNote",
    "Role",
    "ScheduledPublication",
    "ScheduledRelease",
    "Severity",
    "StoredChart",
    "ThreadRead",
    "University",
    "User",
]
