"""The release build reads everything first, computes the release in one pure step
(`registry.indicators.build.build_content`), then stores it: the pure step touches no
database, and from the plain data alone it gives the stored release's figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from registry.indicators import exports
from registry.indicators.build import build_content
from registry.services.accounts.actors import Actor
from registry.services.releases import releases as service
from registry.services.releases.indicators import release_inputs
from tests.factories import make_institution
from tests.registry.benchmark_data import add_return, closed_period, payload_with, seven_colleges

SETTINGS = service.ReleaseSettings()
SYSTEM = Actor.system("test")


@pytest.fixture
def period(session):
    period = closed_period(session)
    seven_colleges(session, period)
    return period


@pytest.fixture
def statements(monkeypatch):
    """SQL statements sent during each pure step of real builds, and during whole builds."""
    seen = {"pure": [], "build": [], "calls": 0}
    during = []

    def count(conn, cursor, statement, *args):
        if during:
            seen[during[-1]].append(statement)

    def pure_step(*args, **kwargs):
        seen["calls"] += 1
        during.append("pure")
        try:
            return build_content(*args, **kwargs)
        finally:
            during.pop()

    monkeypatch.setattr(service, "build_content", pure_step)
    event.listen(Engine, "before_cursor_execute", count)
    seen["during"] = during
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


def _build(session, period, run_id, statements, **kwargs):
    statements["during"].append("build")
    try:
        return service.build_release(session, SYSTEM, period, SETTINGS, run_id=run_id, **kwargs)
    finally:
        statements["during"].pop()


def test_the_pure_step_of_a_build_sends_no_statement(session, period, statements):
    first = _build(session, period, "run-1", statements)
    late = make_institution(session, code="KP-BEN-LATE")
    add_return(session, late, period, payload_with(late, period, "undergraduate", enrolled=50))
    final = _build(session, period, "run-2", statements,
                   now=first.built_at + timedelta(days=31))
    assert (first.kind, final.kind) == ("provisional", "final")
    assert statements["calls"] == 2
    assert statements["build"]  # the listener sees the build's reads and writes
    assert statements["pure"] == []


def test_from_the_plain_data_alone_the_pure_step_gives_the_stored_figures(session, period):
    release = service.build_release(session, SYSTEM, period, SETTINGS, run_id="run-1")
    stored = (release.export_csv, release.provenance["return_version_ids"],
              release.provenance["suppression"])
    inputs, _ = release_inputs(session, period, SETTINGS.acceptance_level)
    code = period.code
    session.close()  # nothing below can reach the database
    built = build_content(inputs, SETTINGS, earlier=[], previous=[], final=False)
    assert (exports.to_csv(code, built.content.cells), built.content.return_version_ids,
            built.suppression) == stored
