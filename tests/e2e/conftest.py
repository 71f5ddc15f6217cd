"""End-to-end fixtures: the registry served on loopback, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from pipelines.tasks.quality import run_quality_checks
from registry import create_app
from registry.db import make_engine
from registry.demo.seed import seed_demo
from registry.migrate import upgrade
from registry.services.accounts.actors import Actor
from tests.databases import fresh_sqlite_database

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true and Debian's chromium is not installed", pytrace=False)
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def live_registry(tmp_path_factory):
    """The demo registry (migrated SQLite, demo data, English and Urdu) served on 127.0.0.1."""
    require_chromium()
    with fresh_sqlite_database(tmp_path_factory.mktemp("e2e")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            seed_demo(session, Actor.system("e2e"))
            session.commit()
        run_quality_checks(url)  # the registry_quality task: Great Expectations, for real
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "e2e-secret",
                          "PIPELINE_MODE": "off", "LANGUAGES": ("en", "ur")})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield {"url": f"http://127.0.0.1:{server.server_port}", "engine": engine, "app": app}
        finally:
            server.shutdown()
            engine.dispose()
            app.extensions["registry.engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artifact (artifacts/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base: str, email: str, password: str = "mentoring-demo") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
