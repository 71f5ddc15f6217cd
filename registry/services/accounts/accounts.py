"""User accounts: creation and password checks (argon2 hashes)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Institution, Role, University, User
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import Conflict, NotFound, ValidationFailed

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash without raising."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    password: str,
    role: str,
    institution_code: str | None = None,
    university_code: str | None = None,
) -> User:
    """Create a user whose role is scoped to its place in the institution hierarchy."""
    email = email.strip().lower()
    _check_new_user(session, email, password, role)
    institution_id, university_id = _scope(session, role, institution_code, university_code)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role,
        institution_id=institution_id,
        university_id=university_id,
    )
    session.add(user)
    session.flush()
    record_event(session, actor, "user.create", "user", user.id, after=f"{email} ({role})")
    return user


def _check_new_user(session: Session, email: str, password: str, role: str) -> None:
    if role not in set(Role):
        raise ValidationFailed(f"Unknown role {role!r}.", {"role": [f"one of {', '.join(Role)}"]})
    if "@" not in email:
        raise ValidationFailed("Email address is not valid.", {"email": ["not an email address"]})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "Password too short.", {"password": [f"at least {MIN_PASSWORD_LENGTH} characters"]}
        )
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with email {email} already exists.")


def _scope(
    session: Session, role: str, institution_code: str | None, university_code: str | None
) -> tuple[int | None, int | None]:
    """Resolve the institution or university a college or university user belongs to."""
    if role == Role.COLLEGE:
        if not institution_code:
            raise ValidationFailed("A college user needs an institution.",
                                   {"institution": ["required for role college"]})
        query = select(Institution).where(Institution.code == institution_code)
        institution = session.scalar(query)
        if institution is None:
            raise NotFound(f"No institution with code {institution_code!r}.")
        return institution.id, institution.university_id
    if role == Role.UNIVERSITY:
        university = session.scalar(select(University).where(University.code == university_code))
        if university is None:
            raise NotFound(f"No university with code {university_code!r}.")
        return None, university.id
    return None, None


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        _hasher.hash(password)  # spend the same time whether or not the account exists
        return None
    return user if verify_password(user.password_hash, password) else None
