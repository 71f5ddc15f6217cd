"""The indicator catalogue and the published benchmark cells."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.blueprint import Blueprint
from registry.request_session import get_session
from registry.services.releases import benchmarks as service
from registry.services.releases import series as series_service
from schemas.indicators import catalogue_data

BETTER = ("higher", "lower", "neither")
INDICATOR_KINDS = ("proportion", "count_rate", "quantity_rate")
SUPPRESSION = ("none", "primary", "secondary")

blp = Blueprint("indicators", __name__, url_prefix="/api/v1",
                description="Indicators and the national benchmarks published for them.")


class IndicatorSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    definition = fields.String(required=True)
    numerator = fields.List(fields.String(), required=True, metadata={
        "description": "Return paths summed; '=code' / '!=code' test a coded field."})
    denominator = fields.Raw(required=True, metadata={
        "description": "Return paths summed, or a fixed number.",
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "number"}]})
    unit = fields.String(required=True)
    better = fields.String(required=True, validate=validate.OneOf(BETTER))
    kind = fields.String(required=True, validate=validate.OneOf(INDICATOR_KINDS))
    people_denominator = fields.Boolean(required=True)
    source = fields.String(required=True)
    unit_of_analysis = fields.String(required=True)
    programme_levels = fields.List(fields.String(), required=True)
    withheld_when = fields.String(allow_none=True)
    family = fields.String(allow_none=True)
    standard_versions = fields.List(fields.String(), required=True, metadata={
        "description": "The return standard versions the indicator can be computed from."})


class StratumFiguresSchema(Schema):
    """A stratum's published figures, as in a release (None where suppressed or withheld)."""

    institutions = fields.Integer(allow_none=True)
    returns = fields.Integer(allow_none=True)
    pooled_rate = fields.Float(allow_none=True)
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    mean = fields.Float(allow_none=True)
    p10 = fields.Float(allow_none=True)
    p25 = fields.Float(allow_none=True)
    median = fields.Float(allow_none=True)
    p75 = fields.Float(allow_none=True)
    p90 = fields.Float(allow_none=True)
    suppression = fields.String(required=True, validate=validate.OneOf(SUPPRESSION))
    rate_withheld = fields.String(allow_none=True)


class CellSchema(StratumFiguresSchema):
    release = fields.Integer(required=True, metadata={"description": "Release number."})
    period = fields.String(required=True)
    indicator = fields.String(required=True)
    stratum = fields.String(required=True)
    numerator = fields.Float(allow_none=True)
    denominator = fields.Float(allow_none=True)
    revised = fields.Boolean(required=True)


class BenchmarkQuerySchema(Schema):
    period = fields.String()
    indicator = fields.String()
    stratum = fields.String(metadata={"description": "e.g. national, sector=public, "
                                                     "type=medical;level=postgraduate"})


class SeriesQuerySchema(Schema):
    stratum = fields.String(load_default="national", metadata={
        "description": "national (default), or e.g. sector=public, province=KP, "
                       "type=medical;level=postgraduate"})


class SeriesPointSchema(Schema):
    period = fields.String(required=True)
    release = fields.Integer(required=True, metadata={"description": "Release number: the "
                                                      "period's newest published release."})
    status = fields.String(required=True, metadata={"enum": ["provisional", "final"]})
    catalogue_version = fields.String(required=True)
    method_version = fields.String(required=True)
    break_before = fields.Boolean(required=True, metadata={
        "description": "The catalogue or method version, or the return standard versions "
                       "the indicator was computed from, changed since the previous point."})
    break_reasons = fields.List(fields.String(), required=True, metadata={
        "description": "What changed: catalogue_version, method_version, standard_versions."})
    standard_versions = fields.List(fields.String(), required=True, metadata={
        "description": "The return standard versions the point was computed from."})
    national = fields.Nested(StratumFiguresSchema, allow_none=True)
    stratum = fields.Nested(StratumFiguresSchema, allow_none=True, metadata={
        "description": "The figures of the stratum asked for (null when not published)."})


class SeriesSchema(Schema):
    indicator = fields.String(required=True)
    stratum = fields.String(required=True)
    points = fields.List(fields.Nested(SeriesPointSchema), required=True)


@blp.route("/indicators")
class Indicators(MethodView):
    @blp.operation("listIndicators")
    @blp.response(200, IndicatorSchema(many=True))
    def get(self):
        """The indicator catalogue: definitions, numerators and denominators."""
        return catalogue_data()


@blp.route("/indicators/<string:code>/series")
class IndicatorSeries(MethodView):
    @blp.operation("getIndicatorSeries", 404, 422)
    @blp.arguments(SeriesQuerySchema, location="query")
    @blp.response(200, SeriesSchema)
    def get(self, args, code):
        """The indicator's national and stratum figures in every period with a published
        release (the period's newest), provisional or final, with breaks marked."""
        stratum = args["stratum"]
        points = series_service.indicator_series(get_session(), code, stratum)
        return {"indicator": code, "stratum": stratum, "points": [
            {**{f: getattr(p, f) for f in ("period", "release", "status", "catalogue_version",
                                           "method_version", "break_before", "break_reasons",
                                           "standard_versions")},
             "national": p.figures["national"], "stratum": p.figures[stratum]}
            for p in points]}


@blp.route("/benchmarks")
class Benchmarks(MethodView):
    @blp.operation("listBenchmarks", 404, 422)
    @blp.arguments(BenchmarkQuerySchema, location="query")
    @blp.response(200, CellSchema(many=True))
    def get(self, args):
        """Published benchmark cells (each period's newest published release)."""
        found = service.published_cells(get_session(), **args)
        return [_cell(release, cell) for release, cell in found]


def _cell(release, cell) -> dict:
    data = {name: getattr(cell, name) for name in CellSchema._declared_fields
            if name not in ("release", "period")}
    return {**data, "release": release.number, "period": release.period.code}
