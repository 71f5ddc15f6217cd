"""Returns: submit, dry-run, bulk upload, list, read, and their versions."""

from __future__ import annotations

from dataclasses import asdict

from flask import request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.api.bodies import BadRequestBody, read_json_body
from registry.api.fields import ENUMS, component, enum_string
from registry.api.pagination import PageQuerySchema, page_envelope, paginate
from registry.request_session import get_session
from registry.services.quality.return_findings import dry_run_findings
from registry.services.submission import returns as return_service
from registry.services.submission import submissions
from registry.services.submission.bulk import read_bulk_file
from schemas.clients import (
    CLIENT_FORMAT,
    CLIENT_HEADER,
    CLIENT_PATTERN,
    TOOLKIT_SOURCE,
    toolkit_version,
)
from schemas.examples import pilot_return

blp = Blueprint("returns", __name__, url_prefix="/api/v1/returns",
                description="Returns: one institution × programme × period, append-only versions.")

EXAMPLE_RETURN = pilot_return("KP-MED-PUB-001", "2025-26", "PG-PEER")
RETURN_BODY = {
    "required": True,
    "description": "A return in standard 1.0 (ReturnV1) or 1.1 (ReturnV1_1, with the cohort "
                   "follow-up): header.schema_version says which, and the period must accept "
                   "it. The example is a 1.0 return.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReturnPayload"},
                                     "example": EXAMPLE_RETURN}},
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
    status = enum_string("ReturnStatus", required=True)
    received_at = fields.DateTime(required=True)
    submitted_by = fields.String(required=True)
    source = fields.String(required=True, metadata={
        "description": "web, api, csv, xlsx (a bulk file), toolkit or demo"})
    client_version = fields.String(allow_none=True, metadata={
        "description": "The sending program's version (the toolkit's), when it named itself"})
    schema_version = fields.String(required=True)
    payload_sha256 = fields.String(required=True)


class VersionDetailSchema(VersionSchema):
    payload = fields.Dict(required=True, metadata=component(
        "ReturnPayload", description="The return exactly as received (ReturnV1 or ReturnV1_1)."))


class ReturnSchema(Schema):
    id = fields.Integer(required=True)
    institution = fields.String(attribute="institution.code", required=True)
    programme = fields.String(attribute="programme.code", required=True)
    period = fields.String(attribute="period.code", required=True)
    latest_version = fields.Integer(required=True)
    status = enum_string("ReturnStatus", required=True)
    created_at = fields.DateTime(required=True)


class SubmissionSchema(Schema):
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    status = enum_string("ReturnStatus", required=True)
    received_at = fields.DateTime(required=True)
    replayed = fields.Boolean(required=True, metadata={
        "description": "True when an Idempotency-Key matched an earlier submission."})
    url = fields.String(required=True)


class BulkResultSchema(Schema):
    stored = fields.List(fields.Nested(SubmissionSchema), required=True)


