"""Review decisions as sub-resources of return versions, and the audit trail."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.api.pagination import PageQuerySchema, page_envelope, paginate
from registry.request_session import get_session
from registry.services import review, threads
from registry.services.audit import audit_csv, audit_query
from registry.services.mailer import SmtpSettings

blp = Blueprint("review", __name__, url_prefix="/api/v1",
                description="Review decisions and the audit trail.")


class DecisionInSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(review.TRANSITIONS)))
    comment = fields.String(load_default=None, validate=validate.Length(max=4000))


class DecisionSchema(Schema):
    id = fields.Integer(required=True)
    version = fields.Function(lambda d: d.version.version, required=True)
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


class AuditQuerySchema(PageQuerySchema):
    action = fields.String(metadata={"description": "Action or its prefix, e.g. 'review.'"})
    actor = fields.String(metadata={"description": "Part of the actor's label."})
    object_type = fields.String()
    object_id = fields.String()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    format = fields.String(validate=validate.OneOf(["json", "csv"]), load_default="json")


@blp.route("/returns/<int:return_id>/versions/<int:version>/decisions")
class VersionDecisions(MethodView):
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
    @blp.response(200, DecisionSchema(many=True))
    def get(self, return_id):
        """Every review decision on every version of a return."""
        return review.decisions_for(get_session(), require_actor(), return_id)


@blp.route("/audit")
class AuditTrail(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, page_envelope(AuditEventSchema),
                  description="A page of events; with format=csv, every match as CSV")
    @blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
    def get(self, args):
        """Filter the append-only audit trail (regulator); `format=csv` exports every match."""
        page, page_size, fmt = args.pop("page"), args.pop("page_size"), args.pop("format")
        args["actor_contains"] = args.pop("actor", None)
        query = audit_query(require_actor(), **args)
        if fmt == "csv":
            return audit_csv_response(get_session().scalars(query))
        return paginate(get_session(), query, page, page_size)


def audit_csv_response(events) -> Response:
    """The audit events as a CSV download."""
    return Response(audit_csv(events), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="audit.csv"'})


