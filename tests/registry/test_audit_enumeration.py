"""Every service operation that changes data leaves an audit event naming its action, its
actor and its object.

The list of writing operations is generated from the service layer's source, as the
access matrix is generated from the routes: a public function of `registry.services`
that adds, deletes, merges or assigns to rows, executes an INSERT, UPDATE or DELETE, or
records an event (itself or through the module's private helpers) must appear below,
either with a case asserting its audit event or with the reason it has none. A new write
without one fails `test_every_writing_service_operation_is_listed`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

import registry.demo
import registry.services
from expectations import rules_by_id
from registry.db import utcnow
from registry.models import AuditEvent, QualityIssue, Return, University, User
from registry.services.accounts import accounts, tokens
from registry.services.accounts.actors import Actor
from registry.services.quality import quality, quality_checks
from registry.services.quality.quality_checks import Finding
from registry.services.register import peer_groups, periods, programmes, register
from registry.services.releases import feedback_report, publication, releases, stored_charts
from registry.services.review import review, threads
from registry.services.submission import drafts, submissions
from tests.factories import make_institution, return_payload
from tests.registry.benchmark_data import add_return, closed_period, payload_with, seven_colleges

# The service layer by stage (registry/services/<stage>/*.py) and the demo data built on it.
SOURCES = (*sorted(Path(registry.services.__file__).parent.rglob("*.py")),
           *sorted(Path(registry.demo.__file__).parent.glob("*.py")))
ROW_WRITES = {"add", "add_all", "delete", "merge"}
SQL_WRITE = re.compile(r"\b(insert|update|delete)\(|\b[A-Z_]*(INSERT|UPDATE|DELETE|APPEND|TOUCH)")

# Writes that are not audited, and why.
NOT_AUDITED = {
    "audit.record_event": "writes the audit trail itself",
    "tokens.actor_for_token": "notes a token's last use (bookkeeping shown on the token list)",
    "register.load_reference_data": "merges the fixed coding frames shipped with the code",
    "reminders.plan_messages": "the message rows are the record: created by the scheduler, "
                               "with their own time",
    "reminders.run_reminders": "plan_messages and send_pending",
    "reminders.send_pending": "stamps emailed_at / email_error on the message it sent",
    "seed.seed_demo": "demo data, through the audited services (assigns a summary only)",
    "quality_checks.validate_frame": "assigns a Great Expectations context setting, no row",
    "quality_checks.run_suite": "assigns a Great Expectations context setting, no row",
    "quality_checks.prepare_check": "reads and validates (validate_frame's context setting)",
    "threads.read_thread": "moves the reader's read marker (a row per page view, not an act)",
    "threads.deliver": "stamps emailed_at / email_error on the thread messages it sent",
}
# Writes whose audit event is asserted through the operation that calls them.
AUDITED_THROUGH = {
    "releases.store_release": "releases.build_release",
    "quality_checks.apply_statuses": "quality_checks.store_findings",
    "quality_checks.check_period": "quality_checks.store_findings",
    "quality_checks.store_check": "quality_checks.store_findings",
    "quality.refresh_version_status": "quality.decide_issue",
    "review.decide_many": "review.decide",
    "threads.add_to_thread": "threads.post_message",
    "publication.publish_due": "releases.publish_release",
}


def _writes(node: ast.AST) -> bool:
    """Whether a function body writes rows or records an event by itself."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            if n.func.attr in ROW_WRITES and ast.unparse(n.func.value) == "session":
                return True
            if n.func.attr == "execute" and SQL_WRITE.search(ast.unparse(n)):
                return True
        if isinstance(n, ast.Call) and ast.unparse(n.func) in ("record_event", "event_values"):
            return True
        if isinstance(n, ast.Assign | ast.AugAssign):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            for target in targets:
                for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(item, ast.Attribute) and ast.unparse(item.value) != "self":
                        return True
    return False


