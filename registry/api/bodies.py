"""Reading request bodies strictly: JSON only, UTF-8 only, bounded size and depth."""

from __future__ import annotations

import json

from flask import request

from registry.services.errors import DomainError

MAX_JSON_DEPTH = 32


class BadRequestBody(DomainError):
    code = "bad_request"
    status = 400


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


def read_json_body() -> object:
    """Parse the request body as JSON, or raise a clear 400/413/415."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"Send the return as application/json (got {request.mimetype or 'no content type'})."
        )
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequestBody(f"The body is not UTF-8 text (byte {exc.start}).") from exc
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequestBody(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except RecursionError as exc:
        raise BadRequestBody("The JSON is nested too deeply.") from exc
    if _depth(body) > MAX_JSON_DEPTH:
        raise BadRequestBody(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    return body


def _depth(value: object, level: int = 1) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level
