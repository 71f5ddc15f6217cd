"""Returns: submit, dry-run, bulk upload, list, read, and their versions."""

from __future__ import annotations

from dataclasses import asdict

from flask import request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.api.bodies import BadRequestBody, read_json_body
from registry.api.pagination import PageQuerySchema, page_envelope, paginate
from registry.db import get_session
from registry.services import returns as return_service
from registry.services import submissions
from registry.services.bulk import read_bulk_file
from registry.services.return_findings import dry_run_findings

blp = Blueprint("returns", __name__, url_prefix="/api/v1/returns",
                description="Returns: one institution × programme × period, append-only versions.")

RETURN_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReturnV1"}}},
}
BULK_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "The XLSX template or a CSV, several returns"}},
    }}},
}


class VersionSchema(Schema):
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    submitted_by = fields.String(required=True)
    source = fields.String(required=True)
    schema_version = fields.String(required=True)
    payload_sha256 = fields.String(required=True)


class VersionDetailSchema(VersionSchema):
    payload = fields.Dict(required=True,
                          metadata={"description": "The return exactly as received."})


class ReturnSchema(Schema):
    id = fields.Integer(required=True)
    institution = fields.Function(lambda r: r.institution.code, required=True)
    programme = fields.Function(lambda r: r.programme.code, required=True)
    period = fields.Function(lambda r: r.period.code, required=True)
    latest_version = fields.Integer(required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class SubmissionSchema(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    replayed = fields.Boolean(required=True, metadata={
        "description": "True when an Idempotency-Key matched an earlier submission."})
    url = fields.String(required=True)


class BulkResultSchema(Schema):
    stored = fields.List(fields.Nested(SubmissionSchema), required=True)


class FindingSchema(Schema):
    """A finding of a one-return rule: the quality report's issue, before anything is filed."""

    rule_id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "within_return | credibility"})
    severity = fields.String(required=True, metadata={
        "description": "error blocks the return; warning needs a correction or an explanation"})
    field = fields.String(required=True)
    value = fields.String(required=True)
    expected = fields.String(required=True)
    message = fields.String(required=True)
    guidance = fields.String(required=True)


class DryRunSchema(Schema):
    valid = fields.Boolean(required=True)
    institution = fields.String(required=True)
    programme = fields.String(required=True)
    period = fields.String(required=True)
    programme_registered = fields.Boolean(required=True)
    previous_period = fields.String(allow_none=True, required=True, metadata={
        "description": "The period the previous-period rules compare with (none: no earlier "
                       "period)"})
    compared = fields.Boolean(required=True, metadata={
        "description": "Whether the programme has a return for that period to compare with"})
    findings = fields.List(fields.Nested(FindingSchema), required=True, metadata={
        "description": "What the within-return and previous-period quality rules find; the "
                       "national rules follow once the return is stored and the quality "
                       "pipeline has run"})


class ReturnQuerySchema(PageQuerySchema):
    period = fields.String()
    programme = fields.String()
    institution = fields.String()
    status = fields.String(validate=validate.OneOf(
        ["submitted", "validated", "needs_attention", "rejected"]))


IDEMPOTENCY_HEADER = {"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "maxLength": 200},
                      "description": "Retrying with the same key returns the version it made."}


def submission_body(result: submissions.SubmissionResult) -> dict:
    return {
        "id": result.return_id,
        "version": result.version,
        "status": result.status,
        "received_at": result.received_at,
        "replayed": result.replayed,
        "url": url_for("returns.ReturnVersionById", return_id=result.return_id,
                       version=result.version),
    }


@blp.route("")
class Returns(MethodView):
    @blp.arguments(ReturnQuerySchema, location="query")
    @blp.response(200, page_envelope(ReturnSchema))
    def get(self, args):
        """List the returns you may see (your college's, your affiliated colleges', or all)."""
        page, page_size = args.pop("page"), args.pop("page_size")
        query = return_service.returns_query(require_actor(), **args)
        return paginate(get_session(), query, page, page_size)

    @blp.doc(requestBody=RETURN_BODY, parameters=[IDEMPOTENCY_HEADER])
    @blp.response(201, SubmissionSchema)
    @blp.alt_response(200, schema=SubmissionSchema, description="Idempotent replay")
    def post(self):
        """Submit a return; a second submission of the same return becomes its next version."""
        actor = require_actor()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 0 < len(key) <= 200:
            raise BadRequestBody("Idempotency-Key must be 1 to 200 characters.")
        result = submissions.submit_return(get_session(), actor, read_json_body(),
                                           source="api", idempotency_key=key)
        return submission_body(result), 200 if result.replayed else 201


@blp.route("/validate")
class ReturnDryRun(MethodView):
    @blp.doc(requestBody=RETURN_BODY)
    @blp.response(200, DryRunSchema)
    def post(self):
        """Check a return exactly as a submission would, and run the one-return quality rules.

        Nothing is stored.
        """
        session = get_session()
        checked = submissions.check_return(session, require_actor(), read_json_body())
        found = dry_run_findings(session, checked)
        header = checked.payload["header"]
        return {"valid": True, "institution": header["institution_code"],
                "programme": header["programme_code"], "period": header["period_code"],
                "programme_registered": checked.programme is not None,
                "previous_period": found.previous_period, "compared": found.compared,
                "findings": [{**asdict(finding), "guidance": found.rules[finding.rule_id].guidance}
                             for finding in found.findings]}


@blp.route("/bulk")
class ReturnBulkUpload(MethodView):
    @blp.doc(requestBody=BULK_BODY)
    @blp.response(201, BulkResultSchema)
    def post(self):
        """Upload the XLSX template or a CSV of several returns: all stored, or none."""
        actor = require_actor()
        upload = request.files.get("file")
        if upload is None:
            raise BadRequestBody("Send the file as multipart/form-data in the field 'file'.")
        payloads, source = read_bulk_file(upload.filename or "", upload.read())
        results = submissions.store_returns(get_session(), actor, payloads, source=source,
                                            validated=True)  # the file reader validated each
        return {"stored": [submission_body(r) for r in results]}


@blp.route("/<int:return_id>")
class ReturnById(MethodView):
    @blp.response(200, ReturnSchema)
    def get(self, return_id):
        """Show one return and its current status."""
        return return_service.get_return(get_session(), require_actor(), return_id)


@blp.route("/<int:return_id>/versions")
class ReturnVersions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self, return_id):
        """List every version of a return, oldest first."""
        return return_service.get_return(get_session(), require_actor(), return_id).versions


@blp.route("/<int:return_id>/versions/<int:version>")
class ReturnVersionById(MethodView):
    @blp.response(200, VersionDetailSchema)
    def get(self, return_id, version):
        """Show one version with the exact payload received."""
        return return_service.get_version(get_session(), require_actor(), return_id, version)
