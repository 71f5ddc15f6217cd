"""Each class of hostile input, at every field of the standard and every body-taking endpoint.

Huge integers, lone surrogates, control characters, over-long code lists, repeated keys
and wide files are each refused with a 4xx in the stable error shape that names the
field (or the key), the dry run gives the same verdict as the submission, nothing is
stored, and no request takes more than a few seconds (a bound against runaway parsing,
not a performance target: those live in `make bench`).
"""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from registry.api.bodies import MAX_JSON_BYTES
from registry.models import Programme, ReturnVersion
from schemas.fields import CodeList, Count, Number, Text
from schemas.limits import MAX_COUNT
from schemas.tabular.read import MAX_COLUMNS
from schemas.tabular.write import dump_returns_to_csv, dump_returns_to_xlsx
from schemas.walk import return_leaves
from tests.factories import bearer, return_payload

LEAVES = return_leaves()
NUMERIC = [leaf.path for leaf in LEAVES if isinstance(leaf.field, Count | Number)]
TEXT = [leaf.path for leaf in LEAVES if isinstance(leaf.field, Text)]
CODE_LISTS = [leaf for leaf in LEAVES if isinstance(leaf.field, CodeList)]
ALL_PATHS = [leaf.path for leaf in LEAVES]
ENDPOINTS = ("/api/v1/returns/validate", "/api/v1/returns")
RUNAWAY_SECONDS = 10.0
HOSTILE = settings(max_examples=25, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])

CONTROL_CHARACTERS = st.sampled_from(
    [chr(c) for c in (*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)])
LONE_SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)


def set_at(payload: dict, path: str, value) -> dict:
    """A deep copy of the payload with the value at the dotted path."""
    copy = json.loads(json.dumps(payload))
    *parents, last = path.split(".")
    target = copy
    for name in parents:
        target = target.setdefault(name, {})
    target[last] = value
    return copy


def post_both(client, token, body: bytes) -> list:
    """The dry run's and the submission's answers to the same body, each timed."""
    answers = []
    for url in ENDPOINTS:
        started = time.perf_counter()
        response = client.post(url, data=body, content_type="application/json",
                               headers=bearer(token))
        assert time.perf_counter() - started < RUNAWAY_SECONDS
        answers.append(response)
    return answers


def assert_refused_alike(session, answers, names: str) -> None:
    """Both answered the same 4xx in the error shape naming `names`; nothing was stored."""
    dry_run, submission = answers
    assert 400 <= dry_run.status_code < 500, dry_run.get_data(as_text=True)
    assert dry_run.status_code == submission.status_code
    assert dry_run.json == submission.json
    error = dry_run.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert any(names in key for key in error["fields"]) or names in error["message"], error
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0
    assert session.scalar(select(func.count()).select_from(Programme)) == 0


@pytest.fixture
def base_payload(college, period):
    return return_payload(college, period.code)


@HOSTILE
@given(path=st.sampled_from(NUMERIC), digits=st.integers(11, 6000))
def test_numbers_beyond_any_count_are_refused_by_field(client, session, token, base_payload,
                                                       path, digits):
    marker = "918273645"
    text = json.dumps(set_at(base_payload, path, int(marker)))
    body = text.replace(marker, "9" * digits, 1).encode()
    answers = post_both(client, token, body)
    assert_refused_alike(session, answers, path)
    assert answers[0].status_code == 422


@HOSTILE
@given(path=st.sampled_from(NUMERIC), value=st.integers(MAX_COUNT + 1, 10**40))
def test_counts_above_what_a_column_holds_are_refused(client, session, token, base_payload,
                                                      path, value):
    body = json.dumps(set_at(base_payload, path, value)).encode()
    assert_refused_alike(session, post_both(client, token, body), path)


@HOSTILE
@given(path=st.sampled_from(ALL_PATHS), before=st.text(max_size=5),
       surrogate=LONE_SURROGATES)
def test_lone_surrogates_are_refused_by_field(client, session, token, base_payload, path,
                                              before, surrogate):
    body = json.dumps(set_at(base_payload, path, before + surrogate)).encode()  # \udXXX escape
    answers = post_both(client, token, body)
    assert_refused_alike(session, answers, path)


@HOSTILE
@given(path=st.sampled_from(TEXT), control=CONTROL_CHARACTERS)
def test_control_characters_in_text_are_refused_by_field(client, session, token,
                                                         base_payload, path, control):
    body = json.dumps(set_at(base_payload, path, f"Mentoring{control}scheme")).encode()
    assert_refused_alike(session, post_both(client, token, body), path)


@HOSTILE
@given(leaf=st.sampled_from(CODE_LISTS), extra=st.integers(1, 20_000))
def test_code_lists_longer_than_their_frame_are_refused_before_item_checks(
        client, session, token, base_payload, leaf, extra):
    codes = list(leaf.field.allowed)
    value = [codes[index % len(codes)] for index in range(len(codes) + extra)]
    body = json.dumps(set_at(base_payload, leaf.path, value)).encode()
    answers = post_both(client, token, body)
    assert_refused_alike(session, answers, leaf.path)
    assert "at most" in answers[0].json["error"]["fields"][leaf.path][0]