def written_by_services() -> set[str]:
    """`module.function` of every public service function that writes (helpers included)."""
    found = set()
    stems = [path.stem for path in SOURCES if path.stem != "__init__"]
    assert len(stems) == len(set(stems)), "operations are named module.function: stems differ"
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        functions = {f.name: f for f in tree.body if isinstance(f, ast.FunctionDef)}
        found |= {f"{path.stem}.{name}" for name in functions
                  if not name.startswith("_") and _writes_through(name, functions)}
    return found


def _writes_through(name: str, functions: dict, seen: frozenset = frozenset()) -> bool:
    """Whether the function, or a function of its module it calls, writes."""
    if _writes(functions[name]):
        return True
    called = {n.func.id for n in ast.walk(functions[name])
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return any(_writes_through(c, functions, seen | {name})
               for c in called & functions.keys() - seen - {name})


def _user(session, role: str, **extra) -> User:
    """A user without a password (make_user's argon2 hash costs ~0.5 s; these never log in)."""
    user = User(email=f"{role}@audit.example", name=role, password_hash="!", role=role, **extra)
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def world(session, college, period):
    """Actors of every role around one college and an open period."""
    kmu = session.scalar(select(University).where(University.code == "KMU"))
    users = {role: _user(session, role, **extra) for role, extra in {
        "college": {"institution_id": college.id, "university_id": college.university_id},
        "university": {"university_id": kmu.id}, "regulator": {}, "admin": {}}.items()}
    return {"institution": college, "period": period, "users": users,
            **{role: Actor.for_user(user) for role, user in users.items()}}


def _submit(session, w):
    result = submissions.submit_return(session, w["college"], return_payload(w["institution"]))
    return w["college"], ("return.submit", "return", result.return_id)


def _store(session, w):
    results = submissions.store_returns(session, w["college"], [return_payload(w["institution"])],
                                        source="csv")
    return w["college"], ("return.submit", "return", results[0].return_id)


def _register_programme(session, w):
    programmes.register_programme(session, w["college"], w["institution"], code="UG-1",
                                  name="UG", level="undergraduate", model="mixed",
                                  disciplines=["medicine"], start_date=None)
    return w["college"], ("programme.register", "programme", f"{w['institution'].code}/UG-1")


def _insert_programme(session, w):
    programmes.insert_programme(session, w["college"], w["institution"], code="UG-2",
                                name="UG", level="undergraduate", model="mixed",
                                disciplines=["medicine"], start_date=None)
    return w["college"], ("programme.register", "programme", f"{w['institution'].code}/UG-2")


def _create_user(session, w):
    user = accounts.create_user(session, w["admin"], email="new@test.example", name="New",
                                password="a long enough password", role="regulator")
    return w["admin"], ("user.create", "user", user.id)


def _create_period(session, w):
    opens = w["period"].opens_at + timedelta(days=400)
    periods.create_period(session, w["regulator"], code="2026", name="2026-27",
                          starts_on=opens.date(), ends_on=(opens + timedelta(days=300)).date(),
                          opens_at=opens, closes_at=opens + timedelta(days=60),
                          due_at=opens + timedelta(days=50))
    return w["regulator"], ("period.create", "period", "2026")


def _grant_extension(session, w):
    periods.grant_extension(session, w["regulator"], w["period"], w["institution"],
                            w["period"].closes_at + timedelta(days=7), "flood")
    return w["regulator"], ("period.extension", "period", w["period"].code)


def _set_standard_versions(session, w):
    periods.set_standard_versions(session, w["regulator"], w["period"], ["1.0", "1.1"])
    return w["regulator"], ("period.standard_versions", "period", w["period"].code)


def _members(session) -> list[str]:
    return [make_institution(session, code=f"KP-AUD-{k}").code for k in range(5)]


def _create_peer_group(session, w):
    group = peer_groups.create_peer_group(session, w["university"], "Peers", _members(session))
    return w["university"], ("peer_group.create", "peer_group", group.id)


def _delete_peer_group(session, w):
    group = peer_groups.create_peer_group(session, w["university"], "Peers", _members(session))
    peer_groups.delete_peer_group(session, w["university"], group.id)
    return w["university"], ("peer_group.delete", "peer_group", group.id)


def _create_token(session, w):
    issued = tokens.create_token(session, w["college"], w["users"]["college"], "toolkit")
    return w["college"], ("token.create", "api_token", issued.token.id)


def _revoke_token(session, w):
    issued = tokens.create_token(session, w["college"], w["users"]["college"], "toolkit")
    tokens.revoke_token(session, w["college"], issued.token.id)
    return w["college"], ("token.revoke", "api_token", issued.token.id)


def _release(session, w):
    period = closed_period(session, "2023")
    seven_colleges(session, period)
    return releases.build_release(session, w["regulator"], period, releases.ReleaseSettings(),
                                  run_id="audit")


def _build_release(session, w):
    release = _release(session, w)
    return w["regulator"], ("release.build", "release", release.number)


def _publish_release(session, w):
    release = _release(session, w)
    releases.publish_release(session, w["regulator"], release)
    return w["regulator"], ("release.publish", "release", release.number)


def _schedule_release(session, w):
    entry = publication.schedule_release(session, w["regulator"], w["period"], "final",
                                         w["period"].ends_on + timedelta(days=60))
    return w["regulator"], ("release.schedule", "release_schedule", entry.id)


def _open_preview(session, w):
    release = _release(session, w)
    publication.open_preview(session, w["regulator"], release,
                             publication.PublicationSettings())
    return w["regulator"], ("release.preview", "release", release.number)


def _raise_query(session, w):
    period = closed_period(session, "2023")
    college = seven_colleges(session, period)[0]
    release = releases.build_release(session, w["regulator"], period,
                                     releases.ReleaseSettings(), run_id="audit-query")
    publication.open_preview(session, w["regulator"], release,
                             publication.PublicationSettings())
    officer = Actor("user:officer", "college", institution_id=college.id,
                    university_id=college.university_id)
    return_id = session.scalar(select(Return.id).where(Return.institution_id == college.id))
    query = publication.raise_query(session, officer, release.id, "coverage", return_id,
                                    "Is this our coverage?")
    return officer, ("release.query", "release_query", query.id)


def _schedule_publication(session, w):
    release = _release(session, w)
    publication.open_preview(session, w["regulator"], release,
                             publication.PublicationSettings())
    publication.schedule_publication(session, w["regulator"], release, None)
    return w["regulator"], ("release.schedule_publication", "release", release.number)


def _confirm_publication(session, w):
    release = _release(session, w)
    publication.confirm_publication(session, w["regulator"], release, None)
    return w["regulator"], ("release.publish", "release", release.number)


def _prerender_reports(session, w):
    release = _release(session, w)
    feedback_report.prerender_reports(session, w["regulator"], release)
    return w["regulator"], ("release.feedback_reports", "release", release.number)



def _store_charts(session, w):
    _release(session, w)
    stored_charts.prerender_charts(session, w["regulator"], ("en",), utcnow())
    return w["regulator"], ("charts.store", "stored_charts", "default views")


def _load_register(session, w):
    rows = [register.RegisterRow("KP-REG-1", "New College", "medical", "public", "KP", "KMU")]
    register.load_register(session, rows, w["admin"])
    return w["admin"], ("register.load", "register", "institutions")


def _decide_review(session, w):
    add_return(session, w["institution"], w["period"],
               payload_with(w["institution"], w["period"], "undergraduate"))
    return_ = session.scalar(select(Return).where(Return.institution_id == w["institution"].id))
    review.decide(session, w["university"], return_.id, 1, "approve", None)
    return w["university"], ("review.approve", "return_version", return_.versions[0].id)


def _raise_warning(session, w) -> tuple[int, int]:
    """A submitted return with one stored warning (the pipeline's store step, no GX)."""
    return_id = submissions.submit_return(session, w["college"],
                                          return_payload(w["institution"])).return_id
    return_ = session.get(Return, return_id)
    version = return_.versions[-1]
    rule = next(r for r in rules_by_id().values() if r.severity == "warning")
    finding = Finding(version.id, rule.id, rule.field, rule.severity, rule.kind, "x",
                      rule.expected, rule.message)
    targets = pd.DataFrame({"return_id": [return_id], "version_status": [version.status],
                            "return_status": [return_.status]}, index=[version.id])
    quality_checks.store_findings(session, w["regulator"], return_.period, targets, [finding])
    return return_id, session.scalar(select(QualityIssue.id).where(
        QualityIssue.return_version_id == version.id))


def _store_findings(session, w):
    _raise_warning(session, w)
    return w["regulator"], ("quality.issues", "period", w["period"].code)


def _explain_issue(session, w):
    return_id, issue_id = _raise_warning(session, w)
    quality.explain_issue(session, w["college"], return_id, issue_id, text="Known cause.")
    return w["college"], ("quality.explain", "quality_issue", issue_id)


def _decide_issue(session, w):
    return_id, issue_id = _raise_warning(session, w)
    quality.explain_issue(session, w["college"], return_id, issue_id, text="Known cause.")
    quality.decide_issue(session, w["university"], return_id, issue_id, decision="accept")
    return w["university"], ("quality.accept", "quality_issue", issue_id)


def _save_draft(session, w):
    draft = drafts.save_draft(session, w["college"], w["period"].code, "UG-1",
                              {"capacity.enrolled_mentees": "12"})
    return w["college"], ("draft.save", "return_draft", draft.id)


def _delete_draft(session, w):
    draft = drafts.save_draft(session, w["college"], w["period"].code, "UG-1", {})
    drafts.delete_draft(session, w["college"], draft.id)
    return w["college"], ("draft.delete", "return_draft", draft.id)


def _discard_submitted(session, w):
    draft = drafts.save_draft(session, w["college"], w["period"].code, "UG-1", {})
    drafts.discard_submitted(session, w["college"],
                             [(w["institution"].id, w["period"].id, "UG-1")])
    return w["college"], ("draft.discard", "return_draft", draft.id)


def _post_message(session, w):
    return_id, _ = _raise_warning(session, w)
    message = threads.post_message(session, w["college"], return_id, "A question.")
    return w["college"], ("thread.post", "message", message.id)


CASES: dict[str, Callable] = {
    "drafts.save_draft": _save_draft,
    "drafts.delete_draft": _delete_draft,
    "drafts.discard_submitted": _discard_submitted,
    "threads.post_message": _post_message,
    "submissions.submit_return": _submit,
    "submissions.store_returns": _store,
    "programmes.register_programme": _register_programme,
    "programmes.insert_programme": _insert_programme,
    "accounts.create_user": _create_user,
    "periods.create_period": _create_period,
    "periods.grant_extension": _grant_extension,
    "periods.set_standard_versions": _set_standard_versions,
    "peer_groups.create_peer_group": _create_peer_group,
    "peer_groups.delete_peer_group": _delete_peer_group,
    "tokens.create_token": _create_token,
    "tokens.revoke_token": _revoke_token,
    "releases.build_release": _build_release,
    "releases.publish_release": _publish_release,
    "publication.schedule_release": _schedule_release,
    "publication.open_preview": _open_preview,
    "publication.raise_query": _raise_query,
    "publication.confirm_publication": _confirm_publication,
    "publication.schedule_publication": _schedule_publication,
    "feedback_report.prerender_reports": _prerender_reports,
    "stored_charts.prerender_charts": _store_charts,
    "register.load_register": _load_register,
    "review.decide": _decide_review,
    "quality_checks.store_findings": _store_findings,
    "quality.explain_issue": _explain_issue,
    "quality.decide_issue": _decide_issue,
}


def test_every_writing_service_operation_is_listed():
    listed = set(CASES) | set(NOT_AUDITED) | set(AUDITED_THROUGH)
    assert written_by_services() == listed


def test_operations_audited_through_another_name_a_listed_case():
    assert set(AUDITED_THROUGH.values()) <= set(CASES)


@pytest.mark.parametrize("operation", sorted(CASES))
def test_a_write_records_its_action_actor_and_object(session, world, operation):
    before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    actor, (action, object_type, object_id) = CASES[operation](session, world)
    session.flush()
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.id > before, AuditEvent.action == action)).all()
    assert [(e.actor, e.actor_user_id, e.object_type, e.object_id) for e in events][-1:] == [
        (actor.label, actor.user_id, object_type, str(object_id))]
