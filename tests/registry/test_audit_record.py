"""An audit event stores what record_event was told: before, after and detail."""

from __future__ import annotations

from registry.services.accounts.audit import record_event


def test_an_event_keeps_its_before_after_and_detail(session, system_actor):
    event = record_event(session, system_actor, "period.extension", "period", "2025",
                         before="none", after="KP-1 until 2026-01-31", detail={"reason": "x"})
    session.flush()
    session.expire(event)
    assert (event.before, event.after, event.detail) == (
        "none", "KP-1 until 2026-01-31", {"reason": "x"})


def test_an_event_without_detail_stores_an_empty_object(session, system_actor):
    event = record_event(session, system_actor, "token.revoke", "api_token", 7)
    session.flush()
    session.expire(event)
    assert (event.object_id, event.before, event.after, event.detail) == ("7", None, None, {})
