"""Unbound extension objects, bound to the app in create_app."""

from flask_babel import Babel
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect
from marshmallow import Schema, fields


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code."})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields", required=True,
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "Messages by dotted field path (or file location)."},
    )


class ErrorSchema(Schema):
    """Every API error: {"error": {"code", "message", "fields"}}."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class RegistryApi(Api):
    ERROR_SCHEMA = ErrorSchema
    # no catch-all "default" response: each operation lists the statuses it answers
    DEFAULT_ERROR_RESPONSE_NAME = None


api = RegistryApi()
babel = Babel()
csrf = CSRFProtect()
