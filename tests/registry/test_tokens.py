"""API tokens in the service layer: issuing, resolving a secret, noting use, revoking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from registry.db import utcnow
from registry.models import ApiToken, AuditEvent
from registry.services.accounts import tokens
from registry.services.accounts.actors import Actor
from registry.services.accounts.tokens import actor_for_token, create_token, revoke_token, tokens_of
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.factories import make_user

SYSTEM = Actor.system("test")


@pytest.fixture
def officer(session, college):
    return make_user(session, "college", institution_id=college.id,
                     university_id=college.university_id)


def test_a_token_needs_a_name(session, officer):
    with pytest.raises(ValidationFailed, match=r"^A token needs a name\.$") as refused:
        create_token(session, SYSTEM, officer, "   ")
    assert refused.value.fields == {"name": ["must not be empty"]}


def test_a_lifetime_not_offered_is_refused_naming_the_offered_ones(session, officer):
    with pytest.raises(ValidationFailed, match=r"^A token lives 30, 90, 180, 365 days\.$") as no:
        create_token(session, SYSTEM, officer, "nightly upload", lifetime_days=60)
    assert no.value.fields == {"lifetime_days": ["must be one of 30, 90, 180, 365"]}


def test_a_user_cannot_issue_a_token_for_another_user(session, college, officer):
    colleague = make_user(session, "college", institution_id=college.id)
    with pytest.raises(PermissionDenied, match=r"^You can only create tokens for yourself\.$"):
        create_token(session, Actor.for_user(colleague), officer, "not mine")


def test_a_user_issues_a_token_for_themselves(session, officer):
    issued = create_token(session, Actor.for_user(officer), officer, "mine")
    assert issued.token.user_id == officer.id


def test_the_regulator_issues_a_token_for_another_user(session, officer):
    regulator = make_user(session, "regulator")
    issued = create_token(session, Actor.for_user(regulator), officer, "for the college")
    assert issued.token.user_id == officer.id


def test_a_token_name_is_trimmed_and_cut_at_100_characters(session, officer):
    issued = create_token(session, SYSTEM, officer, "  " + "n" * 120 + "  ")
    assert issued.token.name == "n" * 100


def test_a_secret_is_the_prefix_and_43_url_safe_characters_shown_by_its_first_ten(
        session, officer):
    issued = create_token(session, SYSTEM, officer, "upload")
    assert (issued.secret[:3], len(issued.secret), issued.token.prefix) == (
        "mr_", 46, issued.secret[:10])


def test_issuing_a_token_is_audited_on_the_token_with_its_prefix_name_and_expiry(
        session, officer):
    issued = create_token(session, SYSTEM, officer, "upload", lifetime_days=30)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "token.create")
                            .order_by(AuditEvent.id.desc())).first()
    assert (event.object_type, event.object_id, event.after) == (
        "api_token", str(issued.token.id),
        f"{issued.token.prefix}… (upload), expires {issued.token.expires_at:%Y-%m-%d}")


def test_a_token_of_a_user_who_is_not_a_college_acts_for_no_institution(session, college):
    reviewer = make_user(session, "university", institution_id=college.id,
                         university_id=college.university_id)
    assert create_token(session, SYSTEM, reviewer, "review").token.institution_id is None


def test_a_secret_resolves_to_its_users_role_scope_and_the_callers_address(
        session, college, officer):
    issued = create_token(session, SYSTEM, officer, "upload")
    actor = actor_for_token(session, issued.secret, "10.1.2.3")
    assert actor == Actor(label=f"token:{issued.token.prefix}… of {officer.email}",
                          role="college", user_id=officer.id, token_id=issued.token.id,
                          institution_id=college.id, university_id=college.university_id,
                          address="10.1.2.3")


def last_used_after_a_request(session, monkeypatch, secret: str, used_ago: timedelta):
    """Note a request at a fixed instant, `used_ago` after the token's last use."""
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == secret[:10]))
    now = utcnow()
    before = now - used_ago
    session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=before))
    monkeypatch.setattr(tokens, "utcnow", lambda: now)
    actor_for_token(session, secret, None)
    session.expire_all()
    return before, session.get(ApiToken, token.id).last_used_at


def test_a_use_up_to_a_minute_after_the_last_is_not_noted_again(session, officer,
                                                                monkeypatch):
    secret = create_token(session, SYSTEM, officer, "upload").secret
    before, after = last_used_after_a_request(session, monkeypatch, secret,
                                              timedelta(minutes=1))
    assert after == before


def test_a_use_more_than_a_minute_after_the_last_is_noted(session, officer, monkeypatch):
    secret = create_token(session, SYSTEM, officer, "upload").secret
    before, after = last_used_after_a_request(session, monkeypatch, secret,
                                              timedelta(minutes=1, microseconds=1))
    assert after == before + timedelta(minutes=1, microseconds=1)


def test_a_token_stops_at_the_instant_it_expires(session, officer, monkeypatch):
    issued = create_token(session, SYSTEM, officer, "upload")
    expiry = session.scalar(select(ApiToken.expires_at).where(ApiToken.id == issued.token.id))
    monkeypatch.setattr(tokens, "utcnow", lambda: expiry - timedelta(microseconds=1))
    assert actor_for_token(session, issued.secret, None) is not None
    monkeypatch.setattr(tokens, "utcnow", lambda: expiry)
    assert actor_for_token(session, issued.secret, None) is None


def test_a_college_lists_its_institutions_tokens_and_another_user_only_their_own(
        session, college, officer):
    colleague = make_user(session, "college", institution_id=college.id)
    regulator = make_user(session, "regulator")
    ids = [create_token(session, SYSTEM, user, "t").token.id
           for user in (officer, colleague, regulator)]
    assert [t.id for t in tokens_of(session, Actor.for_user(colleague))] == ids[:2]
    assert [t.id for t in tokens_of(session, Actor.for_user(regulator))] == ids[2:]


def test_revoking_an_unknown_token_names_it(session, officer):
    with pytest.raises(NotFound, match=r"^No token 999999 of yours\.$"):
        revoke_token(session, Actor.for_user(officer), 999999)


def test_revoking_twice_records_one_event_from_active_to_revoked(session, officer):
    token = create_token(session, SYSTEM, officer, "upload").token
    for _ in range(2):
        revoke_token(session, Actor.for_user(officer), token.id)
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "token.revoke", AuditEvent.object_id == str(token.id))).all()
    assert [(e.object_type, e.before, e.after) for e in events] == [
        ("api_token", "active", "revoked")]
