"""Quality pages: the public rule directory and the board for universities and the regulator."""

from __future__ import annotations

from tests.factories import TEST_PASSWORD, make_user


def log_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_the_rules_page_lists_every_rule_by_kind(client):
    page = client.get("/quality/rules").get_data(as_text=True)
    assert "Against the national distribution of the period" in page
    assert 'id="Q001"' in page and 'id="Q030"' in page


def test_the_board_page_needs_a_login(client):
    response = client.get("/quality/board")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_college_user_cannot_open_the_board(client, session, college, period):
    user = make_user(session, "college", institution_id=college.id,
                     university_id=college.university_id)
    assert log_in(client, user).get("/quality/board").status_code == 403


def test_the_regulator_sees_the_board_of_the_latest_period(client, session, college, period):
    log_in(client, make_user(session, "regulator"))
    page = client.get("/quality/board").get_data(as_text=True)
    assert "Quality board: 2025" in page and "Rules that fire most" in page
