"""The regulator's national dashboard: headline indicators, trends, provinces, compliance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.services.accounts.actors import Actor
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.releases.dashboard import filter_stratum, national_dashboard
from tests.registry.benchmark_data import two_published_periods
from tests.registry.web.conftest import log_in_as

REGULATOR = Actor(label="analyst", role="regulator")
NONE = {"type": None, "sector": None, "province": None, "level": None}


@pytest.fixture
def published(session):
    return two_published_periods(session)


def board(session, **filters):
    return national_dashboard(session, REGULATOR, {**NONE, **filters}, datetime.now(UTC))


def test_a_headline_has_the_latest_value_its_interval_and_the_change(session, published):
    found = board(session)
    coverage = next(h for h in found.headlines if h.indicator == "coverage")
    assert (found.period, found.release, found.status) == ("2024", published["c"].number,
                                                           "final")
    assert coverage.value == pytest.approx(301 / 350)
    assert coverage.ci_low < coverage.value < coverage.ci_high
    assert coverage.previous_period == "2023"
    assert coverage.change == pytest.approx(301 / 350 - 252 / 350)
    assert 'role="img"' in coverage.sparkline and 'role="img"' in coverage.trend
    assert [p["status"] for p in coverage.points] == ["provisional", "final"]


def test_filters_select_the_published_stratum(session, published):
    assert filter_stratum({**NONE, "type": "medical", "sector": "public"}) == \
        "type=medical;sector=public"
    found = board(session, province="KP")
    assert found.label == "Khyber Pakhtunkhwa"
    assert next(h for h in found.headlines if h.indicator == "coverage").value == \
        pytest.approx(301 / 350)


def test_a_group_with_no_colleges_says_so_instead_of_a_figure(session, published):
    coverage = next(h for h in board(session, province="SD").headlines
                    if h.indicator == "coverage")
    assert coverage.value is None and coverage.note == "no figure for this group"


@pytest.mark.parametrize("filters", [{"province": "XX"},
                                     {"sector": "public", "province": "KP"}])
def test_unknown_values_and_unpublished_combinations_are_refused(session, filters):
    with pytest.raises(ValidationFailed):
        filter_stratum({**NONE, **filters})


def test_the_province_tiles_show_published_cells_and_name_the_rest(session, published):
    tiles = {t["code"]: t for t in board(session).province_rows}
    assert tiles["KP"]["value"] == pytest.approx(301 / 350) and tiles["KP"]["institutions"] == 7
    assert tiles["PB"]["value"] is None and tiles["PB"]["suppressed_note"]


def test_compliance_counts_expected_returns_by_province(session, published):
    rows = {r["code"]: r for r in board(session).compliance_rows}
    assert rows["KP"]["Submitted"] == 7 and rows["KP"]["Missing"] == 0


def test_only_the_regulator_sees_the_dashboard(session, published):
    college = Actor(label="c", role="college", institution_id=1)
    with pytest.raises(PermissionDenied):
        national_dashboard(session, college, NONE, datetime.now(UTC))


def test_the_dashboard_page_draws_its_charts_beside_their_tables(client, session, published):
    log_in_as(client, session, "regulator")
    html = client.get("/regulator?type=medical&indicator=coverage").get_data(as_text=True)
    assert "Headline indicators: Medical, 2024" in html
    assert html.count('class="marks chart" role="img"') >= 4
    assert "Coverage by province (medical colleges), 2024" in html
    assert "Compliance, 2024" in html and "<caption>Expected returns by province" in html


def test_an_unpublished_combination_of_filters_is_a_clear_422(client, session, published):
    log_in_as(client, session, "regulator")
    response = client.get("/regulator?sector=public&province=KP")
    assert response.status_code == 422
    assert "choose fewer filters" in response.get_data(as_text=True)


def test_the_filter_refusal_reads_in_urdu_on_an_urdu_page(app, client, session, published):
    app.config["LANGUAGES"] = ("en", "ur")
    log_in_as(client, session, "regulator")
    response = client.get("/regulator?sector=public&province=KP",
                          headers={"Accept-Language": "ur"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "کم فلٹر منتخب کریں" in html and "choose fewer filters" not in html
