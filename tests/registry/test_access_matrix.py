"""The access matrix: every route × method of the app, for every role, against RULES.

The cases are generated from `app.url_map` (all rules but `static`): a route that has no
row in RULES fails ("new endpoint without an access rule"), and so does a row whose
route no longer exists. Each row names the setup that creates the object the URL needs
(always owned by the "own" college of KMU) and the status each role gets:

    anon   nobody logged in, no token
    col    a logged-in user of the owning college          col2  … of another college (DUHS)
    tok    an API token of the owning college              tok2  … of another college
    uni    a reviewer of the owning college's university   uni2  … of another university
    reg    a regulator analyst                             adm   an administrator

Logged-in roles carry only a session, token roles only a bearer token; reviewers,
regulators and admins carry both. So the API (bearer only) answers 401 to a logged-in
college user, and a page answers a bare token with the login redirect.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass, field

import pytest

from registry import create_app
from registry.services.submission.return_form import values_from_payload
from schemas.tabular.write import dump_returns_to_csv
from tests.factories import TEST_PASSWORD, make_user, return_payload
from tests.registry.access_world import (
    ROLES,
    World,
    extension_until,
    log_in,
    make_college_message,
    make_college_token,
    make_extra_colleges,
    make_issue,
    make_peer_group,
    make_preview,
    make_principal,
    make_release,
    make_return,
    make_world,
)

LOGIN = "login"  # 302 to the login page
LISTED = "listed"  # 200, and the owned object is in the list
UNLISTED = "unlisted"  # 200, and the owned object is not in the list
SEE_OTHER = 302  # any other redirect (after a successful form post)
HIDDEN = 404  # the object exists but the role may not know it
DENIED = 403
NO_TOKEN = 401


@dataclass(frozen=True)
class Call:
    """What a request needs beyond its credentials."""

    params: dict = field(default_factory=dict)
    query: dict | None = None
    json: object = None
    form: dict | None = None
    marker: str | None = None  # text that shows the owned object in a list


# --- setups: each creates what one kind of URL needs and returns its Call ----------------

def nothing(world: World) -> Call:
    return Call()


def institution(world: World) -> Call:
    return Call({"code": world.own.code})


def period(world: World) -> Call:
    return Call({"code": world.period.code})


def programme(world: World) -> Call:
    return_ = make_return(world)
    return Call({"institution": world.own.code, "code": return_.programme.code})


def a_return(world: World) -> Call:
    return Call({"return_id": make_return(world).id, "version": 1}, marker=world.own.code)


def return_page(world: World) -> Call:
    """A return, shown on the college's pages by the link to it."""
    return_id = make_return(world).id
    return Call({"return_id": return_id}, marker=f"/college/returns/{return_id}")


def validated_return(world: World) -> Call:
    """A validated return, and a decision that both a university and the regulator may take."""
    return_ = make_return(world, "validated")
    body = {"decision": "return", "comment": "Check the survey counts."}
    return Call({"return_id": return_.id, "version": 1}, json=body,
                form={"return_id": str(return_.id), "version": "1", **body},
                marker=world.own.code)


def open_issue(world: World) -> Call:
    return_ = make_return(world)
    issue = make_issue(world, return_)
    return Call({"return_id": return_.id, "issue_id": issue.id},
                json={"text": "The cohort was small this year."}, marker=world.own.code)


def explained_issue(world: World) -> Call:
    return_ = make_return(world)
    issue = make_issue(world, return_, explained=True)
    return Call({"return_id": return_.id, "issue_id": issue.id}, json={"decision": "accept"})


def open_issue_form(world: World) -> Call:
    """An open warning, and the college's explanation of it as the return page posts it."""
    call = open_issue(world)
    return Call(call.params, form={"text": "The cohort was small this year."})


