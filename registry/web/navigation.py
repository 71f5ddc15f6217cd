"""The header navigation: the pages each role uses, in the order of its work."""

from __future__ import annotations

from flask import url_for

from registry.models import Role

# role → (label, endpoint, anchor); every page a role uses is one click from the header
ROLE_PAGES: dict[str, tuple[tuple[str, str, str], ...]] = {
    Role.COLLEGE: (
        ("Returns", "college.dashboard", ""),
        ("Submit", "college.submit", ""),
        ("Upload", "college.upload", ""),
        ("Findings", "college.dashboard", "findings"),
        ("Comparison", "benchmarks.comparison", ""),
        ("Cohorts", "benchmarks.college_cohorts", ""),
        ("Feedback Report (PDF)", "benchmarks.feedback_report", ""),
        ("API tokens", "college.api_tokens", ""),
        ("Messages", "review_pages.messages", ""),
    ),
    Role.UNIVERSITY: (
        ("Status grid", "university.dashboard", ""),
        ("Review queue", "review_pages.queue", ""),
        ("Colleges side by side", "side_by_side.colleges", ""),
        ("Peer groups", "peer_groups.index", ""),
        ("Quality board", "quality_pages.board", ""),
        ("Messages", "review_pages.messages", ""),
    ),
    Role.REGULATOR: (
        ("Dashboard", "regulator.dashboard", ""),
        ("Compliance", "regulator.compliance", ""),
        ("Periods", "regulator.periods", ""),
        ("Sign-off queue", "review_pages.queue", ""),
        ("Releases", "benchmarks.releases", ""),
        ("Audit trail", "review_pages.audit", ""),
        ("Quality board", "quality_pages.board", ""),
        ("Peer groups", "peer_groups.index", ""),
        ("Messages", "review_pages.messages", ""),
    ),
}
ROLE_PAGES[Role.ADMIN] = ROLE_PAGES[Role.REGULATOR]


def role_links(role: str | None) -> list[tuple[str, str]]:
    """The header links (label, URL) of a role's pages."""
    return [(label, url_for(endpoint, _anchor=anchor or None))
            for label, endpoint, anchor in ROLE_PAGES.get(role or "", ())]
