"""Reading request bodies strictly: JSON only, UTF-8 only, bounded size and depth."""

from __future__ import annotations

import json

from flask import request
from werkzeug.exceptions import BadRequest

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


def reject_nul_text() -> None:
    """Refuse text holding NUL (PostgreSQL cannot store or compare it) with a clear 400.

    Runs before every view, over the path, the query, form fields and a JSON body, so
    both databases answer alike instead of PostgreSQL failing mid-query. The API answers
    in its JSON error shape; pages get a plain 400 page saying the same.
    """
    where = _nul_location()
    if where is None:
        return
    message = "Text may not contain NUL characters."
    if request.path.startswith("/api/"):
        raise BadRequestBody(message, {where: ["contains a NUL character"]})
    raise BadRequest(f"{message} ({where})")


def _nul_location() -> str | None:
    if "\x00" in request.path:
        return "path"
    for location, values in (("query", request.args), ("form", request.form)):
        for key, value in values.items(multi=True):
            if "\x00" in f"{key}{value}":  # a malformed multipart part may lack its value
                return f"{location}.{str(key).replace(chr(0), '')}"
    if request.mimetype == "application/json" and _json_has_nul():
        return "json"
    return None


def _json_has_nul() -> bool:
    """Whether any key or string of the JSON body holds NUL (walked without recursion)."""
    raw = request.get_data(cache=True)
    if b"\\u0000" not in raw:
        return False  # JSON can only carry NUL escaped, and strict parsing refuses a raw one
    try:
        pending = [json.loads(raw.decode("utf-8-sig"))]
    except (ValueError, RecursionError):
        return False  # read_json_body or webargs reports malformed JSON
    while pending:
        value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _depth(value: object, level: int = 1) -> int:
    """How deeply containers nest (a scalar is level 1), stopping past MAX_JSON_DEPTH.

    Only containers are descended into: a return's ~100 numbers and codes each cost a
    type check, not a call.
    """
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return level
    deepest = level + 1 if len(value) else level  # its scalars sit one level down
    for child in value:
        if isinstance(child, dict | list):
            deepest = max(deepest, _depth(child, level + 1))
    return deepest
