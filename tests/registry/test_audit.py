"""The audit trail: every write recorded, filterable and exportable by the regulator only."""

from __future__ import annotations

import csv
import io

from tests.factories import bearer, make_user_token, return_payload


def test_regulator_filters_the_trail_by_action(client, session, college, period, token):
    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    regulator = make_user_token(session, "regulator")
    body = client.get("/api/v1/audit?action=return.", headers=bearer(regulator)).json
    assert [e["action"] for e in body["items"]] == ["return.submit"]
    assert body["items"][0]["address"] == "127.0.0.1"


def test_token_changes_are_audited(client, session, token):
    client.post("/api/v1/tokens", json={"name": "x"}, headers=bearer(token))
    regulator = make_user_token(session, "regulator")
    body = client.get("/api/v1/audit?action=token.", headers=bearer(regulator)).json
    assert {e["action"] for e in body["items"]} == {"token.create"}


def test_audit_exports_as_csv(client, session, college, period, token):
    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    regulator = make_user_token(session, "regulator")
    response = client.get("/api/v1/audit/export.csv", headers=bearer(regulator))
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert "return.submit" in {r["action"] for r in rows}


def test_college_cannot_read_the_audit_trail(client, token):
    assert client.get("/api/v1/audit", headers=bearer(token)).status_code == 403


def test_the_audit_trail_has_no_write_methods(client, session):
    regulator = make_user_token(session, "regulator")
    for method in (client.post, client.put, client.delete, client.patch):
        assert method("/api/v1/audit", headers=bearer(regulator)).status_code == 405
