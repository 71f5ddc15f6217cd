"""The toolkit and the registry it sends to: the address, the period, the source recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import AuditEvent, ReturnVersion
from registry_toolkit import __version__
from registry_toolkit.cli import main
from registry_toolkit.client import returns_url
from registry_toolkit.compiler import compile_records
from tests.factories import make_period

COLLEGE = ["--institution", "SD-MED-PVT-001"]


@pytest.fixture(scope="module")
def registry(registry_server):
    """The registry of the module, with the academic year 2025-26 open beside 2020."""
    with Session(registry_server.engine) as session:
        make_period(session, "2025-26", starts_on=date(2025, 9, 1), ends_on=date(2026, 8, 31))
        session.commit()
    return registry_server


@pytest.fixture
def token_args(tmp_path, registry) -> list[str]:
    path = tmp_path / "registry-token"
    path.write_text(registry.token, encoding="utf-8")
    path.chmod(0o600)
    return ["--token-file", str(path)]


def newest_version(engine) -> ReturnVersion:
    with Session(engine) as session:
        return session.scalar(select(ReturnVersion).order_by(ReturnVersion.id.desc()).limit(1))


@pytest.mark.parametrize("url", ["https://registry.example.pk", "https://registry.example.pk/",
                                 "https://registry.example.pk/api/v1",
                                 "https://registry.example.pk/api/v1/"])
def test_the_url_may_be_the_registrys_root_or_its_api_base(url):
    assert returns_url(url) == "https://registry.example.pk/api/v1/returns"


def test_submit_to_the_api_base_url_reaches_the_returns_endpoint(cli_runner, tmp_path, registry,
                                                                 token_args):
    records = tmp_path / "records"
    cli_runner.invoke(main, ["sample", str(records), "--seed", "11", *COLLEGE])
    result = cli_runner.invoke(main, ["submit", str(records), "--url", f"{registry.url}/api/v1/",
                                      *token_args])
    assert result.exit_code == 0, result.output
    assert f"Sending to {registry.url}/api/v1/returns ..." in result.output


def test_a_url_without_its_scheme_is_a_usage_error(cli_runner, pilot_dir, token_args):
    result = cli_runner.invoke(main, ["submit", str(pilot_dir), "--url", "registry.example.pk",
                                      *token_args])
    assert result.exit_code == 2
    assert "'registry.example.pk' is not a web address" in result.output


def test_a_toolkit_submission_is_recorded_as_source_toolkit_with_its_version(
        cli_runner, tmp_path, registry, token_args):
    records = tmp_path / "records"
    cli_runner.invoke(main, ["sample", str(records), "--seed", "12", *COLLEGE])
    result = cli_runner.invoke(main, ["submit", str(records), "--url", registry.url, *token_args])
    assert result.exit_code == 0, result.output
    version = newest_version(registry.engine)
    assert (version.source, version.client_version) == ("toolkit", __version__)
    with Session(registry.engine) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "return.submit")
                               .order_by(AuditEvent.id.desc()).limit(1))
    assert (event.detail["source"], event.detail["client_version"]) == ("toolkit", __version__)


def test_sample_pilot_takes_the_registrys_open_period_and_keeps_the_pilots_figures(
        cli_runner, tmp_path, pilot_dir, registry):
    records = tmp_path / "pilot-2025"
    result = cli_runner.invoke(main, ["sample", str(records), "--pilot", "--url", registry.url])
    assert result.exit_code == 0, result.output
    assert "period 2025-26: 2025-09-01 to 2026-08-31" in result.output
    moved, published = compile_records(records).payload, compile_records(pilot_dir).payload
    assert moved["header"]["period_code"] == "2025-26"
    for section in ("capacity", "activity", "needs_assessment", "evaluation"):
        assert moved[section] == published[section]


def test_the_pilot_for_the_registrys_open_period_is_accepted(cli_runner, tmp_path, registry,
                                                             token_args):
    records = tmp_path / "pilot-2025"
    cli_runner.invoke(main, ["sample", str(records), "--pilot", "--url", registry.url])
    result = cli_runner.invoke(main, ["submit", str(records), "--url", registry.url, *token_args])
    assert result.exit_code == 0, result.output
    assert "status submitted (HTTP 201)" in result.output
    assert newest_version(registry.engine).payload["header"]["period_code"] == "2025-26"


def test_a_period_the_registry_lacks_is_a_clear_error(cli_runner, tmp_path, registry):
    result = cli_runner.invoke(main, ["sample", str(tmp_path / "x"), "--pilot", "--period",
                                      "2019", "--url", registry.url])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"The registry at {registry.url}: it has no period '2019' (its periods: 2020, "
        "2025-26).")


def test_sample_period_offline_is_an_academic_year(cli_runner, tmp_path):
    records = tmp_path / "records"
    result = cli_runner.invoke(main, ["sample", str(records), "--pilot", "--period", "2024-25"])
    assert result.exit_code == 0, result.output
    assert compile_records(records).payload["header"]["period_code"] == "2024-25"
    assert "period 2024-25: 2024-09-01 to 2025-08-31" in result.output
