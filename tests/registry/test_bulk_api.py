"""Bulk upload: every return stored in one transaction, or none with every error listed."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from registry.models import ReturnVersion
from schemas.tabular.write import dump_returns_to_csv
from tests.factories import bearer, return_payload


def upload(client, token, data, filename):
    return client.post("/api/v1/returns/bulk", headers=bearer(token),
                       data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def stored(session):
    return session.scalar(select(func.count()).select_from(ReturnVersion))


def three_returns(college):
    return [return_payload(college, programme_code=f"P-{n}") for n in range(3)]


def test_csv_with_three_returns_stores_all_three(client, session, college, period, token):
    response = upload(client, token, dump_returns_to_csv(three_returns(college)), "r.csv")
    assert response.status_code == 201, response.json
    assert len(response.json["stored"]) == 3
    assert stored(session) == 3


def test_csv_with_one_bad_return_stores_nothing_and_lists_errors(client, session, college,
                                                                 period, token):
    payloads = three_returns(college)
    payloads[1]["capacity"]["enrolled_mentees"] = payloads[1]["capacity"]["eligible_mentees"] + 5
    payloads[2]["needs_assessment"]["responded"] = 999
    response = upload(client, token, dump_returns_to_csv(payloads), "r.csv")
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert len(fields) >= 2
    assert any("row 3" in k for k in fields) and any("row 4" in k for k in fields)
    assert stored(session) == 0


def test_filled_xlsx_template_is_accepted(client, session, college, period, token):
    from schemas.tabular.write import dump_returns_to_xlsx

    response = upload(client, token, dump_returns_to_xlsx(three_returns(college)), "r.xlsx")
    assert response.status_code == 201, response.json
    assert {r["source"] for r in _versions(client, token)} == {"xlsx"}


def test_file_that_is_not_a_spreadsheet_is_refused(client, session, period, token):
    response = upload(client, token, b"PK\x03\x04 this is not a zip", "r.xlsx")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"
    assert stored(session) == 0


def test_missing_file_field_is_400(client, token):
    response = client.post("/api/v1/returns/bulk", headers=bearer(token), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def _versions(client, token):
    items = client.get("/api/v1/returns", headers=bearer(token)).json["items"]
    return [client.get(f"/api/v1/returns/{i['id']}/versions/1", headers=bearer(token)).json
            for i in items]