def explained_issue_form(world: World) -> Call:
    """An explained warning, and a reviewer's acceptance as the review page posts it."""
    return_ = make_return(world)
    issue = make_issue(world, return_, explained=True)
    return Call({"return_id": return_.id}, form={"issue_id": str(issue.id), "decision": "accept"})


def thread_message(world: World) -> Call:
    return Call({"return_id": make_return(world).id}, form={"body": "Please check the counts."})


def new_return(world: World) -> Call:
    return Call(json=return_payload(world.own, world.period.code))


def return_file(world: World) -> Call:
    csv = dump_returns_to_csv([return_payload(world.own, world.period.code)])
    return Call(form={"file": (io.BytesIO(csv), "returns.csv")})


def return_form(world: World) -> Call:
    return Call(form=values_from_payload(return_payload(world.own, world.period.code)))


def own_draft(world: World) -> Call:
    """A draft of the own college's return for the open period."""
    from registry.models import Draft

    draft = Draft(institution_id=world.own.id, period_id=world.period.id,
                  programme_code="UG-DRAFT", values={}, saved_by="test")
    world.session.add(draft)
    world.session.flush()
    return Call({"draft_id": draft.id})


def uploaded_return(world: World) -> Call:
    """A return as an upload names it on the findings page: ?v=<return id>:<version>."""
    return Call(query={"v": f"{make_return(world).id}:1"})


def template_period(world: World) -> Call:
    return Call(query={"period": world.period.code})


def unpublished_release(world: World) -> Call:
    release = make_release(world, published=False)
    return Call({"release_id": release.id}, marker=release.pipeline_run_id)


def published_release(world: World) -> Call:
    return Call({"release_id": make_release(world, published=True).id})


def indicator_series(world: World) -> Call:
    make_release(world, published=True)
    return Call({"code": "coverage"})


def release_to_confirm(world: World) -> Call:
    return Call({"release_id": make_release(world, published=False).id}, form={"reason": ""})


def release_to_build(world: World) -> Call:
    make_return(world, "validated")
    return Call(form={"action": "build", "period": world.period.code,
                      "build_id": uuid.uuid4().hex})


def schedule_form(world: World) -> Call:
    return Call(form={"period": world.period.code, "kind": "final", "release_on": "2031-06-01"})


def previewed_release(world: World) -> Call:
    release = make_preview(world)
    return Call({"release_id": release.id}, marker=f"Release {release.number}:")


def preview_query(world: World) -> Call:
    release = make_preview(world)
    form = {"indicator": "coverage", "return": make_return(world, "validated").id,
            "body": "Our coverage was higher."}
    return Call({"release_id": release.id}, form=form)


def comparison(world: World) -> Call:
    make_release(world, published=True)
    return Call({"code": world.own.code},
                query={"period": world.period.code, "institution": world.own.code})


def peer_group(world: World) -> Call:
    group = make_peer_group(world)
    return Call({"group_id": group.id}, marker=group.name)


def new_peer_group(world: World) -> Call:
    members = [world.own.code, world.other.code, *make_extra_colleges(world, 3)]
    body = {"name": "Access peers", "members": members}
    return Call(json=body, form=body)


def new_period(world: World) -> Call:
    return Call(json={"code": "2031", "name": "Academic year 2031", "starts_on": "2031-01-01",
                      "ends_on": "2031-12-31", "opens_at": "2031-01-01T00:00:00+00:00",
                      "closes_at": "2031-12-31T00:00:00+00:00",
                      "due_at": "2031-12-30T00:00:00+00:00"})


def period_form(world: World) -> Call:
    return Call(form={"code": "2031", "name": "Academic year 2031", "starts_on": "2031-01-01",
                      "ends_on": "2031-12-31", "opens_at": "2031-01-01",
                      "closes_at": "2031-12-31", "due_at": "2031-12-30"})


def extension(world: World) -> Call:
    return Call({"code": world.period.code}, json={
        "institution": world.own.code, "until": extension_until(world), "reason": "Floods"})