@HOSTILE
@given(path=st.sampled_from(ALL_PATHS))
def test_a_key_given_twice_is_refused_naming_it(client, session, token, base_payload, path):
    key, marker = path.rsplit(".", 1)[-1], "918273645"
    text = json.dumps(set_at(base_payload, path, int(marker)))
    body = text.replace(f'"{key}": {marker}', f'"{key}": 0, "{key}": {marker}').encode()
    answers = post_both(client, token, body)
    assert_refused_alike(session, answers, key)
    assert answers[0].status_code == 400


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_numbers_are_refused(client, session, token, base_payload, constant):
    marker = "918273645"
    text = json.dumps(set_at(base_payload, "capacity.enrolled_mentees", int(marker)))
    answers = post_both(client, token, text.replace(marker, constant).encode())
    assert_refused_alike(session, answers, constant)


def test_a_json_body_over_its_limit_is_refused_before_parsing(client, session, token,
                                                             base_payload):
    padded = dict(base_payload, padding="x" * MAX_JSON_BYTES)
    answers = post_both(client, token, json.dumps(padded).encode())
    assert [answer.status_code for answer in answers] == [413, 413]
    assert answers[0].json["error"]["code"] == "payload_too_large"
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def test_a_valid_return_gets_the_same_verdict_from_dry_run_and_submission(
        client, session, token, base_payload):
    dry_run, submission = post_both(client, token, json.dumps(base_payload).encode())
    assert dry_run.status_code == 200 and dry_run.json["valid"] is True
    assert submission.status_code == 201


# ---------------------------------------------------------------- files


def upload(client, token, name: str, data: bytes):
    started = time.perf_counter()
    response = client.post("/api/v1/returns/bulk", data={"file": (io.BytesIO(data), name)},
                           headers=bearer(token), content_type="multipart/form-data")
    assert time.perf_counter() - started < RUNAWAY_SECONDS
    return response


def assert_file_refused(session, response, names: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    fields = response.json["error"]["fields"]
    assert any(names in key or any(names in text for text in texts)
               for key, texts in fields.items()), fields
    assert session.scalar(select(func.count()).select_from(ReturnVersion)) == 0


def csv_with(payload: dict, path: str, cell: str) -> bytes:
    rows = dump_returns_to_csv([payload]).decode("utf-8-sig").splitlines()
    header = rows[0].split(",")
    values = next(iter(__import__("csv").reader([rows[1]])))
    values[header.index(path)] = cell
    out = io.StringIO()
    writer = __import__("csv").writer(out)
    writer.writerow(header)
    writer.writerow(values)
    return out.getvalue().encode()


@HOSTILE
@given(path=st.sampled_from(NUMERIC), digits=st.integers(11, 6000))
def test_csv_numbers_beyond_any_count_are_refused_by_cell(client, session, token,
                                                          base_payload, path, digits):
    response = upload(client, token, "returns.csv", csv_with(base_payload, path, "9" * digits))
    assert_file_refused(session, response, path)


@HOSTILE
@given(path=st.sampled_from(TEXT), control=CONTROL_CHARACTERS | st.just("\x00"))
def test_csv_control_characters_in_text_are_refused_by_cell(client, session, token,
                                                            base_payload, path, control):
    cell = f"Mentoring{control}scheme"
    response = upload(client, token, "returns.csv", csv_with(base_payload, path, cell))
    assert_file_refused(session, response, path)


@pytest.mark.parametrize("extra", [MAX_COLUMNS, 20_000])
def test_csv_wider_than_any_template_is_refused_before_its_cells(client, session, token,
                                                                 base_payload, extra):
    lines = dump_returns_to_csv([base_payload]).decode("utf-8-sig").splitlines()
    wide = "\n".join(line + "," * extra for line in lines).encode()
    assert_file_refused(session, upload(client, token, "returns.csv", wide), "columns")


def test_xlsx_wider_than_any_template_is_refused_before_its_cells(client, session, token,
                                                                  base_payload):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(dump_returns_to_xlsx([base_payload])))
    workbook["capacity"].cell(row=1, column=MAX_COLUMNS + 1, value="extra")
    data = io.BytesIO()
    workbook.save(data)
    response = upload(client, token, "returns.xlsx", data.getvalue())
    assert_file_refused(session, response, "columns")


def test_xlsx_numbers_beyond_any_count_are_refused_by_cell(client, session, token,
                                                           base_payload):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(dump_returns_to_xlsx([base_payload])))
    sheet = workbook["capacity"]
    column = [cell.value for cell in sheet[1]].index("capacity.enrolled_mentees") + 1
    sheet.cell(row=3, column=column, value="9" * 5000)
    data = io.BytesIO()
    workbook.save(data)
    response = upload(client, token, "returns.xlsx", data.getvalue())
    assert_file_refused(session, response, "capacity.enrolled_mentees")


# ---------------------------------------------------------------- every body-taking endpoint


def json_body_operations(client) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document that takes a JSON body, ids set to 1."""
    spec = client.get("/openapi.json").json
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return sorted(found)


HOSTILE_BODIES = {
    "repeated key": b'{"name": "a", "name": "b"}',
    "NaN": b'{"name": NaN}',
    "huge integer": b'{"name": ' + b"9" * 6000 + b"}",
    "lone surrogate": b'{"name": "\\udc80"}',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_BODIES))
def test_every_json_endpoint_refuses_each_hostile_body_without_a_server_error(
        client, session, token, kind):
    operations = json_body_operations(client)
    assert len(operations) >= 8
    for method, path in operations:
        response = client.open(path, method=method.upper(), data=HOSTILE_BODIES[kind],
                               content_type="application/json", headers=bearer(token))
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
        assert set(response.json["error"]) == {"code", "message", "fields"}, (method, path)
