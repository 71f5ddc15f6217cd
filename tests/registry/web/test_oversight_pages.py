"""University and regulator pages: status grid, compliance tracker, periods."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from registry.models import Period
from tests.factories import bearer, make_institution, return_payload


def submit(client, token, institution):
    response = client.post("/api/v1/returns", json=return_payload(institution),
                           headers=bearer(token))
    assert response.status_code == 201


def test_university_grid_shows_only_affiliated_colleges(as_university, client, college,
                                                       other_college, period, token):
    submit(client, token, college)
    page = as_university.get("/university").get_data(as_text=True)
    assert college.code in page
    assert other_college.code not in page


def test_regulator_tracker_marks_submitted_and_missing(as_regulator, client, session, college,
                                                      other_college, period, token):
    from registry.services.accounts.actors import Actor
    from registry.services.register.programmes import register_programme

    submit(client, token, college)
    actor = Actor(label="t", role="college", institution_id=other_college.id)
    register_programme(session, actor, other_college, code="UG-1", name="UG", level="undergraduate",
                       model="group", disciplines=["medicine"], start_date=None)
    export = as_regulator.get("/regulator/compliance?period=2025&format=csv")
    rows = {r["institution"]: r for r in csv.DictReader(io.StringIO(export.get_data(as_text=True)))}
    assert rows[college.code]["state"] == "pending"
    assert rows[college.code]["on_time"] == "yes"
    assert rows[other_college.code]["state"] == "not_yet_due"


def test_tracker_export_defuses_spreadsheet_formulas(as_regulator, session, period):
    make_institution(session, code="EVIL-1", name="=HYPERLINK(\"http://x\")")
    export = as_regulator.get("/regulator/compliance?period=2025&format=csv")
    assert "'=HYPERLINK" in export.get_data(as_text=True)


def test_national_dashboard_shows_periods_and_provinces(as_regulator, client, college, period,
                                                       token):
    submit(client, token, college)
    page = as_regulator.get("/regulator").get_data(as_text=True)
    assert "Returns by period" in page
    assert "Khyber Pakhtunkhwa" in page
    assert "<svg" in page and "<table>" in page


def test_national_dashboard_links_to_a_university_side_by_side(as_regulator):
    page = as_regulator.get("/regulator").get_data(as_text=True)
    assert 'href="/university/side-by-side"' in page


def test_regulator_opens_a_period_through_the_form(as_regulator, session):
    response = as_regulator.post("/regulator/periods", data={
        "action": "create", "code": "2027-28", "name": "Academic year 2027-28",
        "starts_on": "2027-09-01", "ends_on": "2028-08-31", "opens_at": "2028-09-01",
        "due_at": "2028-11-30", "closes_at": "2028-12-31"})
    assert response.status_code == 302
    assert session.scalar(select(Period).where(Period.code == "2027-28")) is not None


def test_period_form_with_inconsistent_dates_shows_the_problem(as_regulator):
    response = as_regulator.post("/regulator/periods", data={
        "action": "create", "code": "X", "name": "X", "starts_on": "2027-09-01",
        "ends_on": "2028-08-31", "opens_at": "2028-09-01", "due_at": "2029-11-30",
        "closes_at": "2028-12-31"})
    assert response.status_code == 422
    assert "inconsistent" in response.get_data(as_text=True)


def test_university_cannot_open_regulator_pages(as_university):
    assert as_university.get("/regulator/periods").status_code == 403


def test_national_dashboard_links_each_province_to_its_rows_in_the_tracker(
        as_regulator, client, college, period, token):
    submit(client, token, college)
    page = as_regulator.get("/regulator?type=medical").get_data(as_text=True)
    assert (f'href="/regulator/compliance?period={period.code}&amp;province=KP&amp;'
            'type=medical">Khyber Pakhtunkhwa</a>') in page


def test_an_extension_granted_on_the_periods_page_names_its_day_in_the_one_date_format(
        as_regulator, college, period):
    response = as_regulator.post("/regulator/periods", data={
        "action": "extension", "period": period.code, "institution": college.code,
        "until": "2030-03-05", "reason": "flooding"}, follow_redirects=True)
    assert (f"{college.code} may submit for {period.code} until 5 March 2030."
            in response.get_data(as_text=True))
