"""A submission that names its client (the toolkit) is recorded with that source."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.models import AuditEvent, ReturnVersion
from tests.factories import bearer, return_payload

TOOLKIT = {"Registry-Client": "registry-toolkit/0.1.0"}


def submit(client, token, payload, **headers):
    return client.post("/api/v1/returns", json=payload, headers={**bearer(token), **headers})


def test_a_toolkit_submission_records_source_toolkit_and_its_version(client, college, period,
                                                                      token):
    response = submit(client, token, return_payload(college), **TOOLKIT)
    version = client.get(response.json["url"], headers=bearer(token)).json
    assert (version["source"], version["client_version"]) == ("toolkit", "0.1.0")


def test_a_toolkit_submission_is_audited_with_its_source_and_version(client, session, college,
                                                                     period, token):
    submit(client, token, return_payload(college), **TOOLKIT)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "return.submit"))
    assert (event.detail["source"], event.detail["client_version"]) == ("toolkit", "0.1.0")


def test_a_submission_without_the_header_is_source_api_without_a_client_version(
        client, college, period, token):
    response = submit(client, token, return_payload(college))
    version = client.get(response.json["url"], headers=bearer(token)).json
    assert (version["source"], version["client_version"]) == ("api", None)


def test_an_unrecognised_client_is_refused_and_nothing_is_stored(client, session, college,
                                                                 period, token):
    response = submit(client, token, return_payload(college),
                      **{"Registry-Client": "registry-toolkit/0.1.0; drop table"})
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"Registry-Client": ["not a recognised client"]}
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def test_the_client_header_is_documented_on_submit(client):
    operation = client.get("/openapi.json").json["paths"]["/api/v1/returns"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "Registry-Client")
    assert header["in"] == "header"
    assert "registry-toolkit/" in header["description"]