def standard_versions(world: World) -> Call:
    return Call({"code": world.period.code}, json={"standard_versions": ["1.0", "1.1"]})


def own_cohorts(world: World) -> Call:
    return Call(query={"institution": world.own.code})


def standard_version(world: World) -> Call:
    return Call({"version": "1.1"})


def new_programme(world: World) -> Call:
    return Call(json={"institution": world.own.code, "code": "UG-NEW", "name": "New programme",
                      "level": "undergraduate", "model": "group", "disciplines": ["medicine"]})


def new_release(world: World) -> Call:
    make_return(world, "validated")
    return Call(json={"period": world.period.code})


def new_token(world: World) -> Call:
    return Call(json={"name": "another token"})


def college_token(world: World) -> Call:
    token_id = make_college_token(world)
    return Call({"token_id": token_id}, form={"revoke": str(token_id)}, marker="to revoke")


def college_message(world: World) -> Call:
    return Call(marker=make_college_message(world))


def side_by_side(world: World) -> Call:
    """The own college's university and the period of a published release."""
    make_release(world, published=True)
    return Call(query={"university": world.own.university.code, "period": world.period.code},
                marker=world.own.code)


def side_by_side_csv(world: World) -> Call:
    call = side_by_side(world)
    return Call(query={**call.query, "format": "csv"}, marker=call.marker)


def language_choice(world: World) -> Call:
    return Call(form={"language": "en", "next": "/programmes"})


def credentials(world: World) -> Call:
    user = make_user(world.session, "college", institution_id=world.own.id,
                     university_id=world.own.university_id)
    return Call(form={"email": user.email, "password": TEST_PASSWORD})


# --- the rule table -------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    setup: object
    expect: dict
    variant: str = ""


def rule(method, path, setup, anon, col, col2, tok, tok2, uni, uni2, reg, adm, variant=""):
    statuses = (anon, col, col2, tok, tok2, uni, uni2, reg, adm)
    return Rule(method, path, setup, dict(zip(ROLES, statuses, strict=True)), variant)


EVERYONE = (200,) * 9
API_ANY_TOKEN = (NO_TOKEN, NO_TOKEN, NO_TOKEN, 200, 200, 200, 200, 200, 200)
API_LIST_SCOPED = (NO_TOKEN, NO_TOKEN, NO_TOKEN, LISTED, UNLISTED, LISTED, UNLISTED, LISTED,
                   LISTED)
API_OWN_SCOPE = (NO_TOKEN, NO_TOKEN, NO_TOKEN, 200, HIDDEN, 200, HIDDEN, 200, 200)
API_NATIONAL = (NO_TOKEN, NO_TOKEN, NO_TOKEN, DENIED, DENIED, DENIED, DENIED)  # + reg, adm
API_OWN_COLLEGE = (NO_TOKEN, NO_TOKEN, NO_TOKEN, 201, DENIED, DENIED, DENIED, DENIED, DENIED)
NATIONAL_ONLY = (HIDDEN,) * 7 + (200, 200)
PAGE_NATIONAL = (LOGIN, DENIED, DENIED, LOGIN, LOGIN, DENIED, DENIED)  # + reg, adm
PAGE_OWNERS = (LOGIN, DENIED, DENIED, LOGIN, LOGIN, 200, 200, 200, 200)
COLLEGE_WRITES = (LOGIN, SEE_OTHER, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED)
REVIEW_PAGE = (LOGIN, DENIED, DENIED, LOGIN, LOGIN, 200, HIDDEN, 200, DENIED)
REVIEW_WRITES = (LOGIN, DENIED, DENIED, LOGIN, LOGIN, SEE_OTHER, HIDDEN, SEE_OTHER, DENIED)

COLLEGE_PREVIEW_LIST = (LOGIN, LISTED, UNLISTED, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED)
COLLEGE_PREVIEW = (LOGIN, 200, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED)
NOT_PREVIEWED = (LOGIN, HIDDEN, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED)
COLLEGE_QUERY = (LOGIN, SEE_OTHER, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED)

