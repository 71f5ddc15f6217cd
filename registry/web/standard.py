"""Pages for the published data standard and the browsable API reference."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, render_template, request

from registry.extensions import api

bp = Blueprint("standard_pages", __name__)


@bp.get("/standard")
def data_dictionary_page():
    """The human-readable data dictionary of one version (?version=, default 1.0), each
    field marked new, changed or removed against the previous version."""
    from schemas import MISSING_CODES, SCHEMA_VERSION, SUPPORTED_VERSIONS
    from schemas.dictionary import REMOVED, UNCHANGED, dictionary_changes, previous_version
    from schemas.validation import schema_of_version

    version = request.args.get("version", SCHEMA_VERSION)
    if version not in SUPPORTED_VERSIONS:
        abort(404)
    entries = dictionary_changes(version)
    changes = [e for e in entries if e["change"] != UNCHANGED]
    current = [e for e in entries if e["change"] != REMOVED]
    sections = [(name, list(rows)) for name, rows in groupby(current, key=lambda e: e["section"])]
    titles = {name: field.label for name, field in schema_of_version(version).fields.items()}
    return render_template("standard.html", sections=sections, titles=titles, version=version,
                           versions=SUPPORTED_VERSIONS, previous=previous_version(version),
                           changes=changes, missing_codes=MISSING_CODES)


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
