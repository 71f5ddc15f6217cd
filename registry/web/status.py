"""One vocabulary for where a return stands, used by every page that shows it."""

from __future__ import annotations

from flask_babel import gettext

from registry.web.i18n import N_

# A return's own status (set by submission, checks and review) …
RETURN_STATUS_LABELS = {
    "submitted": N_("Submitted, checks running"),
    "validated": N_("Passed checks"),
    "needs_attention": N_("Needs attention"),
    "rejected": N_("Rejected by checks"),
    "approved": N_("Approved by university"),
    "returned": N_("Returned to college"),
    "signed_off": N_("Signed off"),
}
# … and, for a programme whose return has not arrived, where the college stands.
ARRIVAL_LABELS = {
    "not_yet_due": N_("Not yet due"),
    "late": N_("Overdue"),
    "missing": N_("Missing"),
    "no_programme": N_("No programme registered"),
}
# Every standing one row of a status grid can have: the filter's choices.
STANDING_LABELS = RETURN_STATUS_LABELS | ARRIVAL_LABELS
# The college dashboard says whether a received return is accepted yet; the side-by-side
# table sums up a college's returns.
STATUS_LABELS = STANDING_LABELS | {
    "pending": N_("Received, in progress"),
    "done": N_("Accepted"),
    "received": N_("All received"),
    "partly_received": N_("Partly received"),
    "none_received": N_("Nothing received"),
}


def status_label(code: str | None) -> str:
    """The words shown for a status code, in the reader's language."""
    if not code:
        return gettext("None")
    label = STATUS_LABELS.get(code)
    return gettext(label) if label else code.replace("_", " ").capitalize()
