"""The published standard and the API description."""

from __future__ import annotations

import io

from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from schemas.examples import pilot_return


def test_json_schema_is_published_and_accepts_a_valid_return(client):
    schema = client.get("/api/v1/standard/return.schema.json").json
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    assert list(Draft202012Validator(schema).iter_errors(pilot_return())) == []


def test_data_dictionary_lists_every_section(client):
    entries = client.get("/api/v1/standard/dictionary").json
    sections = {e["section"] for e in entries}
    assert {"header", "programme", "governance", "needs_assessment", "capacity", "activity",
            "evaluation", "outcomes"} <= sections


def test_data_dictionary_page_shows_fields_and_rules(client):
    page = client.get("/standard").get_data(as_text=True)
    assert "evaluation.mentee_survey.responded" in page
    assert "not_collected" in page


def test_xlsx_template_downloads_with_a_sheet_per_section(client):
    response = client.get("/api/v1/standard/template.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert {"README", "capacity", "evaluation"} <= set(workbook.sheetnames)


def test_openapi_documents_every_resource(client):
    spec = client.get("/openapi.json").json
    for path in ("/api/v1/returns", "/api/v1/returns/validate", "/api/v1/returns/bulk",
                 "/api/v1/returns/{return_id}/versions", "/api/v1/institutions",
                 "/api/v1/programmes", "/api/v1/periods", "/api/v1/tokens"):
        assert path in spec["paths"], path
    assert "ReturnV1" in spec["components"]["schemas"]


def test_api_docs_page_lists_operations(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/v1/returns/validate" in page


def test_each_version_publishes_its_json_schema(client):
    from schemas.cohort_examples import as_version_1_1

    for version, payload in (("1.0", pilot_return()), ("1.1", as_version_1_1(pilot_return()))):
        response = client.get(f"/api/v1/standard/{version}/return.schema.json")
        assert response.status_code == 200
        assert response.json["$id"].endswith(f":{version}")
        assert list(Draft202012Validator(response.json).iter_errors(payload)) == []


def test_an_unknown_version_has_no_json_schema(client):
    response = client.get("/api/v1/standard/2.0/return.schema.json")
    assert response.status_code == 404
    assert "1.0, 1.1" in response.json["error"]["message"]


def test_the_version_dictionary_marks_what_is_new(client):
    entries = client.get("/api/v1/standard/1.1/dictionary").json
    changes = {e["path"]: e["change"] for e in entries}
    assert changes["cohort_follow_up.cohorts[].exam.passed"] == "added"
    assert changes["capacity.enrolled_mentees"] == "unchanged"
    assert changes["header.schema_version"] == "changed"


def test_the_dictionary_page_shows_what_changed_in_1_1(client):
    page = client.get("/standard?version=1.1").get_data(as_text=True)
    assert "What changed since v1.0" in page
    assert "cohort_follow_up.cohorts[].burnout_screening.above_threshold" in page
    assert "new in 1.1" in page


def test_the_dictionary_page_of_1_0_marks_nothing(client):
    page = client.get("/standard").get_data(as_text=True)
    assert "What changed" not in page and "cohort_follow_up" not in page
