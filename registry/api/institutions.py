"""The public register of colleges."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.blueprint import Blueprint
from registry.api.pagination import PageQuerySchema, page_envelope, paginate
from registry.request_session import get_session
from registry.services.register import institutions as service

blp = Blueprint("institutions", __name__, url_prefix="/api/v1/institutions",
                description="The register of medical and dental colleges.")


class InstitutionSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, metadata={"enum": ["medical", "dental"]})
    sector = fields.String(required=True, metadata={"enum": ["public", "private"]})
    province = fields.String(required=True, attribute="province_code")
    university = fields.String(attribute="university.code", required=True)
    synthetic = fields.Boolean(required=True)


class InstitutionQuerySchema(PageQuerySchema):
    type = fields.String(validate=validate.OneOf(["medical", "dental"]))
    sector = fields.String(validate=validate.OneOf(["public", "private"]))
    province = fields.String()
    university = fields.String()
    q = fields.String(metadata={"description": "Search in name or code."})


@blp.route("")
class Institutions(MethodView):
    @blp.operation("listInstitutions", 422)
    @blp.arguments(InstitutionQuerySchema, location="query")
    @blp.response(200, page_envelope(InstitutionSchema))
    def get(self, args):
        """List the register, filtered and paged."""
        page, page_size = args.pop("page"), args.pop("page_size")
        session = get_session()
        return paginate(session, service.institutions_query(**args), page, page_size)


@blp.route("/<code>")
class InstitutionByCode(MethodView):
    @blp.operation("getInstitution", 404)
    @blp.response(200, InstitutionSchema)
    def get(self, code):
        """Show one college of the register."""
        return service.get_institution(get_session(), code)
