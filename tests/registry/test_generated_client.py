"""An integrator's view: a Python client generated from the app's own OpenAPI document with
openapi-python-client (warnings are failures) runs a college's journey against a live
registry, reading typed objects back."""

from __future__ import annotations

import copy
import importlib
import json
import subprocess
import sys
import threading
from dataclasses import dataclass

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy.orm import Session

from tests.conftest import DATABASES, fresh_database

PACKAGE = "registry_client"
# Media types the generator has no built-in reading for: the XLSX template is bytes, the
# SDMX-ML structure message is text.
GENERATOR_CONFIG = {
    "post_hooks": [],
    "content_type_overrides": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
            "application/octet-stream",
        "application/vnd.sdmx.structure+xml; version=2.1": "text/plain",
    },
}


@dataclass(frozen=True)
class LiveRegistry:
    url: str
    token: str
    institution: str
    period: str
    release_id: int


def own_spec() -> dict:
    from registry import create_app

    return create_app({"DATABASE_URL": "sqlite://", "TESTING": True}).test_client().get(
        "/openapi.json").json


@pytest.fixture(scope="module")
def spec() -> dict:
    return own_spec()


@pytest.fixture(scope="module")
def generated(spec, tmp_path_factory):
    """The client package generated from the spec, importable."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(json.dumps(spec))
    (folder / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path",
         str(folder / "openapi.json"), "--config", str(folder / "config.json"), "--meta",
         "none", "--output-path", str(folder / PACKAGE), "--fail-on-warning"],
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture(scope="module", params=DATABASES)
def live_registry(request, tmp_path_factory):
    """The registry on a fresh migrated database, served on 127.0.0.1 by a thread."""
    from werkzeug.serving import make_server

    from registry import create_app
    from registry.db import make_engine
    from registry.migrate import upgrade
    from registry.services.register.register import load_reference_data
    from tests.factories import make_college_token
    from tests.registry.access_world import make_release, make_world

    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_reference_data(session)
            world = make_world(session)
            token = make_college_token(session, world.own)
            release = make_release(world, published=True)
            live = (world.own.code, world.period.code, release.id)
            session.commit()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test",
                          "PIPELINE_MODE": "off"})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield LiveRegistry(f"http://127.0.0.1:{server.server_port}", token, *live)
        server.shutdown()
        thread.join()
        app.extensions["registry.engine"].dispose()
        engine.dispose()


def example_return(spec: dict) -> dict:
    body = spec["paths"]["/api/v1/returns"]["post"]["requestBody"]
    return copy.deepcopy(body["content"]["application/json"]["example"])


def test_the_specs_example_return_meets_the_json_schema(spec):
    from schemas.jsonschema import return_json_schema

    validator = Draft202012Validator(return_json_schema(),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert not list(validator.iter_errors(example_return(spec)))


def test_the_example_return_round_trips_through_the_generated_model(spec, generated):
    from registry_client.models import ReturnV1

    example = example_return(spec)
    model = ReturnV1.from_dict(example)
    assert model.header.institution_code == example["header"]["institution_code"]
    assert model.to_dict() == example


def test_a_college_journey_through_the_generated_client(spec, generated, live_registry):
    from registry_client import AuthenticatedClient
    from registry_client.api.periods import list_periods
    from registry_client.api.quality import get_quality_report
    from registry_client.api.releases import get_release_csv
    from registry_client.api.returns import get_return_version, submit_return, validate_return
    from registry_client.api.standard import get_xlsx_template
    from registry_client.models import (
        DryRun,
        QualityReport,
        ReturnStatus,
        ReturnV1,
        Submission,
        VersionDetail,
    )

    live = live_registry
    client = AuthenticatedClient(base_url=live.url, token=live.token)
    assert live.period in [p.code for p in list_periods.sync(client=client)]

    payload = example_return(spec)
    payload["header"].update(institution_code=live.institution, period_code=live.period)
    body = ReturnV1.from_dict(payload)

    dry_run = validate_return.sync(client=client, body=body)
    assert isinstance(dry_run, DryRun)
    assert (dry_run.valid, dry_run.adds_programme, dry_run.version) == (True, True, 1)

    submitted = submit_return.sync(client=client, body=body, idempotency_key="journey-1")
    assert isinstance(submitted, Submission)
    assert (submitted.version, submitted.status) == (1, ReturnStatus.SUBMITTED)

    version = get_return_version.sync(submitted.id, 1, client=client)
    assert isinstance(version, VersionDetail)
    assert version.payload.to_dict() == payload

    report = get_quality_report.sync(submitted.id, 1, client=client)
    assert isinstance(report, QualityReport)
    assert (report.return_id, report.version, report.latest) == (submitted.id, 1, True)
    assert isinstance(report.counts.errors, int) and isinstance(report.issues, list)

    template = get_xlsx_template.sync(client=client)
    assert template.payload.read()[:2] == b"PK"  # a zip container, as XLSX files are

    export = get_release_csv.sync(live.release_id, client=client)
    assert export.startswith("indicator,stratum")
