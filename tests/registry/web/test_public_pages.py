"""Public pages: programme directory and programme page."""

from __future__ import annotations

from tests.factories import bearer, return_payload


def test_directory_lists_and_filters_programmes(client, college, period, token):
    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    assert "PG-PEER" in client.get("/programmes").get_data(as_text=True)
    assert "PG-PEER" not in client.get("/programmes?level=faculty").get_data(as_text=True)


def test_programme_page_shows_its_framework_components(client, college, period, token):
    payload = return_payload(college)
    payload["governance"]["confidentiality_policy"] = True
    client.post("/api/v1/returns", json=payload, headers=bearer(token))
    page = client.get(f"/programmes/{college.code}/PG-PEER").get_data(as_text=True)
    assert "Confidentiality policy: in place" in page


def test_unknown_programme_page_is_404(client):
    assert client.get("/programmes/NOPE/NOPE").status_code == 404
