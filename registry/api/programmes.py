"""The programme directory (public) and programme registration (colleges)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.api.pagination import PageQuerySchema, page_envelope
from registry.request_session import get_session
from registry.services.register import programmes as service
from registry.services.register.institutions import get_institution
from schemas.codes import Discipline, MentoringModel
from schemas.codes import Level as ProgrammeLevel

blp = Blueprint("programmes", __name__, url_prefix="/api/v1/programmes",
                description="Registered mentoring programmes: the public directory.")

COMPONENTS = [*service.FRAMEWORK_COMPONENTS, "mentor_incentives", "personalised_matching"]


ComponentsSchema = Schema.from_dict(
    {**{name: fields.Boolean() for name in service.FRAMEWORK_COMPONENTS},
     "mentor_incentives": fields.List(fields.String()),
     "personalised_matching": fields.Boolean()},
    name="ProgrammeComponentsSchema")


class ProgrammeSchema(Schema):
    institution = fields.String(attribute="institution.code", required=True)
    institution_name = fields.String(attribute="institution.name", required=True)
    province = fields.String(attribute="institution.province_code", required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    model = fields.String(required=True)
    disciplines = fields.List(fields.String(), required=True)
    start_date = fields.Date(allow_none=True)
    components = fields.Nested(ComponentsSchema, required=True, metadata={
        "description": "Framework components in place, as last reported."})
    components_period = fields.String(allow_none=True)


class ProgrammeQuerySchema(PageQuerySchema):
    level = fields.String(validate=validate.OneOf([e.value for e in ProgrammeLevel]))
    model = fields.String(validate=validate.OneOf([e.value for e in MentoringModel]))
    province = fields.String()
    component = fields.String(validate=validate.OneOf(COMPONENTS))
    q = fields.String()


class ProgrammeRegistrationSchema(Schema):
    institution = fields.String(required=True)
    code = fields.String(required=True,
                         validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    level = fields.String(required=True, validate=validate.OneOf([e.value for e in ProgrammeLevel]))
    model = fields.String(required=True, validate=validate.OneOf([e.value for e in MentoringModel]))
    disciplines = fields.List(fields.String(validate=validate.OneOf([e.value for e in Discipline])),
                              required=True, validate=validate.Length(min=1))
    start_date = fields.Date(load_default=None)


@blp.route("")
class Programmes(MethodView):
    @blp.operation("listProgrammes", 422)
    @blp.arguments(ProgrammeQuerySchema, location="query")
    @blp.response(200, page_envelope(ProgrammeSchema))
    def get(self, args):
        """The public programme directory, filtered by level, model, province or component."""
        page, page_size = args.pop("page"), args.pop("page_size")
        found = service.directory(get_session(), **args)
        start = (page - 1) * page_size
        return {"items": found[start:start + page_size], "page": page,
                "page_size": page_size, "total": len(found)}

    @blp.operation("registerProgramme", 401, 403, 404, 409, 413, 422)
    @blp.arguments(ProgrammeRegistrationSchema)
    @blp.response(201, ProgrammeSchema)
    def post(self, args):
        """Register a programme of your college once; returns then refer to its code."""
        session = get_session()
        institution = get_institution(session, args.pop("institution"))
        return service.register_programme(session, require_actor(), institution, **args)


@blp.route("/<institution>/<code>")
class ProgrammeByCode(MethodView):
    @blp.operation("getProgramme", 404)
    @blp.response(200, ProgrammeSchema)
    def get(self, institution, code):
        """One programme of the directory."""
        return service.get_programme(get_session(), institution, code)
