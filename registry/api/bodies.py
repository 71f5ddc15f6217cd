"""Reading request bodies strictly: JSON only, UTF-8 only, bounded size and depth.

Every JSON body the API reads (returns through `read_json_body`, every other body
through the arguments parser of `registry.api.blueprint`) is parsed by `parse_json`: an
object may not repeat a key (a version stored "exactly as received" cannot silently
drop a value), NaN and Infinity are not JSON, and an integer too long for any count is
read as infinity for its field to refuse by name instead of failing inside the parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import request
from werkzeug.exceptions import BadRequest

from registry.services.errors import DomainError
from schemas.limits import has_lone_surrogate, read_whole_number

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024
"""The largest JSON body: a return is about 5 KB, so this leaves room two hundred times
over while keeping the slowest parse (an object of ~130,000 repeated keys) near 0.2 s.
Files (CSV, XLSX) go to the bulk upload, bounded by MAX_CONTENT_LENGTH."""
# A lone surrogate can reach a parsed string only through a \uD800-\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class BadRequestBody(DomainError):
    code = "bad_request"
    status = 400


class BodyTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


def read_json_body() -> object:
    """Parse the request body as JSON, or raise a clear 400/413/415."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"Send the return as application/json (got {request.mimetype or 'no content type'})."
        )
    return parse_json(request.get_data(cache=True))


def parse_json(raw: bytes) -> object:
    """Parse a UTF-8 JSON body the one way the API reads JSON, or raise a clear 400/413."""
    if len(raw) > MAX_JSON_BYTES:
        raise BodyTooLarge(f"A JSON body may be at most {MAX_JSON_BYTES // 1024:,} KiB "
                           f"(this one is {len(raw) // 1024:,} KiB); send files to the bulk "
                           "upload.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequestBody(f"The body is not UTF-8 text (byte {exc.start}).") from exc
    try:
        body = json.loads(text, object_pairs_hook=_object_without_repeated_keys,
                          parse_int=read_whole_number, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise BadRequestBody(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except RecursionError as exc:
        raise BadRequestBody("The JSON is nested too deeply.") from exc
    if _depth(body) > MAX_JSON_DEPTH:
        raise BadRequestBody(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
    where = _SURROGATE_ESCAPE.search(raw) and _text_location(body, has_lone_surrogate)
    if where:
        raise BadRequestBody(
            f"The text at {where} holds half of a UTF-16 surrogate pair, which is not a "
            "character: correct the \\u escape.", {where: ["not valid Unicode text"]})
    return body


def _object_without_repeated_keys(pairs: list[tuple[str, object]]) -> dict:
    """Build a JSON object, refusing one that names a key twice."""
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    seen: set[str] = set()
    key = next(key for key, _ in pairs if key in seen or seen.add(key))
    raise BadRequestBody(f"The key {key!r} appears twice in one object; give each key once.",
                         {"json": [f"repeated key {key!r}"]})


def _refuse_constant(name: str) -> float:
    raise BadRequestBody(f"{name} is not a JSON number: give a number or a reason code.",
                         {"json": [f"{name} is not allowed"]})


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
    if request.mimetype == "application/json":
        return _json_nul_location()
    return None


def _json_nul_location() -> str | None:
    """The path (json.<dotted path>) of the first key or string of the body holding NUL."""
    raw = request.get_data(cache=True)
    if b"\\u0000" not in raw:
        return None  # JSON can only carry NUL escaped, and strict parsing refuses a raw one
    try:
        body = parse_json(raw)
    except (DomainError, RecursionError):
        return None  # read_json_body or the arguments parser reports what is wrong
    return _text_location(body, lambda text: "\x00" in text)


def _text_location(body: object, holds: Callable[[str], bool]) -> str | None:
    """The path (json.<dotted path>) of the first key or string for which `holds` is true."""
    pending: list[tuple[str, object]] = [("json", body)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str) and holds(value):
            return path
        if isinstance(value, dict):
            for key, child in value.items():
                if holds(key):
                    return f"{path}.{key}"
                pending.append((f"{path}.{key}", child))
        elif isinstance(value, list):
            pending.extend((f"{path}.{index}", child) for index, child in enumerate(value))
    return None


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
