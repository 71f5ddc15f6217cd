"""The header navigation: the pages each role uses, in the order of its work."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext

from registry.models import Role
from registry.web.i18n import N_

# role → (label, endpoint, anchor); every page a role uses is one click from the header.
# The labels are translated when the header is drawn (role_links).
ROLE_PAGES: dict[str, tuple[tuple[str, str, str], ...]] = {
    Role.COLLEGE: (
        (N_("Returns"), "college.dashboard", ""),
        (N_("Submit"), "college.submit", ""),
        (N_("Upload"), "college.upload", ""),
        (N_("Findings"), "college.dashboard", "findings"),
        (N_("Comparison"), "benchmarks.comparison", ""),
        (N_("Cohorts"), "benchmarks.college_cohorts", ""),
        (N_("Feedback Report (PDF)"), "benchmarks.feedback_report", ""),
        (N_("Release preview"), "publication.previews", ""),
        (N_("API tokens"), "college.api_tokens", ""),
        (N_("Messages"), "review_pages.messages", ""),
    ),
    Role.UNIVERSITY: (
        (N_("Status grid"), "university.dashboard", ""),
        (N_("Review queue"), "review_pages.queue", ""),
        (N_("Colleges side by side"), "side_by_side.colleges", ""),
        (N_("Peer groups"), "peer_groups.index", ""),
        (N_("Quality board"), "quality_pages.board", ""),
        (N_("Messages"), "review_pages.messages", ""),
    ),
    Role.REGULATOR: (
        (N_("Dashboard"), "regulator.dashboard", ""),
        (N_("Compliance"), "regulator.compliance", ""),
        (N_("Periods"), "regulator.periods", ""),
        (N_("Sign-off queue"), "review_pages.queue", ""),
        (N_("Releases"), "benchmarks.releases", ""),
        (N_("Release calendar"), "publication.calendar", ""),
        (N_("Audit trail"), "review_pages.audit", ""),
        (N_("Quality board"), "quality_pages.board", ""),
        (N_("Peer groups"), "peer_groups.index", ""),
        (N_("Messages"), "review_pages.messages", ""),
    ),
}
ROLE_PAGES[Role.ADMIN] = ROLE_PAGES[Role.REGULATOR]


def role_links(role: str | None) -> list[tuple[str, str]]:
    """The header links (label in the page's language, URL) of a role's pages."""
    return [(gettext(label), url_for(endpoint, _anchor=anchor or None))
            for label, endpoint, anchor in ROLE_PAGES.get(role or "", ())]
