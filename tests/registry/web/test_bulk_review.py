"""Bulk decisions and filters on the review queue."""

from __future__ import annotations

from sqlalchemy import select

from registry.models import AuditEvent, QualityIssue, Return, ReturnVersion, ReviewDecision
from tests.factories import bearer, return_payload


def returns_with_status(client, session, college, token, status: str, count: int) -> list[Return]:
    """Submit `count` returns of the college (one per programme) and set their status."""
    made = []
    for k in range(count):
        created = client.post("/api/v1/returns", headers=bearer(token),
                              json=return_payload(college, programme_code=f"PG-{k}")).json
        return_ = session.get(Return, created["id"])
        version = session.scalar(select(ReturnVersion).where(
            ReturnVersion.return_id == return_.id))
        return_.status = version.status = status
        made.append(return_)
    session.flush()
    return made


def selected(returns: list[Return]) -> list[str]:
    return [f"{r.id}:{r.latest_version}" for r in returns]


def test_bulk_approval_asks_once_then_approves_every_selected_return(
        as_university, client, session, college, period, token):
    chosen = returns_with_status(client, session, college, token, "validated", 3)
    ask = as_university.post("/review", data={"action": "bulk", "selected": selected(chosen)})
    assert ask.status_code == 200
    assert "Confirm: approve 3 returns" in ask.get_data(as_text=True)
    assert {r.status for r in chosen} == {"validated"}
    done = as_university.post("/review", data={"action": "bulk", "confirm": "yes",
                                               "selected": selected(chosen)})
    assert done.status_code == 302
    for return_ in chosen:
        session.refresh(return_)
    assert {r.status for r in chosen} == {"approved"}
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "review.approve"))
    assert len(events.all()) == 3


def test_bulk_decision_records_nothing_when_one_row_cannot_be_decided(
        as_university, client, session, college, period, token):
    chosen = returns_with_status(client, session, college, token, "validated", 3)
    stale = selected(chosen)
    stale[2] = f"{chosen[2].id}:7"  # a version that does not exist
    response = as_university.post("/review", data={"action": "bulk", "confirm": "yes",
                                                    "selected": stale})
    assert response.status_code == 422
    assert "has no version 7" in response.get_data(as_text=True)
    assert session.scalars(select(ReviewDecision)).all() == []
    for return_ in chosen:
        session.refresh(return_)
    assert {r.status for r in chosen} == {"validated"}


def test_bulk_with_nothing_selected_says_so(as_university, period):
    response = as_university.post("/review", data={"action": "bulk"})
    assert response.status_code == 422
    assert "Select at least one return" in response.get_data(as_text=True)


def test_queue_filters_by_college_and_open_findings(as_university, client, session, college,
                                                    period, token):
    first, second = returns_with_status(client, session, college, token, "validated", 2)
    version = session.scalar(select(ReturnVersion).where(ReturnVersion.return_id == first.id))
    session.add(QualityIssue(return_version_id=version.id, return_id=first.id, rule_id="W01",
                             kind="within_return", severity="warning", field="x",
                             expected="y", message="m", status="open"))
    session.flush()
    with_findings = as_university.get("/review?findings=yes").get_data(as_text=True)
    without = as_university.get("/review?findings=no").get_data(as_text=True)
    assert f'value="{first.id}:1"' in with_findings
    assert f'value="{second.id}:1"' not in with_findings
    assert f'value="{second.id}:1"' in without and f'value="{first.id}:1"' not in without
    nobody = as_university.get("/review?college=no-such-college").get_data(as_text=True)
    assert "Nothing here with these filters" in nobody


def test_queue_pages_long_lists(as_university, client, session, college, period, token):
    returns_with_status(client, session, college, token, "validated", 3)
    from registry.services.paging import page_of

    assert page_of(list(range(120)), 3).items == list(range(100, 120))
    page = as_university.get("/review").get_data(as_text=True)
    assert "Showing 1–3 of 3 returns" in page


def test_decide_many_leaves_no_decision_behind_when_one_fails(client, session, college, period,
                                                             token, university_user):
    import pytest

    from registry.services.accounts.actors import Actor
    from registry.services.errors import NotFound
    from registry.services.review.review import decide_many

    chosen = returns_with_status(client, session, college, token, "validated", 2)
    actor = Actor.for_user(university_user, "127.0.0.1")
    with pytest.raises(NotFound):
        decide_many(session, actor, [(chosen[0].id, 1), (chosen[1].id, 9)], "approve")
    assert session.scalars(select(ReviewDecision)).all() == []
    assert {session.get(Return, r.id).status for r in chosen} == {"validated"}
