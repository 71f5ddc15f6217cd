"""The header navigation by role, the error pages and the status vocabulary."""

from __future__ import annotations

import re

import pytest

from registry.web.navigation import ROLE_PAGES


def header_links(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Your pages".*?</nav>', html, re.S).group(0)
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("who, home, expected", [
    ("as_college", "/college", ["/college", "/college/submit", "/college/upload",
                                "/college#findings", "/college/comparison",
                                "/college/cohorts", "/college/feedback-report.pdf",
                                "/college/previews",
                                "/college/tokens", "/messages"]),
    ("as_university", "/university", ["/university", "/review", "/university/side-by-side",
                                      "/peer-groups", "/quality/board", "/messages"]),
    ("as_regulator", "/regulator", ["/regulator", "/regulator/compliance", "/regulator/periods",
                                    "/review", "/regulator/releases", "/releases/calendar",
                                    "/regulator/audit", "/quality/board", "/peer-groups",
                                    "/messages"]),
])
def test_header_lists_every_page_of_the_role(request, period, who, home, expected):
    client = request.getfixturevalue(who)
    assert header_links(client.get(home).get_data(as_text=True)) == expected


def test_public_header_links_benchmarks_and_open_data(client):
    html = client.get("/").get_data(as_text=True)
    public = re.search(r'<nav aria-label="Public">.*?</nav>', html, re.S).group(0)
    for href in ("/programmes", "/indicators", "/benchmarks", "/cohorts", "/standard",
                 "/api/docs"):
        assert f'href="{href}"' in public
    assert 'aria-label="Your pages"' not in html
    assert 'rel="icon"' in html


def test_every_role_page_endpoint_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {e for pages in ROLE_PAGES.values() for _, e, _ in pages} <= endpoints


def test_forbidden_page_says_who_it_is_for_and_where_to_go(as_college):
    response = as_college.get("/regulator/audit")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "This page is for regulator analysts and administrators." in html
    assert 'href="/home"' in html and "What you can do instead" in html


def test_unknown_page_is_a_styled_404_but_api_errors_stay_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "What you can do instead" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-resource")
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"


def test_favicon_is_served(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200 and b"<svg" in response.data


def test_tracker_shows_one_status_per_received_return(as_regulator, client, college, period,
                                                       token):
    from tests.factories import bearer, return_payload

    client.post("/api/v1/returns", json=return_payload(college), headers=bearer(token))
    html = as_regulator.get("/regulator/compliance?period=2025").get_data(as_text=True)
    assert "Submitted, checks running" in html
    assert "Received, in progress" not in html and ">pending<" not in html
