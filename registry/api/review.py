"""Review decisions as sub-resources of return versions, and the audit trail."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.api.pagination import PageQuerySchema, page_envelope, paginate
from registry.request_session import get_session
from registry.services.accounts.audit import audit_csv, audit_query
from registry.services.mailer import SmtpSettings
from registry.services.review import review, threads

blp = Blueprint("review", __name__, url_prefix="/api/v1",
                description="Review decisions and the audit trail.")


class DecisionInSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(review.TRANSITIONS)))
    comment = fields.String(load_default=None, validate=validate.Length(max=4000))


class DecisionSchema(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(attribute="version.version", required=True)
    level = fields.String(required=True)
    decision = fields.String(required=True)
    comment = fields.String(allow_none=True)
    decided_by = fields.String(required=True)
    decided_at = fields.DateTime(required=True)
    status_before = fields.String(required=True)
    status_after = fields.String(required=True)


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    address = fields.String(allow_none=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(required=True)
    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)
    detail = fields.Dict(required=True)


class AuditFilterSchema(Schema):
    action = fields.String(metadata={"description": "Action or its prefix, e.g. 'review.'"})
    actor = fields.String(metadata={"description": "Part of the actor's label."})
    object_type = fields.String()
    object_id = fields.String()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()


class AuditQuerySchema(PageQuerySchema, AuditFilterSchema):
    pass


@blp.route("/returns/<int:return_id>/versions/<int:version>/decisions")
class VersionDecisions(MethodView):
    @blp.operation("decideVersion", 401, 403, 404, 409, 413, 422)
    @blp.arguments(DecisionInSchema)
    @blp.response(201, DecisionSchema)
    def post(self, args, return_id, version):
        """Approve or return (university), sign off or return (regulator) the latest version."""
        decision = review.decide(get_session(), require_actor(), return_id, version,
                                 args["decision"], args["comment"])
        threads.deliver(get_session(), SmtpSettings.from_env(), return_id)
        return decision


@blp.route("/returns/<int:return_id>/decisions")
class ReturnDecisions(MethodView):
    @blp.operation("listReturnDecisions", 401, 403, 404)
    @blp.response(200, DecisionSchema(many=True))
    def get(self, return_id):
        """Every review decision on every version of a return."""
        return review.decisions_for(get_session(), require_actor(), return_id)


def _audit_query(args: dict):
    args["actor_contains"] = args.pop("actor", None)
    return audit_query(require_actor(), **args)


@blp.route("/audit")
class AuditTrail(MethodView):
    @blp.operation("listAuditEvents", 401, 403, 422)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, page_envelope(AuditEventSchema))
    def get(self, args):
        """Filter the append-only audit trail (regulator), a page at a time."""
        page, page_size = args.pop("page"), args.pop("page_size")
        return paginate(get_session(), _audit_query(args), page, page_size)


@blp.route("/audit/export.csv")
class AuditTrailCsv(MethodView):
    @blp.operation("exportAuditEvents", 401, 403, 422)
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, {"type": "string"}, content_type="text/csv",
                  description="Every matching event, one CSV row each, newest first")
    def get(self, args):
        """Export every audit event matching the filters as CSV (regulator)."""
        return audit_csv_response(get_session().scalars(_audit_query(args)))


def audit_csv_response(events) -> Response:
    """The audit events as a CSV download."""
    return Response(audit_csv(events), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="audit.csv"'})


