"""`registry audit-disclosure`: the attacker's audit of a period's stored releases, one row
per release, for the regulator's analyst."""

from __future__ import annotations

from registry.services.accounts.actors import Actor
from registry.services.releases import releases as service
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period, payload_with, seven_colleges

SYSTEM = Actor.system("test")


def rows(output: str) -> list[dict[str, str]]:
    lines = [line.split(" | ") for line in output.strip().splitlines()]
    header, body = lines[0], lines[2:]
    return [dict(zip(header, line, strict=True)) for line in body]


def test_audit_disclosure_prints_one_row_per_release_of_the_period(runner, session):
    period = closed_period(session)
    seven_colleges(session, period)
    dental = make_institution(session, code="KP-DEN-1", type="dental")  # a primary cell
    add_return(session, dental, period, payload_with(dental, period, "undergraduate"))
    release = service.build_release(session, SYSTEM, period, service.ReleaseSettings(),
                                    run_id="run-1")
    result = runner.invoke(args=["registry", "audit-disclosure", "--period", period.code])
    assert result.exit_code == 0, result.output
    [row] = rows(result.output)
    assert row["release"] == f"{release.number} provisional {period.code} (unpublished)"
    assert int(row["primary"]) > 0 and int(row["sensitive withheld"]) > 0
    assert row["unprotected"] == row["pinned"] == "0"
    assert float(row["smallest range ÷ value"]) > 0


def test_audit_disclosure_names_a_period_it_does_not_know(runner, session):
    result = runner.invoke(args=["registry", "audit-disclosure", "--period", "1999"])
    assert result.exit_code != 0
    assert "No reporting period '1999'." in result.output
