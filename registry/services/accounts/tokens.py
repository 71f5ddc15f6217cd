"""API tokens: created once and shown once, stored as SHA-256, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from registry.db import begin_writing, utcnow
from registry.models import ApiToken, Role, User
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "mr_"
LAST_USED_RESOLUTION = timedelta(minutes=1)
# How long a token may live, in days; a year at most, so a forgotten token dies on its own.
LIFETIMES_DAYS: tuple[int, ...] = (30, 90, 180, 365)
DEFAULT_LIFETIME_DAYS = 365


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def token_digest(secret: str) -> str:
    """Tokens are 256-bit random values, so one SHA-256 is a sufficient one-way hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_scope(role: str, institution_id: int | None) -> int | None:
    """The institution a token of a user with this role and college acts for (colleges only)."""
    return institution_id if role == Role.COLLEGE else None


def create_token(session: Session, actor: Actor, user: User, name: str,
                 lifetime_days: int = DEFAULT_LIFETIME_DAYS) -> IssuedToken:
    """Issue a token for the user; a college user's token is scoped to its institution."""
    if not name.strip():
        raise ValidationFailed("A token needs a name.", {"name": ["must not be empty"]})
    if lifetime_days not in LIFETIMES_DAYS:
        allowed = ", ".join(map(str, LIFETIMES_DAYS))
        raise ValidationFailed(f"A token lives {allowed} days.",
                               {"lifetime_days": [f"must be one of {allowed}"]})
    if actor.user_id not in (None, user.id) and not actor.is_national:
        raise PermissionDenied("You can only create tokens for yourself.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip()[:100],
        prefix=secret[:10],
        token_hash=token_digest(secret),
        user_id=user.id,
        institution_id=token_scope(user.role, user.institution_id),
        expires_at=utcnow() + timedelta(days=lifetime_days),
    )
    session.add(token)
    session.flush()
    record_event(session, actor, "token.create", "api_token", token.id,
                 after=f"{token.prefix}… ({token.name}), expires "
                       f"{token.expires_at:%Y-%m-%d}")
    return IssuedToken(token=token, secret=secret)


_tokens, _users = ApiToken.__table__.c, User.__table__.c
# Built once: every API request runs it. Plain columns, one round trip for token and user.
TOKEN_QUERY = (
    select(_tokens.id, _tokens.prefix, _tokens.institution_id, _tokens.last_used_at,
           _tokens.revoked_at, _tokens.expires_at, _users.id.label("user_id"), _users.email,
           _users.role, _users.university_id, _users.is_active,
           _users.institution_id.label("user_institution_id"))
    .join_from(ApiToken.__table__, User.__table__, _tokens.user_id == _users.id)
    .where(_tokens.token_hash == bindparam("digest"))
)
# Noting a use must not queue a token's requests: a plain UPDATE holds the row's lock
# until the request commits, so a burst on a token not used lately ran one request at a
# time. SKIP LOCKED leaves the row to the request already noting it (PostgreSQL; SQLite
# runs one writer at a time anyway and ignores the clause). NO KEY UPDATE still lets
# rows referring to the token be inserted meanwhile.
TOUCH_TOKEN = (
    update(ApiToken.__table__)
    .where(_tokens.id.in_(
        select(_tokens.id).where(_tokens.id == bindparam("token_id"))
        .with_for_update(skip_locked=True, key_share=True)))
    .values(last_used_at=bindparam("now"))
)


def actor_for_token(session: Session, secret: str, address: str | None) -> Actor | None:
    """Resolve a bearer secret to its actor, noting when it was last used."""
    token = session.execute(TOKEN_QUERY, {"digest": token_digest(secret)}).first()
    if token is None or token.revoked_at is not None or not token.is_active:
        return None
    if token.institution_id != token_scope(token.role, token.user_institution_id):
        return None  # the user's role or college changed since: the old scope is gone
    now = utcnow()
    if token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        begin_writing(session)  # a GET's transaction began as a reader's
        session.execute(TOUCH_TOKEN, {"token_id": token.id, "now": now})
    return Actor(
        label=f"token:{token.prefix}… of {token.email}",
        role=token.role,
        user_id=token.user_id,
        token_id=token.id,
        institution_id=token.institution_id,
        university_id=token.university_id,
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
