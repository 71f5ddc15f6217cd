"""API tokens: created once and shown once, stored as SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import ApiToken, Role, User
from registry.services.actors import Actor
from registry.services.audit import record_event
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "mr_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def token_digest(secret: str) -> str:
    """Tokens are 256-bit random values, so one SHA-256 is a sufficient one-way hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, actor: Actor, user: User, name: str) -> IssuedToken:
    """Issue a token for the user; a college user's token is scoped to its institution."""
    if not name.strip():
        raise ValidationFailed("A token needs a name.", {"name": ["must not be empty"]})
    if actor.user_id not in (None, user.id) and not actor.is_national:
        raise PermissionDenied("You can only create tokens for yourself.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip()[:100],
        prefix=secret[:10],
        token_hash=token_digest(secret),
        user_id=user.id,
        institution_id=user.institution_id if user.role == Role.COLLEGE else None,
    )
    session.add(token)
    session.flush()
    record_event(session, actor, "token.create", "api_token", token.id,
                 after=f"{token.prefix}… ({token.name})")
    return IssuedToken(token=token, secret=secret)


def actor_for_token(session: Session, secret: str, address: str | None) -> Actor | None:
    """Resolve a bearer secret to its actor, noting when it was last used."""
    found = session.execute(
        select(ApiToken, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(secret))
    ).first()  # one round trip for the token and its user: every API request pays it
    if found is None:
        return None
    token, user = found
    if token.revoked_at is not None or not user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return Actor(
        label=f"token:{token.prefix}… of {user.email}",
        role=user.role,
        user_id=user.id,
        token_id=token.id,
        institution_id=token.institution_id,
        university_id=user.university_id,
        address=address,
    )


def tokens_of(session: Session, actor: Actor) -> list[ApiToken]:
    """The actor's institution's tokens (college) or the actor's own."""
    query = select(ApiToken).order_by(ApiToken.id)
    if actor.institution_id is not None:
        query = query.where(ApiToken.institution_id == actor.institution_id)
    else:
        query = query.where(ApiToken.user_id == actor.user_id)
    return list(session.scalars(query))


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token of the actor's institution (or the actor's own); idempotent."""
    token = next((t for t in tokens_of(session, actor) if t.id == token_id), None)
    if token is None:
        raise NotFound(f"No token {token_id} of yours.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(session, actor, "token.revoke", "api_token", token.id,
                     before="active", after="revoked")
    return token
