"""One vocabulary for where a return stands, used by every page that shows it."""

from __future__ import annotations

# A return's own status (set by submission, checks and review) …
RETURN_STATUS_LABELS = {
    "submitted": "Submitted, checks running",
    "validated": "Passed checks",
    "needs_attention": "Needs attention",
    "rejected": "Rejected by checks",
    "approved": "Approved by university",
    "returned": "Returned to college",
    "signed_off": "Signed off",
}
# … and, for a programme whose return has not arrived, where the college stands.
ARRIVAL_LABELS = {
    "not_yet_due": "Not yet due",
    "late": "Overdue",
    "missing": "Missing",
    "no_programme": "No programme registered",
}
# Every standing one row of a status grid can have: the filter's choices.
STANDING_LABELS = RETURN_STATUS_LABELS | ARRIVAL_LABELS
# The college dashboard says whether a received return is accepted yet; the side-by-side
# table sums up a college's returns.
STATUS_LABELS = STANDING_LABELS | {
    "pending": "Received, in progress",
    "done": "Accepted",
    "received": "All received",
    "partly_received": "Partly received",
    "none_received": "Nothing received",
}


def status_label(code: str | None) -> str:
    """The words shown for a status code."""
    if not code:
        return "None"
    return STATUS_LABELS.get(code, code.replace("_", " ").capitalize())
