"""GET /api/v1/indicators/{code}/series: one point per period with a published release."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from registry.models import Release, ReleasePublication
from registry.services.accounts.actors import Actor
from registry.services.releases import releases
from tests.registry.benchmark_data import two_published_periods

SYSTEM = Actor.system("test")
SETTINGS = releases.ReleaseSettings()


@pytest.fixture
def two_periods(session):
    return two_published_periods(session)


def test_the_series_has_the_newest_published_release_of_each_period(client, two_periods):
    body = client.get("/api/v1/indicators/coverage/series").get_json()
    assert body["indicator"] == "coverage" and body["stratum"] == "national"
    assert [(p["period"], p["release"], p["status"]) for p in body["points"]] == [
        ("2023", two_periods["a"].number, "provisional"),
        ("2024", two_periods["c"].number, "final")]
    assert body["points"][0]["national"]["pooled_rate"] == pytest.approx(252 / 350)
    assert body["points"][1]["national"]["pooled_rate"] == pytest.approx(301 / 350)
    assert [p["break_before"] for p in body["points"]] == [False, False]


def test_an_unpublished_release_stays_out_of_the_series(client, session, two_periods):
    newer = releases.build_release(session, SYSTEM, two_periods["a"].period, SETTINGS,
                                   run_id="d", kind="provisional")
    body = client.get("/api/v1/indicators/coverage/series").get_json()
    assert newer.number > two_periods["c"].number
    assert body["points"][0]["release"] == two_periods["a"].number


def test_the_series_gives_the_stratum_beside_the_national_figures(client, two_periods):
    body = client.get("/api/v1/indicators/coverage/series?stratum=province=KP").get_json()
    first = body["points"][0]
    assert body["stratum"] == "province=KP"
    assert first["stratum"]["institutions"] == 7 and first["national"]["institutions"] == 7
    small = client.get("/api/v1/indicators/coverage/series?stratum=province=SD").get_json()
    assert small["points"][0]["stratum"] is None  # no college there: no cell published


def test_a_change_of_catalogue_version_marks_a_break(client, session, two_periods):
    later = two_periods["c"]
    number = session.scalar(select(func.max(Release.number))) + 1
    changed = Release(
        number=number, period_id=later.period_id, kind="final", acceptance_level="validated",
        min_institutions=5, min_people=23, method_version=later.method_version,
        catalogue_version="1.1", suite_version=later.suite_version, pipeline_run_id="v1.1",
        built_by="test", checksum_sha256="0" * 64, json_sha256="0" * 64, sdmx_sha256="0" * 64,
        export_csv="", export_json="{}", export_sdmx_csv="", method_notes="", provenance={})
    session.add(changed)
    session.flush()
    session.add(ReleasePublication(release_id=changed.id, published_by="test",
                                   published_at=datetime.now(UTC)))
    session.flush()
    points = client.get("/api/v1/indicators/coverage/series").get_json()["points"]
    assert [(p["catalogue_version"], p["break_before"]) for p in points] == [
        ("1.0", False), ("1.1", True)]
    assert points[1]["national"] is None  # the new release has no cells for it


def test_an_unknown_indicator_is_404_in_the_error_shape(client, two_periods):
    response = client.get("/api/v1/indicators/no_such_thing/series")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_an_unknown_stratum_is_422_naming_the_field(client, two_periods):
    response = client.get("/api/v1/indicators/coverage/series?stratum=province=XX")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and "stratum" in error["fields"]


def test_the_series_is_empty_before_anything_is_published(client):
    body = client.get("/api/v1/indicators/coverage/series").get_json()
    assert body["points"] == []


@pytest.fixture
def a_transition(session):
    """2023: seven colleges report v1.0; 2024: the same, three of them in v1.1 with cohorts.

    Coverage as in two_published_periods: 2023 Σ 252 / 350; 2024 Σ 301 / 350.
    """
    import random

    from schemas.cohort_examples import as_version_1_1, synthetic_cohorts
    from tests.registry.benchmark_data import add_return, closed_period, payload_with
    from tests.registry.benchmark_data import seven_colleges as report_v1_0

    earlier, later = closed_period(session, "2023"), closed_period(session, "2024")
    later.standard_versions = ["1.0", "1.1"]
    for k, college in enumerate(report_v1_0(session, earlier)):
        payload = payload_with(college, later, "undergraduate", enrolled=40 + k)
        if k < 3:
            payload = as_version_1_1(payload, synthetic_cohorts(random.Random(k), "2024", 40))
        add_return(session, college, later, payload)
    built = {}
    for period in (earlier, later):
        built[period.code] = releases.build_release(session, SYSTEM, period, SETTINGS,
                                                    run_id=period.code, kind="provisional")
        releases.publish_release(session, SYSTEM, built[period.code])
    return built


def test_a_release_records_the_standard_versions_it_drew_on(a_transition):
    assert a_transition["2023"].provenance["standard_versions"] == ["1.0"]
    assert a_transition["2024"].provenance["standard_versions"] == ["1.0", "1.1"]


def test_a_v1_indicator_read_alike_in_both_versions_does_not_break(client, a_transition):
    points = client.get("/api/v1/indicators/coverage/series").get_json()["points"]
    assert [(p["standard_versions"], p["break_before"], p["break_reasons"]) for p in points] == [
        (["1.0"], False, []), (["1.0", "1.1"], False, [])]


def test_an_indicator_whose_source_fields_changed_meaning_breaks_with_its_reason(
        client, a_transition):
    """The compliance index reads the governance yes/no fields, which 1.1 split into
    yes, no and not reported: its series breaks where 1.1 returns arrive."""
    points = client.get("/api/v1/indicators/compliance_index/series").get_json()["points"]
    assert [(p["standard_versions"], p["break_before"], p["break_reasons"]) for p in points] == [
        (["1.0"], False, []), (["1.0", "1.1"], True, ["standard_versions"])]


def test_v1_figures_are_the_same_across_the_break(client, a_transition):
    points = client.get("/api/v1/indicators/coverage/series").get_json()["points"]
    assert points[1]["national"]["pooled_rate"] == pytest.approx(301 / 350)


def test_a_cohort_indicator_draws_on_version_1_1_only(client, a_transition):
    points = client.get("/api/v1/indicators/cohort_retention_1y/series").get_json()["points"]
    assert [p["standard_versions"] for p in points] == [[], ["1.1"]]
    assert points[0]["national"] is None  # no v1.1 return in 2023: nothing published
    assert [p["break_before"] for p in points] == [False, False]  # the series starts


def test_the_json_export_names_the_standard_versions_it_drew_on(a_transition):
    import json

    method = json.loads(a_transition["2024"].export_json)["method"]
    assert method["standard_versions"] == (
        "Return data standard versions of the counted returns: 1.0, 1.1.")
    assert "Standard versions: Return data standard versions of the counted returns: 1.0" \
        in a_transition["2024"].method_notes
