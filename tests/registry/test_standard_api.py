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
