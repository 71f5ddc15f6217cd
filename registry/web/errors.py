"""Error pages a person can act on: what went wrong and where to go instead."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

PAGES = {403: "errors/403.html", 404: "not_found.html"}


def error_page(exc: HTTPException):
    """Render the styled page for a 403 or 404; other errors keep werkzeug's page."""
    template = PAGES.get(exc.code or 0)
    if template is None:
        return exc
    return render_template(template, reason=_reason(exc)), exc.code


def _reason(exc: HTTPException) -> str | None:
    """The view's own explanation, if it gave one (abort(403, "…"))."""
    default = type(exc).description
    return exc.description if exc.description and exc.description != default else None


def register_error_pages(app: Flask) -> None:
    """Let the app's HTTP error handler render these pages for every non-API path."""
    app.extensions["registry.error_page"] = error_page
