"""Filters, search and paging on the long lists: tracker, directory, member picker."""

from __future__ import annotations

from tests.factories import bearer, make_institution, return_payload
from tests.registry.web.conftest import log_in_as


def test_tracker_filters_by_sector_and_status(as_regulator, client, college, other_college,
                                              period, token):
    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    private = as_regulator.get("/regulator/compliance?period=2025&sector=private")
    assert other_college.code in private.get_data(as_text=True)
    assert college.code not in private.get_data(as_text=True)
    submitted = as_regulator.get("/regulator/compliance?period=2025&status=submitted")
    assert college.code in submitted.get_data(as_text=True)
    assert other_college.code not in submitted.get_data(as_text=True)


def test_tracker_csv_keeps_the_filters(as_regulator, college, other_college, period):
    export = as_regulator.get("/regulator/compliance?period=2025&q=Karachi&format=csv")
    text = export.get_data(as_text=True)
    assert other_college.code in text and college.code not in text


def test_tracker_pages_a_long_grid(as_regulator, session, period):
    for k in range(55):
        make_institution(session, code=f"PB-MED-PUB-{k:03d}", name=f"Lahore College {k:03d}",
                         province_code="PB")
    first = as_regulator.get("/regulator/compliance?period=2025&q=Lahore").get_data(as_text=True)
    second = as_regulator.get("/regulator/compliance?period=2025&q=Lahore&page=2")
    assert "Showing 1–50 of 55 rows" in first and "PB-MED-PUB-049" in first
    assert "PB-MED-PUB-050" not in first
    assert "PB-MED-PUB-054" in second.get_data(as_text=True)
    assert "page=2" in first and "q=Lahore" in first


def test_directory_filters_by_sector(client, college, other_college, period, token):
    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    public = client.get("/programmes?sector=public").get_data(as_text=True)
    private = client.get("/programmes?sector=private").get_data(as_text=True)
    assert college.name in public
    assert college.name not in private and "No programmes match these filters" in private


def test_member_picker_keeps_chosen_colleges_while_filtering(client, session, college,
                                                             other_college):
    log_in_as(client, session, "regulator")
    response = client.post("/peer-groups/new", data={
        "action": "show", "name": "Mixed", "members": [college.code], "province": "SD"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'type="hidden" name="members" value="{college.code}"' in html
    assert f'value="{other_college.code}"' in html
    assert "Chosen so far (1): Peshawar Test Medical College" in html
