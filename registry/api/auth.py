"""Bearer-token authentication for the API."""

from __future__ import annotations

from flask import g, request

from registry.request_session import get_session
from registry.services.accounts.actors import Actor
from registry.services.accounts.tokens import actor_for_token
from registry.services.errors import DomainError


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


def client_address() -> str | None:
    return request.remote_addr


def current_actor() -> Actor | None:
    """The actor behind the request's bearer token, or None when there is none."""
    if "api_actor" in g:
        return g.api_actor
    header = request.headers.get("Authorization", "")
    actor = None
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        actor = actor_for_token(get_session(), secret.strip(), client_address())
        if actor is None:
            raise Unauthorized("The token is unknown, revoked, expired, or no longer valid for "
                               "its user (deactivated, or a different role or college).")
    g.api_actor = actor
    return actor


def require_actor() -> Actor:
    """The authenticated actor; 401 when the request carries no valid token."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized("This endpoint needs an API token: 'Authorization: Bearer <token>'.")
    return actor
