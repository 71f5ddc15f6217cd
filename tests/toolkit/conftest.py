"""Toolkit fixtures: sample record folders, a CLI runner, and a real registry over HTTP."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry_toolkit.samples import write_pilot, write_sample


@pytest.fixture(autouse=True)
def quiet_and_local(monkeypatch):
    """No progress bars, no proxy for 127.0.0.1, no token or URL from the environment."""
    monkeypatch.setenv("REGISTRY_TOOLKIT_PROGRESS", "off")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.delenv("REGISTRY_TOKEN", raising=False)
    monkeypatch.delenv("REGISTRY_URL", raising=False)


@pytest.fixture
def cli_runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def pilot_dir(tmp_path) -> Path:
    """The records of the published pilot (52 invited, 33 responded to the needs survey)."""
    folder = tmp_path / "pilot"
    write_pilot(folder)
    return folder


@pytest.fixture
def sample_dir(tmp_path) -> Path:
    folder = tmp_path / "sample"
    write_sample(folder, seed=7)
    return folder


def read_rows(path: Path) -> list[list[str]]:
    """Read a CSV file as rows (header first)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: Iterable[Iterable[object]]) -> None:
    """Write rows (header first) to a CSV file."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def edit_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV file; row counts as a spreadsheet does (header is row 1)."""
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def add_column(path: Path, name: str, values: Iterable[str]) -> None:
    """Append a column (header name, then one value per data row)."""
    header, *rows = read_rows(path)
    values = list(values)
    write_rows(path, [[*header, name],
                      *([*row, values[i % len(values)]] for i, row in enumerate(rows))])


@dataclass(frozen=True)
class RegistryServer:
    url: str
    token: str
    engine: object


@pytest.fixture(scope="module")
def registry_server(tmp_path_factory):
    """The registry app itself, on a fresh migrated SQLite database, served on 127.0.0.1."""
    from sqlalchemy.orm import Session
    from werkzeug.serving import make_server

    from registry import create_app
    from registry.db import make_engine
    from registry.migrate import upgrade
    from registry.services.register.register import load_reference_data
    from tests.databases import fresh_sqlite_database
    from tests.factories import make_college_token, make_institution, make_period

    with fresh_sqlite_database(tmp_path_factory.mktemp("registry")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            college = make_institution(session, code="SD-MED-PVT-001")
            make_period(session, "2020")
            token = make_college_token(session, college)
            session.commit()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield RegistryServer(f"http://127.0.0.1:{server.server_port}", token, engine)
        server.shutdown()
        thread.join()
        app.extensions["registry.engine"].dispose()
        engine.dispose()
