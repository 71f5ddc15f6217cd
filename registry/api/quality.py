"""Quality: the rule directory, a version's quality report, explanations, decisions, the board."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from expectations import load_rules
from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.api.fields import component, enum_string
from registry.models import IssueStatus
from registry.request_session import get_session
from registry.services.mailer import SmtpSettings
from registry.services.quality import quality as quality_service
from registry.services.quality.quality import DECISIONS, MAX_TEXT, IssueView
from registry.services.quality.quality_board import quality_board
from registry.services.review import threads

blp = Blueprint("quality", __name__, url_prefix="/api/v1",
                description="Quality rules, quality reports of return versions, explanations "
                            "of warnings and reviewers' decisions, and the quality board.")


class RuleSchema(Schema):
    id = fields.String(required=True, metadata={"description": "Stable rule id, Q001…"})
    kind = enum_string("RuleKind", required=True)
    severity = enum_string("Severity", required=True, metadata={
        "description": "error blocks the return; warning needs a correction or an explanation"})
    title = fields.String(required=True)
    message = fields.String(required=True)
    guidance = fields.String(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields", required=True)
    expected = fields.String(required=True)
    suite = fields.String(required=True)
    expectation_type = fields.String(required=True)


class RuleListSchema(Schema):
    rules = fields.List(fields.Nested(RuleSchema), required=True)


class PreviousExplanationSchema(Schema):
    text = fields.String(required=True)
    period = fields.String(attribute="period_code", required=True)
    explained_by = fields.String(required=True)
    accepted_by = fields.String(required=True)
    accepted_at = fields.DateTime(required=True)


class ExplanationSchema(Schema):
    text = fields.String(attribute="explanation", required=True)
    by = fields.String(attribute="explained_by", required=True)
    at = fields.DateTime(attribute="explained_at", required=True)
    reused = fields.Function(lambda issue: issue.reused_explanation_id is not None,
                             required=True, metadata={"type": "boolean"})


class DecisionSchema(Schema):
    decision = fields.Function(
        lambda issue: "accept" if issue.status == IssueStatus.ACCEPTED else "refuse",
        required=True, metadata={"type": "string", "enum": list(DECISIONS)})
    by = fields.String(attribute="decided_by", required=True)
    at = fields.DateTime(attribute="decided_at", required=True)
    note = fields.String(attribute="decision_note", allow_none=True, required=True)


class IssueSchema(Schema):
    id = fields.Integer(attribute="issue.id", required=True)
    version = fields.Integer(attribute="issue.version.version", required=True)
    rule_id = fields.String(attribute="issue.rule_id", required=True)
    kind = enum_string("RuleKind", attribute="issue.kind", required=True)
    severity = enum_string("Severity", attribute="issue.severity", required=True)
    field = fields.String(attribute="issue.field", required=True)
    value = fields.String(attribute="issue.value", allow_none=True, required=True)
    expected = fields.String(attribute="issue.expected", required=True)
    message = fields.String(attribute="issue.message", required=True)
    guidance = fields.String(attribute="rule.guidance", allow_none=True, required=True)
    status = enum_string("IssueStatus", attribute="issue.status", required=True)
    raised_at = fields.DateTime(attribute="issue.raised_at", required=True)
    explanation = fields.Method("dump_explanation", allow_none=True, required=True,
                                metadata=component("IssueExplanation"))
    decision = fields.Method("dump_decision", allow_none=True, required=True,
                             metadata=component("IssueDecision"))
    previous_explanation = fields.Method("dump_previous", allow_none=True, required=True,
                                         metadata=component(
                                             "PreviousExplanation",
                                             description="An explanation accepted for this "
                                             "rule on this programme before; re-use it with "
                                             "reuse_previous."))
    links = fields.Method("dump_links", required=True, metadata=component("IssueLinks"))

    def dump_explanation(self, view: IssueView):
        issue = view.issue
        return ExplanationSchema().dump(issue) if issue.explanation else None

    def dump_decision(self, view: IssueView):
        issue = view.issue
        return DecisionSchema().dump(issue) if issue.decided_at else None

    def dump_previous(self, view: IssueView):
        return PreviousExplanationSchema().dump(view.previous) if view.previous else None

    def dump_links(self, view: IssueView):
        issue = view.issue
        return {
            "explanation": url_for("quality.IssueExplanation", return_id=issue.return_id,
                                   issue_id=issue.id),
            "decision": url_for("quality.IssueDecision", return_id=issue.return_id,
                                issue_id=issue.id),
        }


class IssueLinksSchema(Schema):
    explanation = fields.String(required=True, metadata={"description": "POST to explain."})
    decision = fields.String(required=True, metadata={"description": "POST to decide."})


class IssueCountsSchema(Schema):
    errors = fields.Integer(required=True, metadata={"description": "Unresolved errors."})
    warnings = fields.Integer(required=True, metadata={"description": "Unresolved warnings."})
    open = fields.Integer(required=True)
    explained = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    refused = fields.Integer(required=True)
    resolved = fields.Integer(required=True)


class QualityReportSchema(Schema):
    return_id = fields.Integer(attribute="return_.id", required=True)
    version = fields.Integer(attribute="version.version", required=True)
    status = enum_string("ReturnStatus", attribute="version.status", required=True,
                         metadata={"description": "The version's status."})
    return_status = enum_string("ReturnStatus", attribute="return_.status", required=True)
    latest = fields.Function(
        lambda report: report.version.version == report.return_.latest_version, required=True,
        metadata={"type": "boolean", "description": "Whether this is the latest version."})
    counts = fields.Method("dump_counts", required=True, metadata=component("IssueCounts"))
    issues = fields.List(fields.Nested(IssueSchema), required=True)

    def dump_counts(self, report):
        counts = {"errors": 0, "warnings": 0, "open": 0, "explained": 0, "accepted": 0,
                  "refused": 0, "resolved": 0}
        for view in report.issues:
            issue = view.issue
            if issue.status != IssueStatus.RESOLVED:
                counts["errors" if issue.severity == "error" else "warnings"] += 1
            counts[issue.status] += 1
        return counts


class IssueChangeSchema(Schema):
    issue = fields.Nested(IssueSchema, required=True)
    version_status = enum_string("ReturnStatus", required=True)
    return_status = enum_string("ReturnStatus", required=True)


class ExplanationBodySchema(Schema):
    text = fields.String(validate=validate.Length(min=1, max=MAX_TEXT), metadata={
        "description": "Why the figure is right as reported."})
    reuse_previous = fields.Boolean(load_default=False, metadata={
        "description": "Re-use the issue's previous_explanation (still needs acceptance)."})

    @validates_schema
    def one_source(self, data, **kwargs):
        if bool(data.get("text")) == bool(data.get("reuse_previous")):
            raise ValidationError("Give either text or reuse_previous: true.", "_schema")


class DecisionBodySchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    note = fields.String(validate=validate.Length(max=MAX_TEXT), metadata={
        "description": "Required when refusing: what the college should do."})


class BoardQuerySchema(Schema):
    period = fields.String(metadata={"description": "Period code; default the latest."})


class RuleCountSchema(Schema):
    rule_id = fields.String(required=True)
    title = fields.String(required=True)
    severity = enum_string("Severity", allow_none=True, required=True)
    open = fields.Integer(required=True)


class InstitutionCountSchema(Schema):
    institution = fields.String(required=True)
    name = fields.String(required=True)
    errors = fields.Integer(required=True)
    warnings = fields.Integer(required=True)


class AgeCountSchema(Schema):
    age = fields.String(required=True)
    open = fields.Integer(required=True)


class RuleFrequencySchema(Schema):
    rule_id = fields.String(required=True)
    title = fields.String(required=True)
    severity = enum_string("Severity", required=True)
    returns_fired = fields.Integer(required=True)
    share = fields.Float(required=True, metadata={"description": "Of the checked returns."})
    suspect = fields.Boolean(required=True, metadata={
        "description": "Fires on more than half of at least 10 checked returns."})


class TrendSchema(Schema):
    period = fields.String(required=True)
    returns = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    with_errors = fields.Integer(required=True)
    with_warnings = fields.Integer(required=True)


class BoardSchema(Schema):
    period = fields.String(required=True)
    returns = fields.Integer(required=True)
    returns_checked = fields.Integer(required=True)
    open_by_rule = fields.List(fields.Nested(RuleCountSchema), required=True)
    open_by_institution = fields.List(fields.Nested(InstitutionCountSchema), required=True)
    open_by_age = fields.List(fields.Nested(AgeCountSchema), required=True)
    rules = fields.List(fields.Nested(RuleFrequencySchema), required=True)
    trends = fields.List(fields.Nested(TrendSchema), required=True)


OPENAPI_COMPONENTS = {
    "IssueExplanation": ExplanationSchema, "IssueDecision": DecisionSchema,
    "PreviousExplanation": PreviousExplanationSchema, "IssueLinks": IssueLinksSchema,
    "IssueCounts": IssueCountsSchema,
}
"""Schemas the OpenAPI document names, for the fields that refer to them by name."""


def issue_change(view: IssueView) -> dict:
    version = view.issue.version
    return {"issue": view, "version_status": version.status,
            "return_status": version.return_.status}


@blp.route("/quality/rules")
class QualityRules(MethodView):
    @blp.operation("listQualityRules")
    @blp.doc(security=[{}])
    @blp.response(200, RuleListSchema)
    def get(self):
        """The published rule directory: every quality rule with its severity and guidance."""
        return {"rules": load_rules()}


@blp.route("/returns/<int:return_id>/versions/<int:version>/quality")
class VersionQuality(MethodView):
    @blp.operation("getQualityReport", 401, 403, 404)
    @blp.response(200, QualityReportSchema)
    def get(self, return_id, version):
        """The quality report of a version: its status and every issue found on it."""
        return quality_service.quality_report(get_session(), require_actor(), return_id,
                                              version)


@blp.route("/returns/<int:return_id>/issues/<int:issue_id>/explanation")
class IssueExplanation(MethodView):
    @blp.operation("explainIssue", 401, 403, 404, 409, 413, 422)
    @blp.arguments(ExplanationBodySchema)
    @blp.response(200, IssueChangeSchema)
    def post(self, body, return_id, issue_id):
        """Explain a warning on your college's latest version (it then awaits a reviewer)."""
        view = quality_service.explain_issue(
            get_session(), require_actor(), return_id, issue_id, text=body.get("text"),
            reuse_previous=body["reuse_previous"])
        threads.deliver(get_session(), SmtpSettings.from_env(), return_id)
        return issue_change(view)


@blp.route("/returns/<int:return_id>/issues/<int:issue_id>/decision")
class IssueDecision(MethodView):
    @blp.operation("decideIssue", 401, 403, 404, 409, 413, 422)
    @blp.arguments(DecisionBodySchema)
    @blp.response(200, IssueChangeSchema)
    def post(self, body, return_id, issue_id):
        """Accept or refuse a college's explanation (its university, or the regulator)."""
        view = quality_service.decide_issue(
            get_session(), require_actor(), return_id, issue_id, decision=body["decision"],
            note=body.get("note"))
        threads.deliver(get_session(), SmtpSettings.from_env(), return_id)
        return issue_change(view)


@blp.route("/quality/board")
class QualityBoard(MethodView):
    @blp.operation("getQualityBoard", 401, 403, 404, 422)
    @blp.arguments(BoardQuerySchema, location="query")
    @blp.response(200, BoardSchema)
    def get(self, args):
        """Open issues by rule, institution and age; trends; which rules fire most."""
        return quality_board(get_session(), require_actor(), args.get("period"))
