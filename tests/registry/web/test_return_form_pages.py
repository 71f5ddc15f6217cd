"""The return form section by section: drafts, last period beside each field, focus, findings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from registry.models import Draft, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.submission.submissions import submit_return
from tests.factories import make_period, return_payload
from tests.registry.web.test_college_pages import form_data


def _drafts(session) -> list[Draft]:
    return session.scalars(select(Draft)).all()


def _submit_last_year(session, college, college_user) -> None:
    period = make_period(session, "2024", open_now=False)
    submit_return(session, Actor.for_user(college_user), return_payload(college, "2024", "UG-1"),
                  source="api", now=period.opens_at + timedelta(days=1))


def test_start_page_offers_the_directory_programmes_and_a_new_one(
        as_college, session, college, college_user, period):
    _submit_last_year(session, college, college_user)
    page = as_college.get("/college/submit").get_data(as_text=True)
    assert 'value="UG-1"' in page and 'value="__new__"' in page


def test_the_last_step_says_a_new_programme_will_join_the_directory_as_version_1(
        as_college, period):
    page = as_college.get("/college/submit?period=2025&programme=NEW-9").get_data(as_text=True)
    assert ("Submitting will add programme NEW-9 to the programme directory and store "
            "version 1 of the NEW-9 return for 2025.") in page


def test_the_last_step_names_the_version_a_resubmission_becomes(
        as_college, session, college, college_user, period):
    submit_return(session, Actor.for_user(college_user), return_payload(college, "2025", "UG-1"))
    page = as_college.get("/college/submit?period=2025&programme=UG-1").get_data(as_text=True)
    assert "Submitting will store version 2 of the UG-1 return for 2025." in page


def test_a_new_programme_needs_its_code(as_college, period):
    response = as_college.get("/college/submit?period=2025&programme=__new__&new_programme=")
    assert response.status_code == 422
    assert "Give the new programme" in response.get_data(as_text=True)


def test_fields_start_empty_with_last_periods_value_beside_them(
        as_college, session, college, college_user, period):
    _submit_last_year(session, college, college_user)
    last = return_payload(college, "2024", "UG-1")["capacity"]["enrolled_mentees"]
    page = as_college.get("/college/submit?period=2025&programme=UG-1").get_data(as_text=True)
    assert 'name="capacity.enrolled_mentees" value=""' in page
    assert f'id="f-capacity-enrolled_mentees-last">2024: <strong>{last}</strong>' in page
    assert 'name="programme.name" value="Senior-to-junior' in page  # from the directory entry


def test_saving_a_step_keeps_a_draft_and_opens_the_next_step(as_college, session, period):
    response = as_college.post("/college/submit", data={
        "header.period_code": "2025", "header.programme_code": "NEW-1",
        "programme.name": "Peer mentoring", "goto": "governance"})
    assert response.status_code == 302 and "step=governance" in response.headers["Location"]
    [draft] = _drafts(session)
    assert draft.values["programme.name"] == "Peer mentoring"
    page = as_college.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Peer mentoring"' in page and 'id="step-governance" open' in page
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def test_the_change_since_last_period_is_shown_beside_the_field(
        as_college, session, college, college_user, period):
    _submit_last_year(session, college, college_user)
    last = return_payload(college, "2024", "UG-1")["capacity"]["enrolled_mentees"]
    as_college.post("/college/submit", data={
        "header.period_code": "2025", "header.programme_code": "UG-1",
        "capacity.enrolled_mentees": str(last + 12), "goto": "capacity"})
    page = as_college.get("/college/submit?period=2025&programme=UG-1").get_data(as_text=True)
    assert f'<span class="change">+12 ({12 / last:+.0%})</span>' in page


def test_focus_opens_the_step_and_focuses_the_field_keeping_its_value(
        as_college, session, college, period):
    as_college.post("/college/submit", data=form_data(return_payload(college, "2025", "UG-1")))
    page = as_college.get("/college/submit?period=2025&programme=UG-1"
                          "&focus=capacity.active_mentors").get_data(as_text=True)
    active = return_payload(college)["capacity"]["active_mentors"]
    assert 'id="step-capacity" open' in page and 'id="step-governance" open' not in page
    assert (f'name="capacity.active_mentors" value="{active}" '
            'aria-describedby="f-capacity-active_mentors-hint"') in page
    tag = page[page.index('id="f-capacity-active_mentors"'):]
    assert "autofocus" in tag[:tag.index(">")]


def test_submitting_shows_the_one_return_findings_and_drops_the_draft(
        as_college, session, college, period):
    payload = return_payload(college, "2025", "UG-1",
                             activity={"contact_hours": "not_collected"})
    as_college.post("/college/submit", data={**form_data(payload), "goto": "capacity"})
    response = as_college.post("/college/submit", data=form_data(payload))
    assert response.status_code == 302 and "/college/submitted/" in response.headers["Location"]
    assert _drafts(session) == []
    page = as_college.get(response.headers["Location"]).get_data(as_text=True)
    assert "Q008" in page and "activity.contact_hours" in page and "not_collected" in page
    assert "national rules" in page and "focus=activity.contact_hours" in page


def test_a_draft_can_be_resumed_and_deleted_from_the_start_page(as_college, session, period):
    as_college.post("/college/submit", data={
        "header.period_code": "2025", "header.programme_code": "NEW-1", "goto": "capacity"})
    page = as_college.get("/college/submit").get_data(as_text=True)
    assert "Resume draft NEW-1" in page
    draft = _drafts(session)[0]
    assert as_college.post(f"/college/drafts/{draft.id}/delete").status_code == 302
    assert _drafts(session) == []


def test_the_training_page_fills_an_example_only_when_asked(as_college, session, college, period):
    empty = as_college.get("/college/practice").get_data(as_text=True)
    example = as_college.get("/college/practice?example=1").get_data(as_text=True)
    assert 'name="capacity.enrolled_mentees" value=""' in empty
    enrolled = return_payload(college)["capacity"]["enrolled_mentees"]
    assert f'name="capacity.enrolled_mentees" value="{enrolled}"' in example
    checked = as_college.post("/college/practice", data=form_data(
        return_payload(college, "2025", "PRACTICE")))
    assert "it would be accepted" in checked.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def test_the_training_page_shows_what_the_quality_rules_would_find(as_college, session,
                                                                   college, period):
    crowded = return_payload(college, "2025", "PRACTICE")
    crowded["capacity"].update(active_mentors=2, mentors_trained=2)
    page = as_college.post("/college/practice", data=form_data(crowded)).get_data(as_text=True)
    findings = page[page.index('id="practice-findings"'):]
    assert "Q001" in findings and "24.0 mentees per mentor" in findings
    assert "What to check" in findings
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def test_the_training_page_says_when_no_quality_rule_fires(as_college, college, period):
    page = as_college.post("/college/practice", data=form_data(
        return_payload(college, "2025", "PRACTICE"))).get_data(as_text=True)
    assert "No quality rule that judges one return fires on this one" in page


def test_no_form_starts_with_example_values(as_college, college, period):
    page = as_college.get("/college/submit?period=2025&programme=NEW-2").get_data(as_text=True)
    example = return_payload(college)["programme"]["name"]
    assert example not in page




def test_an_upload_shows_the_findings_of_each_return_it_stored(as_college, session, college,
                                                              period):
    import io

    from schemas.tabular.write import dump_returns_to_csv

    payloads = [return_payload(college, "2025", "UG-1",
                               activity={"contact_hours": "not_collected"}),
                return_payload(college, "2025", "UG-2")]
    response = as_college.post("/college/upload", data={
        "file": (io.BytesIO(dump_returns_to_csv(payloads)), "returns.csv")},
        content_type="multipart/form-data")
    assert "/college/submitted?v=" in response.headers["Location"]
    page = as_college.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 returns received" in page and "Q008" in page
    assert ("None of the 16 within-return and previous-period rules found anything in "
            "version 1 of UG-2") in page


def test_findings_of_another_colleges_return_are_hidden(as_college, client, other_college,
                                                       period, other_token):
    from tests.factories import bearer

    created = client.post("/api/v1/returns", json=return_payload(other_college),
                          headers=bearer(other_token)).json
    assert as_college.get(f"/college/submitted?v={created['id']}:1").status_code == 404
    assert as_college.get("/college/submitted?v=nonsense").status_code == 404


def test_the_form_follows_the_newest_version_the_period_accepts(as_college, session, college):
    make_period(session, "2025", standard_versions=["1.1"])
    page = as_college.get("/college/submit?period=2025&programme=PG-PEER").get_data(as_text=True)
    assert "follows data standard v1.1" in page
    assert 'name="cohort_follow_up.cohorts.0.at_start"' in page
    assert '<option value="not_reported"' in page
    response = as_college.post("/college/submit", data=form_data(return_payload(college)))
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = session.scalars(select(ReturnVersion)).one()
    assert stored.payload["header"]["schema_version"] == "1.1"
    assert "cohort_follow_up" not in stored.payload  # no cohort filled: the section is left out


def test_errors_in_a_cohort_after_an_empty_one_are_shown_beside_that_cohort(
        as_college, session, college):
    make_period(session, "2025", standard_versions=["1.1"])
    data = form_data(return_payload(college))
    for slot, intake in ((0, "2023"), (2, "2024")):  # the second cohort's entry left empty
        entry = f"cohort_follow_up.cohorts.{slot}."
        data.update({entry + "intake_period": intake, entry + "at_start": "10",
                     entry + "still_in_training": "8"})  # the rest of each entry missing
    response = as_college.post("/college/submit", data=data)
    assert response.status_code == 422
    summary = response.get_data(as_text=True).split('id="form-errors"')[1].split("</div>")[0]
    assert 'href="#f-cohort_follow_up-cohorts-2-completed"' in summary
    assert "cohorts-1-" not in summary  # the validator's entry 1 is the form's cohort 2


def test_a_1_0_period_form_has_no_cohort_step(as_college, session, college):
    make_period(session, "2025")
    page = as_college.get("/college/submit?period=2025&programme=PG-PEER").get_data(as_text=True)
    assert "follows data standard v1.0" in page
    assert "cohort_follow_up" not in page and 'value="not_reported"' not in page
