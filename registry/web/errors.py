"""Error pages a person can act on: what went wrong and where to go instead."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from registry.web.i18n import local_path

PAGES = {400: "errors/400.html", 403: "errors/403.html", 404: "not_found.html"}


def error_page(exc: HTTPException):
    """Render the styled page for a 400, 403 or 404; other errors keep werkzeug's page."""
    template = PAGES.get(exc.code or 0)
    if template is None:
        return exc
    return render_template(template, reason=_reason(exc), expired_form=isinstance(exc, CSRFError),
                           back=_page_before()), exc.code


def _reason(exc: HTTPException) -> str | None:
    """The view's own explanation, if it gave one (abort(403, "…"))."""
    if isinstance(exc, CSRFError):
        return None  # flask-wtf's English reason; the page says it in the reader's language
    default = type(exc).description
    return exc.description if exc.description and exc.description != default else None


def _page_before() -> str | None:
    """The page the form was sent from, when it is one of ours (to reload it)."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.netloc != request.host or local_path(path) != path:
        return None
    return path


def register_error_pages(app: Flask) -> None:
    """Let the app's HTTP error handler render these pages for every non-API path."""
    app.extensions["registry.error_page"] = error_page
