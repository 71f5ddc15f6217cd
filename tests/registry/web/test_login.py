"""Logging in: argon2 passwords, role homes, throttling, CSRF."""

from __future__ import annotations

import pytest

from registry import create_app
from tests.factories import TEST_PASSWORD


def test_login_sends_each_role_to_its_home(client, college_user):
    response = client.post("/login", data={"email": college_user.email,
                                           "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/college"


def test_wrong_password_is_refused_with_a_message(client, college_user):
    response = client.post("/login", data={"email": college_user.email, "password": "nope"})
    assert response.status_code == 401
    assert "Email or password is not correct" in response.get_data(as_text=True)


def test_repeated_failures_are_throttled(client, college_user):
    from registry.web.auth import throttle

    throttle.reset("127.0.0.1", college_user.email)
    for _ in range(5):
        client.post("/login", data={"email": college_user.email, "password": "wrong"})
    response = client.post("/login", data={"email": college_user.email,
                                           "password": TEST_PASSWORD})
    throttle.reset("127.0.0.1", college_user.email)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_pages_need_a_login(client):
    response = client.get("/college")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.fixture
def csrf_client(database_url, session_factory):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test"})
    app.extensions["registry.sessionmaker"] = session_factory
    return app.test_client()


def test_login_form_without_csrf_token_is_refused(csrf_client, college_user):
    response = csrf_client.post("/login", data={"email": college_user.email,
                                                "password": TEST_PASSWORD})
    assert response.status_code == 400


def test_logout_needs_a_post_with_csrf(csrf_client):
    assert csrf_client.get("/logout").status_code == 405


def test_a_form_without_its_csrf_token_gets_a_page_saying_nothing_was_stored(csrf_client,
                                                                            college_user):
    response = csrf_client.post("/login", headers={"Referer": "http://localhost/login?next=/college"},
                                data={"email": college_user.email, "password": TEST_PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form could not be sent" in page
    assert "Nothing was stored" in page
    assert 'href="/login?next=/college"' in page


def test_the_expired_form_page_links_back_only_to_a_page_of_the_registry(csrf_client):
    response = csrf_client.post("/login", headers={"Referer": "https://elsewhere.example/login"},
                                data={"email": "someone@example.org", "password": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "elsewhere.example" not in page
    assert "Open the page again" not in page
