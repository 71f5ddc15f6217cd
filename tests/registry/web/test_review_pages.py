"""Review queue, audit trail and messages pages."""

from __future__ import annotations

from sqlalchemy import select

from registry.models import Return, ReturnVersion
from tests.factories import bearer, return_payload


def validated_return(client, session, college, token):
    created = client.post("/api/v1/returns", json=return_payload(college),
                          headers=bearer(token)).json
    return_ = session.get(Return, created["id"])
    version = session.scalar(select(ReturnVersion).where(ReturnVersion.return_id == return_.id))
    return_.status = version.status = "validated"
    session.flush()
    return return_


def test_university_approves_from_its_queue(as_university, client, session, college, period,
                                            token):
    return_ = validated_return(client, session, college, token)
    assert college.code in as_university.get("/review").get_data(as_text=True)
    response = as_university.post("/review", data={
        "return_id": return_.id, "version": 1, "decision": "approve", "comment": ""})
    assert response.status_code == 302
    session.refresh(return_)
    assert return_.status == "approved"


def test_returning_without_a_comment_shows_why(as_university, client, session, college, period,
                                               token):
    return_ = validated_return(client, session, college, token)
    response = as_university.post("/review", data={
        "return_id": return_.id, "version": 1, "decision": "return", "comment": ""})
    assert response.status_code == 422
    assert "Say why" in response.get_data(as_text=True)


def test_college_has_no_review_queue(as_college):
    assert as_college.get("/review").status_code == 403


def test_regulator_reads_and_exports_the_audit_trail(as_regulator, client, college, period,
                                                     token):
    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    page = as_regulator.get("/regulator/audit?action=return.").get_data(as_text=True)
    assert "return.submit" in page
    export = as_regulator.get("/regulator/audit?action=return.&format=csv")
    assert export.mimetype == "text/csv"
    assert "return.submit" in export.get_data(as_text=True)


def test_university_cannot_read_the_audit_trail(as_university):
    assert as_university.get("/regulator/audit").status_code == 403


def test_messages_page_opens_for_a_college(as_college):
    assert "No messages yet" in as_college.get("/messages").get_data(as_text=True)
