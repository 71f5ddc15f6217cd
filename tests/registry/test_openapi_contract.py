"""The OpenAPI document is a contract generators turn into typed code: named operations,
typed bodies, documented errors, shared enums."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

METHODS = ("get", "post", "put", "patch", "delete")
TYPED = ("type", "$ref", "oneOf", "anyOf", "allOf", "enum", "const")
STATUS_FIELDS = ("status", "kind", "severity")


@pytest.fixture(scope="module")
def spec():
    from registry import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True})
    return app.test_client().get("/openapi.json").json


def operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def properties(node: object, where: str = "") -> Iterator[tuple[str, str, dict]]:
    """Every named property of every object schema under `node`, with where it sits."""
    if isinstance(node, dict):
        for name, child in (node.get("properties") or {}).items():
            if isinstance(child, dict):
                yield f"{where}.{name}", name, child
        for key, child in node.items():
            yield from properties(child, f"{where}.{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from properties(child, f"{where}[{index}]")


def test_every_operation_has_a_unique_camel_case_operation_id(spec):
    ids = [op.get("operationId") for _, _, op in operations(spec)]
    assert all(i and re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_the_college_operations_have_the_names_integrators_call(spec):
    ids = {f"{method} {path}": op["operationId"] for method, path, op in operations(spec)}
    assert ids["POST /api/v1/returns"] == "submitReturn"
    assert ids["POST /api/v1/returns/validate"] == "validateReturn"
    assert ids["GET /api/v1/returns/{return_id}/versions/{version}/quality"] == "getQualityReport"


def test_every_success_response_has_a_schema(spec):
    missing = [f"{method} {path} {status}" for method, path, op in operations(spec)
               for status, response in op["responses"].items() if status.startswith("2")
               if not response.get("content")
               or not all(media.get("schema") for media in response["content"].values())]
    assert not missing


def test_every_operation_lists_its_errors_and_no_catch_all(spec):
    for method, path, op in operations(spec):
        assert "default" not in op["responses"], f"{method} {path}"
        assert "400" in op["responses"], f"{method} {path}"


def test_every_error_response_has_the_error_shape(spec):
    for name, response in spec["components"]["responses"].items():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, name


def test_every_property_has_a_type(spec):
    untyped = [where for where, _, schema in properties(spec["components"]["schemas"])
               if not any(key in schema for key in TYPED)]
    assert not untyped


def test_status_kind_and_severity_are_enums(spec):
    def enumerated(schema: dict) -> bool:
        if "anyOf" in schema:  # nullable: the enum or null
            return any(enumerated(choice) for choice in schema["anyOf"])
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            return "enum" in spec["components"]["schemas"][name]
        return "enum" in schema

    loose = [where for where, name, schema in properties(spec["components"]["schemas"])
             if name in STATUS_FIELDS and not enumerated(schema)]
    assert not loose


def test_the_reason_codes_are_one_component_referenced_everywhere(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["MissingCode"]["enum"] == ["not_collected", "not_applicable"]
    others = {name: schema for name, schema in schemas.items() if name != "MissingCode"}
    assert '"not_collected"' not in json.dumps(others)
    assert '"#/components/schemas/MissingCode"' in json.dumps(schemas["ReturnV1"])


def test_the_return_and_the_quality_report_have_chosen_names(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["ReturnV1"]["title"] == "ReturnV1"
    issues = schemas["QualityReport"]["properties"]["issues"]
    assert issues["items"] == {"$ref": "#/components/schemas/Issue"}


def test_downloads_declare_their_media_types(spec):
    def content(path: str) -> dict:
        return spec["paths"][path]["get"]["responses"]["200"]["content"]

    assert set(content("/api/v1/standard/return.schema.json")) == {"application/schema+json"}
    xlsx = content("/api/v1/standard/template.xlsx")
    assert [m["schema"] for m in xlsx.values()] == [{"type": "string", "format": "binary"}]
    assert set(content("/api/v1/releases/{release_id}/export.csv")) == {"text/csv"}
    assert set(content("/api/v1/releases/{release_id}/export.sdmx.csv")) == {"text/csv"}
    assert set(content("/api/v1/releases/{release_id}/structure.xml")) == {
        "application/vnd.sdmx.structure+xml; version=2.1"}


def test_the_idempotency_rule_is_stated_in_the_document(spec):
    from registry.services.submission.submissions import IDEMPOTENCY_RULE

    submit = spec["paths"]["/api/v1/returns"]["post"]
    (header,) = [p for p in submit["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["description"] == IDEMPOTENCY_RULE


def test_every_operation_reading_a_body_documents_too_large_and_invalid(spec):
    for method, path, op in operations(spec):
        if "requestBody" in op:
            assert {"413", "422"} <= set(op["responses"]), f"{method} {path}"


def test_every_operation_reading_a_token_documents_401(spec):
    public = {"listInstitutions", "getInstitution", "listProgrammes", "getProgramme",
              "listPeriods", "getPeriod", "listQualityRules", "getReturnJsonSchema",
              "getDataDictionary", "getXlsxTemplate", "listIndicators", "getIndicatorSeries",
              "listBenchmarks", "getReleaseCalendar", "getReturnJsonSchemaOfVersion",
              "getDataDictionaryOfVersion", "getXlsxTemplateOfVersion"}
    for method, path, op in operations(spec):
        if op["operationId"] not in public:
            assert "401" in op["responses"], f"{method} {path}"


def test_the_bodies_take_a_return_of_either_standard_version(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["ReturnV1_1"]["title"] == "ReturnV1_1"
    assert "cohort_follow_up" in schemas["ReturnV1_1"]["properties"]
    assert "cohort_follow_up" not in schemas["ReturnV1"]["properties"]
    assert schemas["ReturnPayload"]["oneOf"] == [{"$ref": "#/components/schemas/ReturnV1"},
                                          {"$ref": "#/components/schemas/ReturnV1_1"}]
    for path in ("/api/v1/returns", "/api/v1/returns/validate"):
        body = spec["paths"][path]["post"]["requestBody"]
        assert body["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ReturnPayload"}, path
        assert "ReturnV1_1" in body["description"]


def test_a_1_1_return_meets_its_component_and_not_the_1_0_one(spec):
    import random

    from jsonschema import Draft202012Validator

    from schemas.cohort_examples import as_version_1_1, synthetic_cohorts
    from schemas.examples import pilot_return

    document = {"$defs": spec["components"]["schemas"]}
    text = json.dumps(document).replace("#/components/schemas/", "#/$defs/")
    defs = json.loads(text)["$defs"]
    payload = as_version_1_1(pilot_return(), synthetic_cohorts(random.Random(2), "2020", 30))
    for name, valid in (("ReturnV1_1", True), ("ReturnV1", False), ("ReturnPayload", True)):
        validator = Draft202012Validator({**defs[name], "$defs": defs})
        assert validator.is_valid(payload) is valid, name
    assert Draft202012Validator({**defs["ReturnPayload"], "$defs": defs}).is_valid(pilot_return())
