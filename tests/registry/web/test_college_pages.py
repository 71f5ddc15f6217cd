"""College pages: status, form submission with errors beside fields, upload, tokens."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from registry.models import ApiToken, ReturnVersion
from registry.services.submission.return_form import values_from_payload
from schemas.tabular.write import dump_returns_to_csv
from tests.factories import bearer, return_payload


def form_data(payload):
    data = {}
    for path, value in values_from_payload(payload).items():
        data[path] = value.split(";") if path in (
            "programme.disciplines", "governance.mentor_incentives", "evaluation.barriers") \
            else value
    return data


def versions(session):
    return session.scalar(select(func.count()).select_from(ReturnVersion))


def test_dashboard_lists_the_open_period_programmes(as_college, college, period):
    as_college.post("/college/submit", data=form_data(return_payload(college)))
    page = as_college.get("/college").get_data(as_text=True)
    assert "Open period 2025" in page
    assert "PG-PEER" in page


def test_form_submission_creates_a_version(as_college, session, college, period):
    response = as_college.post("/college/submit", data=form_data(return_payload(college)))
    assert response.status_code == 302
    assert versions(session) == 1


def test_form_errors_appear_beside_their_field(as_college, session, college, period):
    payload = return_payload(college)
    payload["capacity"]["mentors_trained"] = payload["capacity"]["active_mentors"] + 3
    response = as_college.post("/college/submit", data=form_data(payload))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-capacity-mentors_trained-error"' in page
    assert versions(session) == 0


def test_form_keeps_what_was_typed_after_an_error(as_college, college, period):
    payload = return_payload(college)
    payload["capacity"]["active_mentors"] = "twelve"
    page = as_college.post("/college/submit", data=form_data(payload)).get_data(as_text=True)
    assert 'value="twelve"' in page


def test_upload_lists_every_bad_cell_and_stores_nothing(as_college, session, college, period):
    payloads = [return_payload(college, programme_code=f"P-{n}") for n in range(2)]
    payloads[0]["needs_assessment"]["responded"] = 500
    payloads[1]["capacity"]["active_mentors"] = -1
    response = as_college.post("/college/upload", data={
        "file": (io.BytesIO(dump_returns_to_csv(payloads)), "returns.csv")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "row 2" in page and "row 3" in page
    assert versions(session) == 0


def test_upload_of_a_good_file_stores_every_return(as_college, session, college, period):
    payloads = [return_payload(college, programme_code=f"P-{n}") for n in range(2)]
    response = as_college.post("/college/upload", data={
        "file": (io.BytesIO(dump_returns_to_csv(payloads)), "returns.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert versions(session) == 2


def test_return_page_shows_version_history(as_college, session, college, period):
    as_college.post("/college/submit", data=form_data(return_payload(college)))
    response = as_college.post("/college/submit", data=form_data(return_payload(college)))
    return_id = response.headers["Location"].split("/")[-2]  # /college/submitted/<id>/<version>
    page = as_college.get(f"/college/returns/{return_id}").get_data(as_text=True)
    assert "Version 2 as received" in page


def test_token_page_shows_a_new_secret_once(as_college, session):
    first = as_college.post("/college/tokens", data={"name": "toolkit"}).get_data(as_text=True)
    again = as_college.get("/college/tokens").get_data(as_text=True)
    token = session.scalar(select(ApiToken))
    assert 'id="new-token"' in first and 'id="new-token"' not in again
    assert token.prefix in again


def test_token_page_creates_a_token_with_the_chosen_lifetime(as_college, session):
    as_college.post("/college/tokens", data={"name": "term", "lifetime_days": "90"})
    token = session.scalar(select(ApiToken).where(ApiToken.name == "term"))
    assert (token.expires_at - token.created_at).days in (89, 90)
    expiry = f"{token.expires_at.day} {token.expires_at:%B %Y}"  # the house date format
    assert expiry in as_college.get("/college/tokens").get_data(as_text=True)


def test_token_page_refuses_a_lifetime_it_does_not_offer(as_college, session):
    page = as_college.post("/college/tokens", data={"name": "x", "lifetime_days": "9999"})
    assert "A token lives 30, 90, 180, 365 days." in page.get_data(as_text=True)
    assert session.scalar(select(ApiToken).where(ApiToken.name == "x")) is None


def test_college_cannot_open_regulator_or_university_pages(as_college):
    assert as_college.get("/regulator").status_code == 403
    assert as_college.get("/regulator/compliance").status_code == 403
    assert as_college.get("/university").status_code == 403


def test_college_cannot_open_another_colleges_return(as_college, client, session, other_college,
                                                     period, other_token):
    from tests.factories import bearer

    created = client.post("/api/v1/returns", json=return_payload(other_college),
                          headers=bearer(other_token)).json
    assert as_college.get(f"/college/returns/{created['id']}").status_code == 404


def test_the_versions_table_shows_a_toolkit_submission_with_its_version(as_college, college,
                                                                        period, token):
    created = as_college.post("/api/v1/returns", json=return_payload(college), headers={
        **bearer(token), "Registry-Client": "registry-toolkit/0.1.0"}).json
    page = as_college.get(f"/college/returns/{created['id']}").get_data(as_text=True)
    assert "<td>toolkit 0.1.0</td>" in page


URDU_COLLEGE_PAGES = ("/college", "/college/submit",
                      "/college/submit?period=2025&programme=PG-PEER", "/college/upload",
                      "/college/tokens", "/college/practice?example=1",
                      "/college/returns/{return_id}", "/college/submitted/{return_id}/1")


def test_every_college_page_answers_in_urdu_right_to_left(app, as_college, college, period):
    app.config["LANGUAGES"] = ("en", "ur")
    response = as_college.post("/college/submit", data=form_data(return_payload(college)))
    return_id = int(response.headers["Location"].split("/")[-2])
    as_college.post("/language", data={"language": "ur", "next": "/college"})
    for path in URDU_COLLEGE_PAGES:
        page = as_college.get(path.format(return_id=return_id))
        html = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert 'dir="rtl"' in html, path
        assert "API ٹوکن" in html, path  # the navigation, from the Urdu catalogue
