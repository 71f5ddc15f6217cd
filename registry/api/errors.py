"""One stable JSON error shape for every API failure: {"error": {code, message, fields}}."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from registry.services.errors import DomainError

API_PREFIXES = ("/api/", "/openapi.json", "/healthz")


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    """Build the stable error body."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.path.startswith(API_PREFIXES)


def register_error_handlers(app: Flask) -> None:
    """Answer API errors in the stable shape; web pages keep their HTML error pages."""

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        response = error_response(exc.status, exc.code, exc.message, exc.fields)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
        return response

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        if not exc.connection_invalidated and not _is_unavailable(exc):
            return _unexpected(exc)
        app.logger.warning("database unavailable: %s", exc.orig)
        message = "The database is unavailable; nothing was stored. Try again shortly."
        if not wants_json():
            return message, 503
        response = error_response(503, "database_unavailable", message)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if isinstance(original, DBAPIError):
            return _database_error(original)
        if not wants_json():
            return app.extensions.get("registry.error_page", lambda e: e)(exc)
        fields = _smorest_fields(exc)
        code = HTTP_CODES.get(exc.code or 500, "http_error")
        message = _message(exc, fields)
        response = error_response(exc.code or 500, code, message, fields)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if not wants_json():
            return "The registry hit an unexpected error; it has been logged.", 500
        return error_response(500, "server_error", "Unexpected error; it has been logged.")


def _is_unavailable(exc: DBAPIError) -> bool:
    """Connection-level failures (server down, restarting, or busy), not bad statements."""
    import sqlite3

    import psycopg

    if isinstance(exc.orig, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    return isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


def _smorest_fields(exc: HTTPException) -> dict:
    """Flatten webargs' {"json": {...}, "query": {...}} messages into dotted paths."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or {}
    flat: dict[str, list[str]] = {}
    for location, errors in messages.items():
        _flatten(errors, location if location != "json" else "", flat)
    return flat


def _flatten(errors: object, prefix: str, out: dict[str, list[str]]) -> None:
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            _flatten(value, path, out)
    elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        out.setdefault(prefix or "_schema", []).extend(errors)
    else:
        out.setdefault(prefix or "_schema", []).append(str(errors))


def _message(exc: HTTPException, fields: dict) -> str:
    if fields:
        return "The request has invalid fields; see error.fields."
    return exc.description or exc.name
