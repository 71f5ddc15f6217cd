"""App factory, configuration, health check and front page."""

from __future__ import annotations

import pytest

from registry import create_app
from registry.config import ConfigurationError
from tests.factories import make_institution


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value-from-the-deployment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_defaults_to_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/registry.sqlite3"


def test_healthz_reports_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database():
    app = create_app({"TESTING": True,
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_front_page_counts_the_register(client, session):
    make_institution(session, type="dental")
    response = client.get("/")
    assert response.status_code == 200
    assert "1 dental" in response.get_data(as_text=True)


def test_pages_carry_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
