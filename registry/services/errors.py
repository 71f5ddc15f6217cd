"""Domain exceptions; the API and web layers translate them into responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a user can act on; `code` is stable, `status` is the HTTP mapping."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422


class Conflict(DomainError):
    code = "conflict"
    status = 409
