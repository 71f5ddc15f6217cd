"""A college's trend: its own series against the national and peer medians, per period."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import Institution
from registry.services.accounts.actors import Actor
from registry.services.errors import PermissionDenied
from registry.services.releases.comparison import trend
from tests.registry.benchmark_data import two_published_periods
from tests.registry.web.conftest import log_in_as


@pytest.fixture
def published(session):
    return two_published_periods(session)


def colleges_of(session) -> list[Institution]:
    """The seven colleges of `two_published_periods`, in code order."""
    return list(session.scalars(select(Institution).where(Institution.code.like("KP-BEN-%"))
                                .order_by(Institution.code)))


def test_the_trend_has_a_point_per_period_with_its_release_status(session, published):
    college = colleges_of(session)[0]
    points = trend(session, Actor.system("t"), college, "coverage")
    assert [(p["period"], p["status"], p["release"]) for p in points] == [
        ("2023", "provisional", published["a"].number), ("2024", "final", published["c"].number)]
    assert [p["value"] for p in points] == [pytest.approx(30 / 50), pytest.approx(40 / 50)]
    assert points[0]["national_median"] == pytest.approx(36 / 50)


def test_the_peer_median_appears_when_enough_other_colleges_stand_behind_it(session, published):
    college = colleges_of(session)[0]
    points = trend(session, Actor.system("t"), college, "coverage")
    assert all(p["peer_median"] is not None for p in points)  # six others, minimum five


def test_another_college_cannot_read_the_trend(session, published):
    first, second = colleges_of(session)[:2]
    with pytest.raises(PermissionDenied):
        trend(session, Actor(label="c", role="college", institution_id=second.id), first,
              "coverage")


def test_the_comparison_page_draws_the_trend_beside_its_table(client, session, published):
    college = colleges_of(session)[0]
    log_in_as(client, session, "college", institution_id=college.id,
              university_id=college.university_id)
    html = client.get("/college/comparison?indicator=coverage").get_data(as_text=True)
    assert "your college against the national median and your peers" in html
    assert "<th scope=\"col\">Peers' median</th>" in html
