"""Reporting periods and extensions."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.request_session import get_session
from registry.services.register import periods as service
from registry.services.register.institutions import get_institution

blp = Blueprint("periods", __name__, url_prefix="/api/v1/periods",
                description="Reporting periods and their submission windows.")


class PeriodSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,16}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    standard_versions = fields.List(
        fields.String(), load_default=None, validate=validate.Length(min=1),
        metadata={"description": "Return standard versions the period accepts (default "
                                 "[\"1.0\"]); a return declaring another is refused."})


class StandardVersionsSchema(Schema):
    standard_versions = fields.List(fields.String(), required=True,
                                    validate=validate.Length(min=1))


class ExtensionSchema(Schema):
    institution = fields.String(required=True)
    until = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ExtensionOutSchema(Schema):
    period = fields.String(attribute="period.code", required=True)
    institution = fields.String(attribute="institution.code", required=True)
    until = fields.DateTime(required=True)
    reason = fields.String(required=True)
    granted_by = fields.String(required=True)


@blp.route("")
class Periods(MethodView):
    @blp.operation("listPeriods")
    @blp.response(200, PeriodSchema(many=True))
    def get(self):
        """List the reporting periods."""
        return service.list_periods(get_session())

    @blp.operation("createPeriod", 401, 403, 409, 413, 422)
    @blp.arguments(PeriodSchema)
    @blp.response(201, PeriodSchema)
    def post(self, args):
        """Create a reporting period (regulator)."""
        return service.create_period(get_session(), require_actor(), **args)


@blp.route("/<code>")
class PeriodByCode(MethodView):
    @blp.operation("getPeriod", 404)
    @blp.response(200, PeriodSchema)
    def get(self, code):
        """One reporting period."""
        return service.get_period(get_session(), code)


@blp.route("/<code>/standard-versions")
class PeriodStandardVersions(MethodView):
    @blp.operation("setPeriodStandardVersions", 401, 403, 404, 413, 422)
    @blp.arguments(StandardVersionsSchema)
    @blp.response(200, PeriodSchema)
    def put(self, args, code):
        """Set the return standard versions the period accepts (regulator)."""
        session = get_session()
        period = service.get_period(session, code)
        return service.set_standard_versions(session, require_actor(), period,
                                             args["standard_versions"])


@blp.route("/<code>/extensions")
class PeriodExtensions(MethodView):
    @blp.operation("grantExtension", 401, 403, 404, 409, 413, 422)
    @blp.arguments(ExtensionSchema)
    @blp.response(201, ExtensionOutSchema)
    def post(self, args, code):
        """Grant one institution an extension of the submission window (regulator)."""
        session = get_session()
        actor = require_actor()
        period = service.get_period(session, code)
        institution = get_institution(session, args["institution"])
        return service.grant_extension(session, actor, period, institution,
                                       args["until"], args["reason"])
