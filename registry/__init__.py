"""The Mentoring Registry web service: app factory.

Flask is imported inside the factory so that importing a light subpackage (the
indicator catalogue, the CLI's parser) does not load the web stack.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the registry app."""
    from flask import Flask

    from registry import request_session
    from registry.config import load_config

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    request_session.init_app(app)
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def register_converters(app: Flask) -> None:
    """Bound `<int:…>` path parameters to the database's 32-bit keys.

    A larger number would reach the database and fail there (SQLite cannot bind it); now
    it matches no route (404), and the OpenAPI document states the maximum.
    """
    from werkzeug.routing import IntegerConverter

    class DatabaseKeyConverter(IntegerConverter):
        def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
            super().__init__(map, fixed_digits, min, max, signed)

    app.url_map.converters["int"] = DatabaseKeyConverter


def register_extensions(app: Flask) -> None:
    from registry.extensions import api, babel, csrf
    from registry.web.i18n import select_locale

    api.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)


def register_blueprints(app: Flask) -> None:
    from registry.api import register_api
    from registry.web import register_web

    register_api(app)
    register_web(app)


def register_commands(app: Flask) -> None:
    from registry.cli import registry_cli

    app.cli.add_command(registry_cli)
