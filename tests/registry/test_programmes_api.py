"""The programme register and public directory."""

from __future__ import annotations

from tests.factories import bearer, return_payload


def register(client, token, institution, **overrides):
    body = {"institution": institution.code, "code": "UG-1", "name": "Big sister scheme",
            "level": "undergraduate", "model": "peer_near_peer", "disciplines": ["medicine"],
            "start_date": "2023-09-01", **overrides}
    return client.post("/api/v1/programmes", json=body, headers=bearer(token))


def test_college_registers_a_programme_once(client, college, token):
    assert register(client, token, college).status_code == 201
    again = register(client, token, college)
    assert again.status_code == 409


def test_directory_is_public_and_filters_by_level(client, college, token):
    register(client, token, college)
    register(client, token, college, code="FAC-1", level="faculty", model="group")
    body = client.get("/api/v1/programmes?level=faculty").json
    assert [p["code"] for p in body["items"]] == ["FAC-1"]
    assert body["items"][0]["province"] == "KP"


def test_directory_filters_by_framework_component(client, college, period, token):
    payload = return_payload(college)
    payload["governance"]["written_policy"] = True
    client.post("/api/v1/returns", json=payload, headers=bearer(token))
    register(client, token, college)
    with_policy = client.get("/api/v1/programmes?component=written_policy").json
    assert [p["code"] for p in with_policy["items"]] == ["PG-PEER"]


def test_registration_with_an_unknown_level_is_422(client, college, token):
    response = register(client, token, college, level="kindergarten")
    assert response.status_code == 422
    assert "level" in response.json["error"]["fields"]
