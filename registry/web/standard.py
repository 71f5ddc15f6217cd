"""Pages for the published data standard and the browsable API reference."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template

from registry.extensions import api

bp = Blueprint("standard_pages", __name__)


@bp.get("/standard")
def data_dictionary_page():
    """The human-readable data dictionary, generated from the schemas."""
    from schemas import MISSING_CODES, SCHEMA_VERSION
    from schemas.dictionary import data_dictionary

    entries = data_dictionary()
    sections = [(name, list(rows)) for name, rows in groupby(entries, key=lambda e: e["section"])]
    return render_template("standard.html", sections=sections, version=SCHEMA_VERSION,
                           missing_codes=MISSING_CODES)


@bp.get("/api/docs")
def api_docs_page():
    """A browsable reference of every API operation, rendered from /openapi.json."""
    spec = api.spec.to_dict()
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in sorted(spec["paths"].items())
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return render_template("api_docs.html", operations=operations, info=spec["info"])