V1 = "/api/v1"
R = f"{V1}/returns/<int:return_id>"
REL = f"{V1}/releases/<int:release_id>"

# rule(method, path, setup, anon, col, col2, tok, tok2, uni, uni2, reg, adm)
RULES = [
    # the API: public reads
    rule("GET", "/openapi.json", nothing, *EVERYONE),
    rule("GET", f"{V1}/institutions", nothing, *EVERYONE),
    rule("GET", f"{V1}/institutions/<code>", institution, *EVERYONE),
    rule("GET", f"{V1}/programmes", programme, *EVERYONE),
    rule("GET", f"{V1}/programmes/<institution>/<code>", programme, *EVERYONE),
    rule("GET", f"{V1}/periods", period, *EVERYONE),
    rule("GET", f"{V1}/periods/<code>", period, *EVERYONE),
    rule("GET", f"{V1}/indicators", nothing, *EVERYONE),
    rule("GET", f"{V1}/benchmarks", published_release, *EVERYONE),
    rule("GET", f"{V1}/indicators/<string:code>/series", indicator_series, *EVERYONE),
    rule("GET", f"{V1}/quality/rules", nothing, *EVERYONE),
    rule("GET", f"{V1}/standard/dictionary", nothing, *EVERYONE),
    rule("GET", f"{V1}/standard/return.schema.json", nothing, *EVERYONE),
    rule("GET", f"{V1}/standard/template.xlsx", nothing, *EVERYONE),
    rule("GET", f"{V1}/standard/<version>/return.schema.json", standard_version, *EVERYONE),
    rule("GET", f"{V1}/standard/<version>/dictionary", standard_version, *EVERYONE),
    rule("GET", f"{V1}/standard/<version>/template.xlsx", standard_version, *EVERYONE),
    rule("GET", f"{V1}/releases", unpublished_release, *(UNLISTED,) * 7, LISTED, LISTED),
    # releases: published ones are open data, unpublished ones national only
    rule("GET", REL, published_release, *EVERYONE, variant="published"),
    rule("GET", REL, unpublished_release, *NATIONAL_ONLY, variant="unpublished"),
    rule("GET", f"{REL}/export.csv", published_release, *EVERYONE, variant="published"),
    rule("GET", f"{REL}/export.csv", unpublished_release, *NATIONAL_ONLY,
         variant="unpublished"),
    rule("GET", f"{REL}/export.json", published_release, *EVERYONE, variant="published"),
    rule("GET", f"{REL}/export.json", unpublished_release, *NATIONAL_ONLY,
         variant="unpublished"),
    rule("GET", f"{REL}/export.sdmx.csv", published_release, *EVERYONE, variant="published"),
    rule("GET", f"{REL}/export.sdmx.csv", unpublished_release, *NATIONAL_ONLY,
         variant="unpublished"),
    rule("GET", f"{REL}/structure.xml", published_release, *EVERYONE, variant="published"),
    rule("GET", f"{REL}/structure.xml", unpublished_release, *NATIONAL_ONLY,
         variant="unpublished"),
    rule("POST", f"{V1}/releases", new_release, *API_NATIONAL, 201, 201),
    rule("GET", f"{V1}/releases/calendar", nothing, *EVERYONE),
    rule("GET", f"{REL}/datapackage.json", published_release, *EVERYONE, variant="published"),
    rule("GET", f"{REL}/datapackage.json", unpublished_release, *NATIONAL_ONLY,
         variant="unpublished"),
    rule("GET", f"{REL}/datapackage.json", previewed_release, *NATIONAL_ONLY,
         variant="previewed"),
    rule("POST", f"{REL}/publication", unpublished_release,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, 201, 201),
    # periods: the regulator opens them and grants extensions
    rule("POST", f"{V1}/periods", new_period, *API_NATIONAL, 201, 201),
    rule("POST", f"{V1}/periods/<code>/extensions", extension, *API_NATIONAL, 201, 201),
    rule("PUT", f"{V1}/periods/<code>/standard-versions", standard_versions, *API_NATIONAL,
         200, 200),
    # a college registers and submits for itself only
    rule("POST", f"{V1}/programmes", new_programme, *API_OWN_COLLEGE),
    rule("POST", f"{V1}/returns", new_return, *API_OWN_COLLEGE),
    rule("POST", f"{V1}/returns/bulk", return_file, *API_OWN_COLLEGE),
    rule("POST", f"{V1}/returns/validate", new_return,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, 200, DENIED, DENIED, DENIED, DENIED, DENIED),
    # returns: the college, its university and the nation read them; others never learn of them
    rule("GET", f"{V1}/returns", a_return, *API_LIST_SCOPED),
    rule("GET", R, a_return, *API_OWN_SCOPE),
    rule("GET", f"{R}/versions", a_return, *API_OWN_SCOPE),
    rule("GET", f"{R}/versions/<int:version>", a_return, *API_OWN_SCOPE),
    rule("GET", f"{R}/versions/<int:version>/quality", a_return, *API_OWN_SCOPE),
    rule("GET", f"{R}/decisions", a_return, *API_OWN_SCOPE),
    rule("POST", f"{R}/versions/<int:version>/decisions", validated_return,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, DENIED, HIDDEN, 201, HIDDEN, 201, DENIED),
    rule("POST", f"{R}/issues/<int:issue_id>/explanation", open_issue,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, 200, HIDDEN, DENIED, HIDDEN, DENIED, DENIED),
    rule("POST", f"{R}/issues/<int:issue_id>/decision", explained_issue,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, DENIED, HIDDEN, 200, HIDDEN, 200, DENIED),
    # oversight through the API
    rule("GET", f"{V1}/quality/board", open_issue, *API_NATIONAL[:5],
         LISTED, UNLISTED, LISTED, LISTED),
    rule("GET", f"{V1}/audit", a_return, *API_NATIONAL, 200, 200),
    rule("GET", f"{V1}/audit/export.csv", a_return, *API_NATIONAL, 200, 200),
    # comparison: own college, its university, the nation; institutions' existence is public
    rule("GET", f"{V1}/institutions/<code>/comparison", comparison,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, 200, DENIED, 200, DENIED, 200, 200),
    rule("GET", f"{V1}/peer-groups", peer_group, *API_LIST_SCOPED),
    rule("GET", f"{V1}/peer-groups/<int:group_id>", peer_group, *API_OWN_SCOPE),
    rule("POST", f"{V1}/peer-groups", new_peer_group,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, DENIED, DENIED, 201, 201, 201, 201),
    # tokens: your own (a college's: its institution's)
    rule("GET", f"{V1}/tokens", college_token, *API_NATIONAL[:3], LISTED, *(UNLISTED,) * 5),
    rule("POST", f"{V1}/tokens", new_token, *API_ANY_TOKEN[:3], *(201,) * 6),
    rule("DELETE", f"{V1}/tokens/<int:token_id>", college_token,
         NO_TOKEN, NO_TOKEN, NO_TOKEN, 200, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),

    # pages: public
    rule("GET", "/", nothing, *EVERYONE),
    rule("GET", "/healthz", nothing, *EVERYONE),
    rule("GET", "/api/docs", nothing, *EVERYONE),
    rule("GET", "/standard", nothing, *EVERYONE),
    rule("GET", "/indicators", nothing, *EVERYONE),
    rule("GET", "/benchmarks", published_release, *EVERYONE),
    rule("GET", "/cohorts", nothing, *EVERYONE),
    rule("GET", "/programmes", programme, *EVERYONE),
    rule("GET", "/programmes/<institution>/<code>", programme, *EVERYONE),
    rule("GET", "/quality/rules", nothing, *EVERYONE),
    rule("GET", "/login", nothing, *EVERYONE),
    rule("POST", "/login", credentials, *(SEE_OTHER,) * 9),
    rule("POST", "/logout", nothing, LOGIN, *(SEE_OTHER,) * 2, LOGIN, LOGIN,
         *(SEE_OTHER,) * 4),
    rule("GET", "/home", nothing, LOGIN, *(SEE_OTHER,) * 2, LOGIN, LOGIN, *(SEE_OTHER,) * 4),
    # the language switch: anyone may choose the language of the pages
    rule("POST", "/language", language_choice, *(SEE_OTHER,) * 9),
    # a reminder to the owning college reaches its users only
    rule("GET", "/messages", college_message,
         LOGIN, LISTED, UNLISTED, LOGIN, LOGIN, UNLISTED, UNLISTED, UNLISTED, UNLISTED),
    # pages: a college's own
    rule("GET", "/college", return_page,
         LOGIN, LISTED, UNLISTED, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("GET", "/college/returns/<int:return_id>", a_return,
         LOGIN, 200, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("POST", "/college/returns/<int:return_id>/issues/<int:issue_id>/explanation",
         open_issue_form, *COLLEGE_WRITES),
    rule("POST", "/college/returns/<int:return_id>/messages", thread_message, *COLLEGE_WRITES),
    rule("GET", "/college/submit", nothing,
         LOGIN, 200, 200, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    # the form always submits for the user's own college
    rule("POST", "/college/submit", return_form,
         LOGIN, SEE_OTHER, SEE_OTHER, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("GET", "/college/upload", nothing,
         LOGIN, 200, 200, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    # a draft is its college's alone; the findings page shows the college's own return
    rule("POST", "/college/drafts/<int:draft_id>/delete", own_draft,
         LOGIN, SEE_OTHER, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("GET", "/college/submitted/<int:return_id>/<int:version>", a_return,
         LOGIN, 200, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("GET", "/college/submitted", uploaded_return,
         LOGIN, 200, HIDDEN, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    # the training page checks a return for the user's own college and stores nothing
    rule("GET", "/college/practice", nothing,
         LOGIN, 200, 200, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("POST", "/college/practice", return_form,
         LOGIN, 200, 200, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    # each college downloads its own template
    rule("GET", "/college/template.xlsx", template_period,
         LOGIN, 200, 200, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("GET", "/college/template.csv", template_period,
         LOGIN, 200, 200, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    # a file of the owning college's returns: another college's user is refused (422 page)
    rule("POST", "/college/upload", return_file,
         LOGIN, SEE_OTHER, 422, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("GET", "/college/tokens", college_token,
         LOGIN, LISTED, UNLISTED, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    rule("POST", "/college/tokens", college_token,
         LOGIN, 200, 200, LOGIN, LOGIN, DENIED, DENIED, DENIED, DENIED),
    # …asking for the owning college's comparison or report
    rule("GET", "/college/comparison", comparison,
         LOGIN, 200, DENIED, LOGIN, LOGIN, 200, DENIED, 200, 200),
    rule("GET", "/college/feedback-report.pdf", comparison,
         LOGIN, 200, DENIED, LOGIN, LOGIN, 200, DENIED, 200, 200),
    rule("GET", "/college/cohorts", own_cohorts,
         LOGIN, 200, DENIED, LOGIN, LOGIN, 200, DENIED, 200, 200),
    # pages: reviewers and the regulator
    rule("GET", "/university", a_return,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, LISTED, UNLISTED, DENIED, DENIED),
    # a validated return waits for its university, not for another or for the regulator
    rule("GET", "/review", validated_return,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, LISTED, UNLISTED, UNLISTED, DENIED),
    rule("POST", "/review", validated_return,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, SEE_OTHER, 422, SEE_OTHER, DENIED),
    # a return's review page: its college's university and the regulator
    rule("GET", "/review/returns/<int:return_id>", a_return, *REVIEW_PAGE),
    rule("POST", "/review/returns/<int:return_id>", explained_issue_form, *REVIEW_WRITES,
         variant="explanation"),
    rule("POST", "/review/returns/<int:return_id>", validated_return, *REVIEW_WRITES,
         variant="decision"),
    rule("POST", "/review/returns/<int:return_id>", thread_message, *REVIEW_WRITES,
         variant="message"),
    rule("GET", "/quality/board", open_issue,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, LISTED, UNLISTED, LISTED, LISTED),
    rule("GET", "/peer-groups", peer_group,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, LISTED, UNLISTED, LISTED, LISTED),
    rule("GET", "/peer-groups/new", nothing, *PAGE_OWNERS),
    rule("POST", "/peer-groups/new", new_peer_group,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, SEE_OTHER, SEE_OTHER, SEE_OTHER, SEE_OTHER),
    rule("GET", "/peer-groups/<int:group_id>", peer_group,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, 200, HIDDEN, 200, 200),
    rule("POST", "/peer-groups/<int:group_id>/delete", peer_group,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, SEE_OTHER, HIDDEN, SEE_OTHER, SEE_OTHER),
    # a university's colleges side by side: its own reviewer and the nation, page and CSV
    rule("GET", "/university/side-by-side", side_by_side,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, LISTED, DENIED, LISTED, LISTED, variant="page"),
    rule("GET", "/university/side-by-side", side_by_side_csv,
         LOGIN, DENIED, DENIED, LOGIN, LOGIN, LISTED, DENIED, LISTED, LISTED, variant="csv"),
    rule("GET", "/regulator", nothing, *PAGE_NATIONAL, 200, 200),
    rule("GET", "/regulator/compliance", a_return, *PAGE_NATIONAL, LISTED, LISTED),
    rule("GET", "/regulator/audit", nothing, *PAGE_NATIONAL, 200, 200),
    rule("GET", "/regulator/periods", nothing, *PAGE_NATIONAL, 200, 200),
    rule("POST", "/regulator/periods", period_form, *PAGE_NATIONAL, SEE_OTHER, SEE_OTHER),
    rule("GET", "/regulator/releases", unpublished_release, *PAGE_NATIONAL, 200, 200),
    rule("POST", "/regulator/releases", release_to_build, *PAGE_NATIONAL,
         SEE_OTHER, SEE_OTHER),
    # publication: the calendar and catalogue are public; drafts, previews and queries not
    rule("GET", "/releases/calendar", nothing, *EVERYONE),
    rule("POST", "/releases/calendar", schedule_form, *PAGE_NATIONAL, SEE_OTHER, SEE_OTHER),
    rule("GET", "/releases/calendar.ics", nothing, *EVERYONE),
    rule("GET", "/releases/<int:release_id>", published_release, *EVERYONE,
         variant="published"),
    rule("GET", "/releases/<int:release_id>", unpublished_release, *NATIONAL_ONLY,
         variant="unpublished"),
    rule("GET", "/releases/<int:release_id>", previewed_release, *NATIONAL_ONLY,
         variant="previewed"),
    rule("GET", "/releases/<int:release_id>/publish", unpublished_release, *PAGE_NATIONAL,
         200, 200),
    rule("POST", "/releases/<int:release_id>/publish", release_to_confirm, *PAGE_NATIONAL,
         SEE_OTHER, SEE_OTHER),
    rule("POST", "/releases/<int:release_id>/preview", unpublished_release, *PAGE_NATIONAL,
         SEE_OTHER, SEE_OTHER),
    rule("GET", "/college/previews", previewed_release, *COLLEGE_PREVIEW_LIST),
    rule("GET", "/college/previews/<int:release_id>", previewed_release, *COLLEGE_PREVIEW),
    rule("GET", "/college/previews/<int:release_id>", unpublished_release,
         *NOT_PREVIEWED, variant="not opened"),
    rule("GET", "/college/previews/<int:release_id>/feedback-report.pdf", previewed_release,
         *COLLEGE_PREVIEW),
    rule("GET", "/college/previews/<int:release_id>/feedback-report.pdf",
         unpublished_release, *NOT_PREVIEWED, variant="not opened"),
    rule("POST", "/college/previews/<int:release_id>/queries", preview_query,
         *COLLEGE_QUERY),
    rule("GET", "/catalog.ttl", published_release, *EVERYONE),
    rule("GET", "/catalog.jsonld", published_release, *EVERYONE),
]

IGNORED_ENDPOINTS = {"static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def route_table() -> list[tuple[str, str]]:
    """Every (path pattern, method) the app serves, from its url_map."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "routes"})
    return sorted({(r.rule, m) for r in app.url_map.iter_rules()
                   if r.endpoint not in IGNORED_ENDPOINTS
                   for m in r.methods - IGNORED_METHODS})


ROUTES = route_table()
RULES_BY_ROUTE: dict[tuple[str, str], list[Rule]] = {}
for _rule in RULES:
    RULES_BY_ROUTE.setdefault((_rule.path, _rule.method), []).append(_rule)


def cases():
    """One case per route × method (× variant) × role; one failing case per unruled route."""
    for path, method in ROUTES:
        rules = RULES_BY_ROUTE.get((path, method))
        if not rules:
            yield pytest.param(path, method, None, None, id=f"{method} {path} NO RULE")
            continue
        for found in rules:
            for role in ROLES:
                label = f"{method} {path}{' ' + found.variant if found.variant else ''} {role}"
                yield pytest.param(path, method, found, role, id=label)


CASES = list(cases())


@pytest.fixture(scope="module")
def matrix_app(database_url):
    """One app per database for the whole matrix (building one costs ~0.25 s)."""
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                       "WTF_CSRF_ENABLED": False})


@pytest.fixture
def matrix_client(matrix_app, session_factory):
    """A client whose requests join this test's rolled-back transaction."""
    matrix_app.extensions["registry.sessionmaker"] = session_factory
    return matrix_app.test_client()


def url_for_rule(path: str, params: dict) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(params[m.group(1)]), path)


def test_every_rule_names_a_route_the_app_serves(record_property, capsys):
    stale = sorted({(r.path, r.method) for r in RULES} - set(ROUTES))
    ruled = sum(1 for case in CASES if case.values[2] is not None)
    record_property("access_matrix_cases", ruled)
    with capsys.disabled():
        print(f"\naccess matrix: {len(ROUTES)} routes × methods, {len(RULES)} rules, "
              f"{ruled} cases per database")
    assert not stale, f"access rules for routes the app no longer serves: {stale}"


@pytest.mark.parametrize(("path", "method", "access", "role"), CASES)
def test_access(matrix_client, session, path, method, access, role):
    if access is None:
        pytest.fail(f"new endpoint without an access rule: {method} {path}", pytrace=False)
    world = make_world(session)
    call = access.setup(world)
    principal = make_principal(world, role)
    log_in(matrix_client, principal)
    as_json = call.json is not None and (path.startswith("/api/") or call.form is None)
    response = matrix_client.open(
        url_for_rule(path, call.params), method=method, headers=principal.headers,
        query_string=call.query, json=call.json if as_json else None,
        data=None if as_json else call.form)
    expected = access.expect[role]
    body = response.get_data().decode(errors="replace")
    if expected in (LISTED, UNLISTED):
        assert response.status_code == 200, body[:300]
        assert (call.marker in body) == (expected == LISTED), f"{call.marker!r} {expected}"
    elif expected == LOGIN:
        assert response.status_code == 302, body[:300]
        assert response.headers["Location"].startswith("/login"), response.headers["Location"]
    else:
        assert response.status_code == expected, body[:300]
        if expected == SEE_OTHER:
            assert not response.headers["Location"].startswith("/login")
