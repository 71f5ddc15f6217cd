"""The published data standard: JSON Schema, data dictionary and XLSX template."""

from __future__ import annotations

import json

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields

from registry.api.blueprint import Blueprint
from registry.services.errors import NotFound
from schemas.dictionary import data_dictionary, dictionary_changes
from schemas.jsonschema import return_json_schema
from schemas.tabular.template import build_xlsx_template
from schemas.validation import SUPPORTED_VERSIONS

blp = Blueprint("standard", __name__, url_prefix="/api/v1/standard",
                description="The return standard, generated from its schemas.")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_SCHEMA_TYPE = "application/schema+json"
BINARY = {"type": "string", "format": "binary"}


class CodeChoiceSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)


class DictionaryEntrySchema(Schema):
    path = fields.String(required=True)
    section = fields.String(required=True)
    type = fields.String(required=True)
    required = fields.Boolean(required=True)
    codes = fields.List(fields.Nested(CodeChoiceSchema), required=True)
    rules = fields.List(fields.String(), required=True)
    guidance = fields.String(required=True)


@blp.route("/return.schema.json")
class ReturnJsonSchema(MethodView):
    @blp.operation("getReturnJsonSchema")
    @blp.response(200, {"type": "object", "description": "A JSON Schema document"},
                  description="JSON Schema draft 2020-12 of return v1",
                  content_type=JSON_SCHEMA_TYPE)
    def get(self):
        """The return standard as JSON Schema (draft 2020-12)."""
        return Response(json.dumps(return_json_schema(), ensure_ascii=False),
                        content_type=JSON_SCHEMA_TYPE)


@blp.route("/dictionary")
class DataDictionary(MethodView):
    @blp.operation("getDataDictionary")
    @blp.response(200, DictionaryEntrySchema(many=True))
    def get(self):
        """The data dictionary: every field with its type, codes, rules and guidance."""
        return data_dictionary()


class VersionedDictionaryEntrySchema(DictionaryEntrySchema):
    change = fields.String(required=True, metadata={
        "description": "Against the previous version: added, changed, unchanged or removed."})


def _known_version(version: str) -> str:
    if version not in SUPPORTED_VERSIONS:
        raise NotFound(f"No data standard version {version!r}; the registry knows "
                       f"{', '.join(SUPPORTED_VERSIONS)}.")
    return version


@blp.route("/<version>/return.schema.json")
class VersionJsonSchema(MethodView):
    @blp.response(200, {"type": "object"},
                  description="JSON Schema draft 2020-12 of one standard version",
                  content_type=JSON_SCHEMA_TYPE)
    @blp.operation("getReturnJsonSchemaOfVersion", 404)
    def get(self, version):
        """One standard version's return as JSON Schema (draft 2020-12)."""
        return Response(json.dumps(return_json_schema(_known_version(version)),
                                   ensure_ascii=False), mimetype=JSON_SCHEMA_TYPE)


@blp.route("/<version>/dictionary")
class VersionDictionary(MethodView):
    @blp.response(200, VersionedDictionaryEntrySchema(many=True))
    @blp.operation("getDataDictionaryOfVersion", 404)
    def get(self, version):
        """One standard version's data dictionary, each field marked against the previous
        version (added, changed, unchanged; fields it removed come last, marked removed)."""
        return dictionary_changes(_known_version(version))


@blp.route("/template.xlsx")
class XlsxTemplate(MethodView):
    @blp.response(200, BINARY, description="The XLSX template, one sheet per section",
                  content_type=XLSX_TYPE)
    @blp.operation("getXlsxTemplate")
    def get(self):
        """Download the XLSX template for bulk upload."""
        return Response(build_xlsx_template(), mimetype=XLSX_TYPE, headers={
            "Content-Disposition": 'attachment; filename="mentoring-return-v1.xlsx"'})


@blp.route("/<version>/template.xlsx")
class VersionXlsxTemplate(MethodView):
    @blp.response(200, BINARY, description="The version's XLSX template, one sheet per section",
                  content_type=XLSX_TYPE)
    @blp.operation("getXlsxTemplateOfVersion", 404)
    def get(self, version):
        """Download one standard version's XLSX template for bulk upload (1.1: with the
        cohort follow-up sheet and 'not_reported' for the governance yes/no fields)."""
        version = _known_version(version)
        return Response(build_xlsx_template(version), mimetype=XLSX_TYPE, headers={
            "Content-Disposition":
                f'attachment; filename="mentoring-return-v{version}.xlsx"'})
