"""GET /api/v1/institutions: the public, paged register."""

from __future__ import annotations

from tests.factories import make_institution


def test_lists_institutions_with_their_register_fields(client, session):
    make_institution(session, code="KP-1", name="Kohat Medical College", sector="private")
    body = client.get("/api/v1/institutions").json
    assert body["total"] == 1
    assert body["items"] == [{
        "code": "KP-1", "name": "Kohat Medical College", "type": "medical",
        "sector": "private", "province": "KP", "university": "KMU", "synthetic": True,
    }]


def test_pages_through_the_register(client, session):
    for n in range(5):
        make_institution(session, code=f"P-{n}")
    body = client.get("/api/v1/institutions?page=2&page_size=2").json
    assert [i["code"] for i in body["items"]] == ["P-2", "P-3"]
    assert (body["page"], body["page_size"], body["total"]) == (2, 2, 5)


def test_filters_by_type_and_province(client, session):
    make_institution(session, code="D-1", type="dental", province_code="SD", university="DUHS")
    make_institution(session, code="M-1")
    body = client.get("/api/v1/institutions?type=dental&province=SD").json
    assert [i["code"] for i in body["items"]] == ["D-1"]


def test_unknown_institution_is_a_404_in_the_error_shape(client):
    response = client.get("/api/v1/institutions/NOPE")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert "NOPE" in response.json["error"]["message"]


def test_invalid_query_is_a_422_naming_the_parameter(client):
    response = client.get("/api/v1/institutions?page_size=1000")
    assert response.status_code == 422
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert "query.page_size" in response.json["error"]["fields"]
