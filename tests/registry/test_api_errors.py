"""Bad input always gets the stable error shape, never a 500, and nothing is stored."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from registry.api.bodies import MAX_JSON_DEPTH
from registry.models import ReturnVersion
from tests.factories import bearer, return_payload

ERROR_KEYS = {"code", "message", "fields"}


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json) == {"error"}
    assert set(response.json["error"]) == ERROR_KEYS
    assert response.json["error"]["code"] == code


def nothing_stored(session):
    return session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def post_raw(client, token, data, content_type="application/json"):
    return client.post("/api/v1/returns", data=data, content_type=content_type,
                       headers=bearer(token))


def test_malformed_json_is_400(client, session, period, token):
    response = post_raw(client, token, b'{"header": ')
    assert_error(response, 400, "bad_request")
    assert "not valid JSON" in response.json["error"]["message"]
    assert nothing_stored(session)


def test_wrong_content_type_is_415(client, session, period, token):
    assert_error(post_raw(client, token, b"a,b", "text/csv"), 415, "unsupported_media_type")


def test_non_utf8_body_is_400(client, session, period, token):
    response = post_raw(client, token, '{"x": "é"}'.encode("latin-1"))
    assert_error(response, 400, "bad_request")
    assert "UTF-8" in response.json["error"]["message"]


def test_body_over_the_limit_is_413(app, client, session, period, token):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post_raw(client, token, b'{"a": "' + b"x" * 2000 + b'"}')
    assert_error(response, 413, "payload_too_large")


def test_deeply_nested_json_is_400(client, period, token):
    response = post_raw(client, token, b'{"a": ' * 100 + b"1" + b"}" * 100)
    assert_error(response, 400, "bad_request")
    assert "nested" in response.json["error"]["message"]


def test_json_nested_to_the_limit_is_read_one_level_more_is_400(client, period, token):
    def nested(objects: int) -> bytes:  # {"a": 1} is two levels: the object and its value
        return b'{"a": ' * objects + b"1" + b"}" * objects

    at_limit = post_raw(client, token, nested(MAX_JSON_DEPTH - 1))
    assert_error(at_limit, 422, "validation_failed")  # read, then refused as no return
    assert_error(post_raw(client, token, nested(MAX_JSON_DEPTH)), 400, "bad_request")


def test_json_that_is_not_an_object_is_422(client, period, token):
    assert_error(post_raw(client, token, b"[1, 2]"), 422, "validation_failed")


def test_unknown_field_is_422_naming_it(client, session, college, period, token):
    payload = return_payload(college)
    payload["capacity"]["favourite_colour"] = "green"
    response = client.post("/api/v1/returns", json=payload, headers=bearer(token))
    assert_error(response, 422, "validation_failed")
    assert "capacity.favourite_colour" in response.json["error"]["fields"]
    assert nothing_stored(session)


def test_negative_count_is_422_naming_it(client, session, college, period, token):
    payload = return_payload(college)
    payload["capacity"]["active_mentors"] = -3
    response = client.post("/api/v1/returns", json=payload, headers=bearer(token))
    assert_error(response, 422, "validation_failed")
    assert "capacity.active_mentors" in response.json["error"]["fields"]


def test_part_larger_than_whole_is_422_naming_both(client, college, period, token):
    payload = return_payload(college)
    payload["needs_assessment"]["responded"] = 60
    response = client.post("/api/v1/returns", json=payload, headers=bearer(token))
    assert_error(response, 422, "validation_failed")
    message = " ".join(response.json["error"]["fields"]["needs_assessment.responded"])
    assert "needs_assessment.invited" in message and "52" in message


def test_unknown_schema_version_is_422(client, college, period, token):
    payload = return_payload(college)
    payload["header"]["schema_version"] = "9.9"
    response = client.post("/api/v1/returns", json=payload, headers=bearer(token))
    assert_error(response, 422, "validation_failed")
    assert "header.schema_version" in response.json["error"]["fields"]


def test_unknown_period_is_422(client, college, period, token):
    payload = return_payload(college, period_code="1999")
    response = client.post("/api/v1/returns", json=payload, headers=bearer(token))
    assert_error(response, 422, "validation_failed")
    assert "header.period_code" in response.json["error"]["fields"]


@pytest.mark.parametrize("path", ["/api/v1/returns/999999", "/api/v1/nothing-here"])
def test_unknown_resources_are_404_in_the_shape(client, token, path):
    assert_error(client.get(path, headers=bearer(token)), 404, "not_found")


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/api/v1/institutions")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


class _CommitLosesTheServer(Session):
    """A session whose COMMIT meets a server that has just gone away (a restart)."""

    def commit(self) -> None:
        raise OperationalError("COMMIT", {}, psycopg.OperationalError(
            "server closed the connection unexpectedly"))


def _sessions_that_lose_the_server_at_commit(app, connection) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does, not re-raise
    app.extensions["registry.sessionmaker"] = sessionmaker(
        bind=connection, class_=_CommitLosesTheServer,
        join_transaction_mode="create_savepoint", expire_on_commit=False)


def test_server_lost_at_commit_is_503_and_nothing_stored(app, client, connection, session,
                                                        college, period, token):
    _sessions_that_lose_the_server_at_commit(app, connection)
    response = client.post("/api/v1/returns", json=return_payload(college),
                           headers=bearer(token))
    assert_error(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "5"
    assert nothing_stored(session)


def test_server_lost_at_commit_on_a_page_is_a_plain_503(app, client, connection):
    _sessions_that_lose_the_server_at_commit(app, connection)
    response = client.get("/programmes")
    assert response.status_code == 503
    assert "database is unavailable" in response.get_data(as_text=True)


def test_nul_in_a_page_query_is_a_plain_400(client):
    response = client.get("/programmes?q=mentor%00ing")
    assert response.status_code == 400
    assert "NUL characters" in response.get_data(as_text=True)


def test_nul_in_a_login_form_is_a_plain_400(client):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert "NUL characters" in response.get_data(as_text=True)
