"""Peer comparison: who may see which comparison, and that peers stay anonymous aggregates."""

from __future__ import annotations

import json

import pytest

from registry.services.accounts.actors import Actor
from registry.services.releases import releases as service
from tests.factories import bearer, make_institution
from tests.registry.benchmark_data import (
    add_return,
    api_token,
    closed_period,
    college_token,
    payload_with,
    seven_colleges,
)

SYSTEM = Actor.system("test")


@pytest.fixture
def period(session):
    return closed_period(session)


@pytest.fixture
def colleges(session, period):
    """Seven KMU colleges plus one Sindh college (DUHS) with its own return."""
    found = seven_colleges(session, period)
    sindh = make_institution(session, code="SD-BEN-1", province_code="SD", university="DUHS")
    add_return(session, sindh, period, payload_with(sindh, period, "undergraduate"))
    release = service.build_release(session, SYSTEM, period, service.ReleaseSettings(),
                                    run_id="run-1")
    service.publish_release(session, SYSTEM, release)
    return [*found, sindh]


def comparison(client, token, code, period, **params):
    query = "&".join(f"{k}={v}" for k, v in {"period": period.code, **params}.items())
    return client.get(f"/api/v1/institutions/{code}/comparison?{query}", headers=bearer(token))


def coverage(body) -> dict:
    return next(i for i in body["indicators"] if i["indicator"] == "coverage")


def test_a_college_sees_its_own_comparison(client, session, period, colleges):
    response = comparison(client, college_token(session, colleges[0]), "KP-BEN-0", period)
    assert response.status_code == 200, response.json
    row = coverage(response.json)
    assert row["value"] == pytest.approx(0.6)  # 30 / 50
    # peers: the seven KP colleges (30..42 of 50) and the Sindh one (40 of 50), all public
    # medical: sorted .60 .64 .68 .72 .76 .80 .80 .84 → median (.72 + .76) / 2
    assert row["peers"]["institutions"] == 8 and row["peers"]["median"] == pytest.approx(0.74)
    assert row["national"]["median"] == pytest.approx(0.74)
    assert row["adjusted"]["flag"] in ("as_expected", "higher", "lower")


def test_a_college_cannot_see_another_colleges_comparison(client, session, period, colleges):
    token = college_token(session, colleges[0])
    assert comparison(client, token, "KP-BEN-1", period).status_code == 403


def test_a_comparison_holds_no_other_college_individually(client, session, period, colleges):
    body = comparison(client, college_token(session, colleges[0]), "KP-BEN-0",
                      period).json
    text = json.dumps(body)
    for other in colleges[1:]:
        assert other.code not in text
    for row in body["indicators"]:
        assert set(row["peers"]) <= {"institutions", "median", "pooled_rate", "p25", "p75",
                                     "withheld"}
        assert row["national"] is None or "values" not in row["national"]


def test_peer_figures_need_at_least_five_other_colleges(client, session, period, colleges):
    # a private dental college alone in its peer group (type and sector) gets no peer figures
    lone = make_institution(session, code="SD-DEN-PVT-1", type="dental", sector="private",
                            province_code="SD", university="DUHS")
    add_return(session, lone, period, payload_with(lone, period, "undergraduate"))
    release = service.build_release(session, SYSTEM, period, service.ReleaseSettings(),
                                    run_id="run-2")
    service.publish_release(session, SYSTEM, release)
    body = comparison(client, college_token(session, lone), lone.code, period).json
    row = coverage(body)
    assert row["peers"] == {"institutions": None, "withheld": "fewer_peers_than_minimum"}
    assert row["contribution"] is None


def test_a_university_sees_only_its_affiliated_colleges(client, session, period, colleges):
    kmu = colleges[0].university_id
    token = api_token(session, "university", university_id=kmu)
    assert comparison(client, token, "KP-BEN-3", period).status_code == 200
    assert comparison(client, token, "SD-BEN-1", period).status_code == 403


def test_the_regulator_sees_every_comparison(client, session, period, colleges):
    token = api_token(session, "regulator")
    assert comparison(client, token, "SD-BEN-1", period).status_code == 200


def test_a_university_defines_a_peer_group_of_five_or_more(client, session, period, colleges):
    token = api_token(session, "university", university_id=colleges[0].university_id)
    members = [c.code for c in colleges[:5]]
    created = client.post("/api/v1/peer-groups", json={"name": "KP five", "members": members},
                          headers=bearer(token))
    assert created.status_code == 201, created.json
    too_small = client.post("/api/v1/peer-groups", json={"name": "four",
                                                         "members": members[:4]},
                            headers=bearer(token))
    assert too_small.status_code == 422
    group_id = created.json["id"]
    body = comparison(client, token, "KP-BEN-6", period, peer_group=group_id).json
    peers = coverage(body)["peers"]
    # KP-BEN-0..4 are 30..38 of 50: median 34/50
    assert (peers["institutions"], peers["median"]) == (5, pytest.approx(0.68))
    own_group = comparison(client, token, "KP-BEN-0", period, peer_group=group_id).json
    assert coverage(own_group)["peers"]["withheld"] == "fewer_peers_than_minimum"


def test_a_college_cannot_define_peer_groups(client, session, period, colleges):
    token = college_token(session, colleges[0])
    response = client.post("/api/v1/peer-groups", json={
        "name": "mine", "members": [c.code for c in colleges[:5]]}, headers=bearer(token))
    assert response.status_code == 403


def test_peer_groups_of_another_university_stay_private(client, session, period, colleges):
    regulator = api_token(session, "regulator")
    created = client.post("/api/v1/peer-groups", json={
        "name": "national five", "members": [c.code for c in colleges[:5]]},
        headers=bearer(regulator)).json
    duhs = api_token(session, "university", university_id=colleges[-1].university_id)
    assert client.get(f"/api/v1/peer-groups/{created['id']}",
                      headers=bearer(duhs)).status_code == 404
    assert client.get("/api/v1/peer-groups", headers=bearer(duhs)).json == []
