"""A token of college A can neither read nor write anything of college B."""

from __future__ import annotations

import pytest

from tests.factories import bearer, make_user_token, return_payload


@pytest.fixture
def other_return(client, other_college, period, other_token):
    response = client.post("/api/v1/returns", json=return_payload(other_college),
                           headers=bearer(other_token))
    assert response.status_code == 201
    return response.json["id"]


@pytest.mark.parametrize("path", [
    "/api/v1/returns/{id}",
    "/api/v1/returns/{id}/versions",
    "/api/v1/returns/{id}/versions/1",
])
def test_reading_another_colleges_return_is_404(client, token, other_return, path):
    response = client.get(path.format(id=other_return), headers=bearer(token))
    assert response.status_code == 404


def test_listing_shows_only_own_returns(client, token, other_return):
    assert client.get("/api/v1/returns", headers=bearer(token)).json["total"] == 0


def test_listing_filtered_by_another_institution_shows_nothing(client, token, other_college,
                                                               other_return):
    url = f"/api/v1/returns?institution={other_college.code}"
    assert client.get(url, headers=bearer(token)).json["total"] == 0


@pytest.mark.parametrize("path", ["/api/v1/returns", "/api/v1/returns/validate"])
def test_submitting_for_another_college_is_403(client, token, other_college, period, path):
    response = client.post(path, json=return_payload(other_college), headers=bearer(token))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_registering_a_programme_for_another_college_is_403(client, token, other_college):
    body = {"institution": other_college.code, "code": "X1", "name": "X", "level": "faculty",
            "model": "group", "disciplines": ["medicine"]}
    assert client.post("/api/v1/programmes", json=body, headers=bearer(token)).status_code == 403


def test_bulk_upload_for_another_college_stores_nothing(client, token, other_college, period):
    from schemas.tabular.write import dump_returns_to_csv

    data = dump_returns_to_csv([return_payload(other_college)])
    response = client.post("/api/v1/returns/bulk", headers=bearer(token),
                           data={"file": (__import__("io").BytesIO(data), "returns.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert client.get("/api/v1/returns", headers=bearer(token)).json["total"] == 0


def test_revoking_another_colleges_token_is_404(client, session, token, other_token):
    other_tokens = client.get("/api/v1/tokens", headers=bearer(other_token)).json
    response = client.delete(f"/api/v1/tokens/{other_tokens[0]['id']}", headers=bearer(token))
    assert response.status_code == 404


def test_university_sees_only_its_affiliated_colleges(client, session, college, other_college,
                                                     other_return):
    kmu = make_user_token(session, "university", university_id=college.university_id)
    duhs = make_user_token(session, "university", university_id=other_college.university_id)
    assert client.get("/api/v1/returns", headers=bearer(kmu)).json["total"] == 0
    assert client.get("/api/v1/returns", headers=bearer(duhs)).json["total"] == 1


def test_regulator_sees_every_return(client, session, other_return):
    regulator = make_user_token(session, "regulator")
    assert client.get("/api/v1/returns", headers=bearer(regulator)).json["total"] == 1


def test_regulator_cannot_submit_a_colleges_return(client, session, other_college, period):
    regulator = make_user_token(session, "regulator")
    response = client.post("/api/v1/returns", json=return_payload(other_college),
                           headers=bearer(regulator))
    assert response.status_code == 403

