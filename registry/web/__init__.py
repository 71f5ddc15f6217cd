"""Server-rendered pages and the health check."""

from __future__ import annotations

from flask import Flask

from registry.web import (
    auth,
    benchmarks,
    college,
    health,
    oversight,
    pages,
    peer_groups,
    public,
    publication,
    quality,
    review,
    side_by_side,
    standard,
)
from registry.web.errors import register_error_pages
from registry.web.i18n import register_languages
from registry.web.navigation import role_links
from registry.web.status import status_label


def register_web(app: Flask) -> None:
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(standard.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(college.bp)
    app.register_blueprint(oversight.university)
    app.register_blueprint(oversight.regulator)
    app.register_blueprint(quality.bp)
    app.register_blueprint(benchmarks.bp)
    app.register_blueprint(publication.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(peer_groups.bp)
    app.register_blueprint(side_by_side.bp)
    auth.login_manager.init_app(app)
    app.jinja_env.globals.update(role_links=role_links, status_label=status_label)
    register_error_pages(app)
    register_languages(app)
    app.context_processor(review.unread_messages_context)
    app.jinja_env.globals["thread_kind"] = review.thread_kind
    app.after_request(set_security_headers)


def set_security_headers(response):
    """Send the headers every page of a public registry should carry."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    )
    return response
