"""Pages where universities and the regulator define, view and delete peer groups."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, PeerGroup
from registry.services.accounts.actors import Actor
from registry.services.register.peer_groups import create_peer_group
from tests.factories import make_institution
from tests.registry.web.conftest import log_in_as


@pytest.fixture
def colleges(session):
    return [make_institution(session, code=f"KP-PG-{k}", name=f"Peer College {k}")
            for k in range(6)]


@pytest.fixture
def kmu(colleges):
    return colleges[0].university_id


@pytest.fixture
def group(session, colleges, kmu):
    owner = Actor(label="user:owner", role="university", university_id=kmu)
    return create_peer_group(session, owner, "Large KP colleges", [c.code for c in colleges[:5]])


def stored(session, group_id: int) -> int | None:
    """The group's id as the database has it now (not the session's identity map)."""
    return session.scalar(select(PeerGroup.id).where(PeerGroup.id == group_id))


def test_a_university_lists_its_peer_groups(client, session, group, kmu):
    log_in_as(client, session, "university", university_id=kmu)
    html = client.get("/peer-groups").get_data(as_text=True)
    assert f'href="/peer-groups/{group.id}">Large KP colleges</a>' in html


def test_another_university_does_not_see_the_group_in_its_list(client, session, group, kmu):
    log_in_as(client, session, "university", university_id=kmu + 1)
    assert "Large KP colleges" not in client.get("/peer-groups").get_data(as_text=True)


def test_the_regulator_sees_every_universitys_groups(client, session, group):
    log_in_as(client, session, "regulator")
    assert "Large KP colleges" in client.get("/peer-groups").get_data(as_text=True)


def test_a_university_creates_a_group_of_five_colleges(client, session, colleges, kmu):
    log_in_as(client, session, "university", university_id=kmu)
    response = client.post("/peer-groups/new", data={
        "name": "Five of KP", "members": [c.code for c in colleges[1:6]]})
    created = session.scalar(select(PeerGroup).where(PeerGroup.name == "Five of KP"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/peer-groups/{created.id}"
    assert sorted(m.institution.code for m in created.members) == [
        c.code for c in colleges[1:6]]


def test_a_group_of_four_is_refused_with_the_reason_beside_the_members(client, session,
                                                                       colleges, kmu):
    log_in_as(client, session, "university", university_id=kmu)
    response = client.post("/peer-groups/new", data={
        "name": "Too small", "members": [c.code for c in colleges[:4]]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error" id="members-error">4 given; at least 5</p>' in html
    assert 'value="KP-PG-0" checked' in html  # the choice is kept for correcting


def test_a_group_without_a_name_is_refused_beside_the_name(client, session, colleges, kmu):
    log_in_as(client, session, "university", university_id=kmu)
    response = client.post("/peer-groups/new", data={
        "name": "  ", "members": [c.code for c in colleges[:5]]})
    assert response.status_code == 422
    assert '<p class="error" id="name-error">a name is required</p>' in response.get_data(
        as_text=True)


def test_the_form_offers_every_college_on_the_register(client, session, colleges, kmu):
    log_in_as(client, session, "university", university_id=kmu)
    html = client.get("/peer-groups/new").get_data(as_text=True)
    assert html.count('type="checkbox" name="members"') == len(colleges)


def test_a_university_views_a_group_with_its_members(client, session, group, kmu):
    log_in_as(client, session, "university", university_id=kmu)
    html = client.get(f"/peer-groups/{group.id}").get_data(as_text=True)
    assert "<td>KP-PG-4</td><td>Peer College 4</td>" in html
    assert "<td>KP-PG-5</td>" not in html


def test_another_universitys_group_is_not_found(client, session, group, kmu):
    log_in_as(client, session, "university", university_id=kmu + 1)
    assert client.get(f"/peer-groups/{group.id}").status_code == 404


def test_a_university_deletes_its_group(client, session, group, kmu):
    group_id = group.id
    log_in_as(client, session, "university", university_id=kmu)
    response = client.post(f"/peer-groups/{group_id}/delete")
    assert response.status_code == 302
    assert stored(session, group_id) is None


def test_deleting_a_group_is_on_the_audit_trail(client, session, group, kmu):
    group_id = group.id
    log_in_as(client, session, "university", university_id=kmu)
    client.post(f"/peer-groups/{group_id}/delete")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "peer_group.delete"))
    assert event.object_id == str(group_id) and "Large KP colleges" in event.before


def test_another_university_cannot_delete_the_group(client, session, group, kmu):
    log_in_as(client, session, "university", university_id=kmu + 1)
    assert client.post(f"/peer-groups/{group.id}/delete").status_code == 404
    assert stored(session, group.id) == group.id


def test_colleges_cannot_open_the_peer_group_pages(client, session, colleges, kmu):
    log_in_as(client, session, "college", institution_id=colleges[0].id, university_id=kmu)
    assert client.get("/peer-groups").status_code == 403


def test_the_group_forms_carry_a_csrf_token(app, client, session, group, kmu):
    app.config["WTF_CSRF_ENABLED"] = True
    log_in_as(client, session, "university", university_id=kmu)
    for url in ("/peer-groups/new", f"/peer-groups/{group.id}"):
        assert 'name="csrf_token" value="' in client.get(url).get_data(as_text=True)


def test_a_delete_without_its_csrf_token_is_refused(app, client, session, group, kmu):
    app.config["WTF_CSRF_ENABLED"] = True
    log_in_as(client, session, "university", university_id=kmu)
    assert client.post(f"/peer-groups/{group.id}/delete").status_code == 400
    assert stored(session, group.id) == group.id


def test_the_comparison_page_uses_a_chosen_peer_group(client, session, published_release):
    _, benched = published_release
    university = Actor(label="user:owner", role="university",
                       university_id=benched[0].university_id)
    chosen = create_peer_group(session, university, "Five benchmark peers",
                               [c.code for c in benched[1:6]])
    log_in_as(client, session, "college", institution_id=benched[0].id,
              university_id=benched[0].university_id)
    html = client.get(f"/college/comparison?period=2024&peer_group={chosen.id}").get_data(
        as_text=True)
    assert "Peers: Five benchmark peers." in html  # the sentence is one catalogue message
    assert f'<option value="{chosen.id}" selected>' in html
