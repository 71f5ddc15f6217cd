"""Peer comparison of one institution, and the custom peer groups it can be compared with."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.api.indicators import BETTER, INDICATOR_KINDS, SUPPRESSION
from registry.request_session import get_session
from registry.services.register import peer_groups
from registry.services.register.institutions import get_institution
from registry.services.register.periods import get_period
from registry.services.releases import comparison as service
from registry.services.releases.releases import KINDS

blp = Blueprint("comparison", __name__, url_prefix="/api/v1",
                description="Peer comparison (own college, affiliated colleges, or all) and "
                            "peer groups.")


class ComparisonQuerySchema(Schema):
    period = fields.String(required=True)
    peer_group = fields.Integer(metadata={"description": "A custom peer group id; default: "
                                                        "same college type and sector."})


class ComparedReleaseSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))


class ComparedPeerGroupSchema(Schema):
    id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Null for the default peers (same type and sector)."})
    name = fields.String(required=True)
    members = fields.Integer(metadata={"description": "Members of a custom peer group."})
    stratum = fields.String(metadata={"description": "The stratum of the default peers."})


def _figure(**kwargs) -> fields.Float:
    return fields.Float(required=True, allow_none=True, **kwargs)


class NationalFiguresSchema(Schema):
    institutions = fields.Integer(required=True, allow_none=True)
    median = _figure()
    p10 = _figure()
    p25 = _figure()
    p75 = _figure()
    p90 = _figure()
    mean = _figure()
    pooled_rate = _figure()
    ci_low = _figure()
    ci_high = _figure()
    suppression = fields.String(required=True, validate=validate.OneOf(SUPPRESSION))


class PeerFiguresSchema(Schema):
    institutions = fields.Integer(required=True, allow_none=True)
    median = fields.Float(allow_none=True)
    pooled_rate = fields.Float(allow_none=True)
    p25 = fields.Float(allow_none=True)
    p75 = fields.Float(allow_none=True)
    withheld = fields.String(required=True, allow_none=True, metadata={
        "description": "Why the peer figures are withheld (too few peers), else null."})


class AdjustedBenchmarkSchema(Schema):
    expected = _figure()
    p_value = _figure()
    flag = fields.String(required=True, allow_none=True)


class ContributionSchema(Schema):
    median = _figure()
    pooled = _figure()


class ComparedIndicatorSchema(Schema):
    indicator = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    better = fields.String(required=True, validate=validate.OneOf(BETTER))
    kind = fields.String(required=True, validate=validate.OneOf(INDICATOR_KINDS))
    value = _figure()
    numerator = _figure()
    denominator = _figure()
    returns = fields.Integer(required=True, allow_none=True)
    ci_low = _figure()
    ci_high = _figure()
    missing_reason = fields.String(required=True, allow_none=True)
    small_denominator = fields.Boolean(required=True)
    percentile = _figure()
    national = fields.Nested(NationalFiguresSchema, required=True, allow_none=True)
    peers = fields.Nested(PeerFiguresSchema, required=True, allow_none=True)
    adjusted = fields.Nested(AdjustedBenchmarkSchema, required=True)
    contribution = fields.Nested(ContributionSchema, required=True, allow_none=True)
    by_level = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Raw(
            metadata={"type": ["number", "null"]})), required=True,
        metadata={"description": "The indicator's figures by programme level."})


class ComparisonSchema(Schema):
    institution = fields.String(required=True)
    name = fields.String(required=True)
    period = fields.String(required=True)
    release = fields.Nested(ComparedReleaseSchema, required=True)
    peer_group = fields.Nested(ComparedPeerGroupSchema, required=True)
    min_institutions = fields.Integer(required=True)
    indicators = fields.List(fields.Nested(ComparedIndicatorSchema), required=True, metadata={
        "description": "Per indicator: own value and interval, percentile rank, peer "
                       "aggregates (at least min_institutions others), national "
                       "distribution, adjusted benchmark and contribution to own benchmark."})


class PeerGroupSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    members = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    owner_university = fields.String(dump_only=True, allow_none=True)
    created_by = fields.String(dump_only=True)


def group_body(group) -> dict:
    return {"id": group.id, "name": group.name, "created_by": group.created_by,
            "owner_university": group.owner_university.code if group.owner_university else None,
            "members": sorted(m.institution.code for m in group.members)}


@blp.route("/institutions/<code>/comparison")
class Comparison(MethodView):
    @blp.operation("getComparison", 401, 403, 404, 422)
    @blp.arguments(ComparisonQuerySchema, location="query")
    @blp.response(200, ComparisonSchema)
    def get(self, args, code):
        """An institution's values against its peers and the national distribution."""
        session = get_session()
        actor = require_actor()
        institution = get_institution(session, code)
        return service.comparison(session, actor, institution, get_period(session, args["period"]),
                                  args.get("peer_group"))


@blp.route("/peer-groups")
class PeerGroups(MethodView):
    @blp.operation("listPeerGroups", 401, 403)
    @blp.response(200, PeerGroupSchema(many=True))
    def get(self):
        """Peer groups you may use."""
        return [group_body(g) for g in peer_groups.list_peer_groups(get_session(),
                                                                    require_actor())]

    @blp.operation("createPeerGroup", 401, 403, 409, 413, 422)
    @blp.arguments(PeerGroupSchema)
    @blp.response(201, PeerGroupSchema)
    def post(self, args):
        """Define a peer group of at least five colleges (university or regulator)."""
        group = peer_groups.create_peer_group(get_session(), require_actor(), args["name"],
                                              args["members"])
        return group_body(group)


@blp.route("/peer-groups/<int:group_id>")
class PeerGroupById(MethodView):
    @blp.operation("getPeerGroup", 401, 403, 404)
    @blp.response(200, PeerGroupSchema)
    def get(self, group_id):
        """One peer group you may use."""
        return group_body(peer_groups.get_peer_group(get_session(), require_actor(), group_id))
