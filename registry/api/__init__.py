"""The JSON API (v1); the OpenAPI document is generated from its schemas."""

from __future__ import annotations

from flask import Flask

from registry.api.bodies import reject_nul_text
from registry.api.errors import register_error_handlers
from registry.extensions import api


def register_api(app: Flask) -> None:
    """Register the API blueprints, exempt from CSRF (they authenticate by bearer token)."""
    from registry import pipeline_runs
    from registry.api import (
        comparison,
        indicators,
        institutions,
        periods,
        programmes,
        quality,
        releases,
        returns,
        review,
        standard,
        tokens,
    )
    from registry.extensions import csrf

    modules = (institutions, programmes, periods, returns, quality, tokens, standard,
               indicators, releases, comparison, review)
    register_standard_components()
    for module in modules:  # named before any blueprint refers to them
        for name, schema in getattr(module, "OPENAPI_COMPONENTS", {}).items():
            api.spec.components.schema(name, schema=schema)
    for module in modules:
        api.register_blueprint(module.blp)
        csrf.exempt(module.blp)
    register_error_handlers(app)
    app.before_request(reject_nul_text)
    pipeline_runs.init_app(app)  # submissions through the API and the web form alike


def register_standard_components() -> None:
    """Put the return standard, its shared enums and the error shape into the components."""
    from registry.api.fields import component_reference, enum_components
    from schemas.jsonschema import openapi_components

    for name, schema in {**openapi_components(), **enum_components()}.items():
        api.spec.components.schema(name, component=schema)
    api.ma_plugin.converter.add_attribute_function(component_reference)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer",
                   "description": "An API token created by a registry user."})
