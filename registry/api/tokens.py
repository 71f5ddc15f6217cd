"""API tokens of the caller's institution (or the caller's own)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry.api.auth import require_actor
from registry.api.blueprint import Blueprint
from registry.models import User
from registry.request_session import get_session
from registry.services.accounts import tokens as service

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens",
                description="API tokens: shown once, stored hashed, revocable.")


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    institution = fields.Function(
        lambda t: t.institution.code if t.institution else None, allow_none=True,
        metadata={"type": "string", "description": "Null for a token of a national user."})
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    lifetime_days = fields.Integer(
        load_default=service.DEFAULT_LIFETIME_DAYS,
        validate=validate.OneOf(service.LIFETIMES_DAYS),
        metadata={"description": "Days until the token stops working."})


class IssuedTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "Shown this once only."})


@blp.route("")
class Tokens(MethodView):
    @blp.operation("listTokens", 401, 403)
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List your institution's tokens (never their secrets)."""
        return service.tokens_of(get_session(), require_actor())

    @blp.operation("createToken", 401, 403, 413, 422)
    @blp.arguments(NewTokenSchema)
    @blp.response(201, IssuedTokenSchema)
    def post(self, args):
        """Create another token for yourself; the secret is in this response only."""
        session = get_session()
        actor = require_actor()
        issued = service.create_token(session, actor, session.get(User, actor.user_id),
                                      args["name"], args["lifetime_days"])
        issued.token.token = issued.secret  # transient: serialised once, never stored
        return issued.token


@blp.route("/<int:token_id>")
class TokenById(MethodView):
    @blp.operation("revokeToken", 401, 403, 404)
    @blp.response(200, TokenSchema)
    def delete(self, token_id):
        """Revoke a token; it stops working at once."""
        return service.revoke_token(get_session(), require_actor(), token_id)