class FindingSchema(Schema):
    """A finding of a one-return rule: the quality report's issue, before anything is filed."""

    rule_id = fields.String(required=True)
    kind = enum_string("RuleKind", required=True)
    severity = enum_string("Severity", required=True, metadata={
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
    programme_registered = fields.Boolean(required=True, metadata={
        "description": "Whether the programme is already in the programme directory."})
    adds_programme = fields.Boolean(required=True, metadata={
        "description": "True when submitting will add the programme to the public "
                       "programme directory (its code is new for the institution)."})
    version = fields.Integer(required=True, metadata={
        "description": "The version number the submission would become."})
    outcome = fields.String(required=True, metadata={
        "description": "What submitting will do, in words."})
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
    status = fields.String(validate=validate.OneOf(ENUMS["ReturnStatus"]))


IDEMPOTENCY_HEADER = {"in": "header", "name": "Idempotency-Key", "required": False,
                      "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                      "description": submissions.IDEMPOTENCY_RULE}
CLIENT_PARAMETER = {"in": "header", "name": CLIENT_HEADER, "required": False,
                    "schema": {"type": "string", "maxLength": 40, "pattern": CLIENT_PATTERN},
                    "description": f"The sending program, when it is the registry's toolkit: "
                    f"{CLIENT_FORMAT}. The version is then recorded with source "
                    f"`{TOOLKIT_SOURCE}` and that client_version; any other value is refused "
                    "(400)."}


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
    @blp.operation("listReturns", 401, 422)
    @blp.arguments(ReturnQuerySchema, location="query")
    @blp.response(200, page_envelope(ReturnSchema))
    def get(self, args):
        """List the returns you may see (your college's, your affiliated colleges', or all)."""
        page, page_size = args.pop("page"), args.pop("page_size")
        query = return_service.returns_query(require_actor(), **args)
        return paginate(get_session(), query, page, page_size)

    @blp.operation("submitReturn", 401, 403, 409, 413, 415, 422)
    @blp.doc(requestBody=RETURN_BODY, parameters=[IDEMPOTENCY_HEADER, CLIENT_PARAMETER])
    @blp.response(201, SubmissionSchema)
    @blp.alt_response(200, schema=SubmissionSchema, description="Idempotent replay")
    def post(self):
        """Submit a return; a second submission of the same return becomes its next version."""
        actor = require_actor()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 0 < len(key) <= 200:
            raise BadRequestBody("Idempotency-Key must be 1 to 200 characters.")
        client_version = _toolkit_version()
        result = submissions.submit_return(
            get_session(), actor, read_json_body(),
            source=TOOLKIT_SOURCE if client_version else "api", client_version=client_version,
            idempotency_key=key)
        return submission_body(result), 200 if result.replayed else 201


def _toolkit_version() -> str | None:
    """The toolkit's version from the Registry-Client header; None without the header."""
    value = request.headers.get(CLIENT_HEADER)
    if value is None:
        return None
    version = toolkit_version(value)
    if version is None:
        raise BadRequestBody(f"{CLIENT_HEADER} must be {CLIENT_FORMAT}.",
                             {CLIENT_HEADER: ["not a recognised client"]})
    return version


@blp.route("/validate")
class ReturnDryRun(MethodView):
    @blp.operation("validateReturn", 401, 403, 409, 413, 415, 422)
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
        outcome = submissions.submission_outcome(session, checked.institution.id,
                                                 header["period_code"], header["programme_code"])
        return {"valid": True, "institution": header["institution_code"],
                "programme": header["programme_code"], "period": header["period_code"],
                "programme_registered": not outcome.adds_programme,
                "adds_programme": outcome.adds_programme, "version": outcome.version,
                "outcome": outcome.describe(),
                "previous_period": found.previous_period, "compared": found.compared,
                "findings": [{**asdict(finding), "guidance": found.rules[finding.rule_id].guidance}
                             for finding in found.findings]}


@blp.route("/bulk")
class ReturnBulkUpload(MethodView):
    @blp.operation("uploadReturns", 401, 403, 409, 413, 422)
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
    @blp.operation("getReturn", 401, 403, 404)
    @blp.response(200, ReturnSchema)
    def get(self, return_id):
        """Show one return and its current status."""
        return return_service.get_return(get_session(), require_actor(), return_id)


@blp.route("/<int:return_id>/versions")
class ReturnVersions(MethodView):
    @blp.operation("listReturnVersions", 401, 403, 404)
    @blp.response(200, VersionSchema(many=True))
    def get(self, return_id):
        """List every version of a return, oldest first."""
        return return_service.get_return(get_session(), require_actor(), return_id).versions


@blp.route("/<int:return_id>/versions/<int:version>")
class ReturnVersionById(MethodView):
    @blp.operation("getReturnVersion", 401, 403, 404)
    @blp.response(200, VersionDetailSchema)
    def get(self, return_id, version):
        """Show one version with the exact payload received."""
        return return_service.get_version(get_session(), require_actor(), return_id, version)
