"""Submitting returns at the service: the stored version, its audit row, idempotency keys,
the programme directory, and files of returns; on SQLite and on PostgreSQL (which counts,
writes and audits a version in one statement)."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from registry.models import AuditEvent, IdempotencyRecord, Programme, Return, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.errors import Conflict, ValidationFailed
from registry.services.register.periods import grant_extension
from registry.services.submission.pipeline_trigger import DISPATCH_KEY, PENDING_KEY
from registry.services.submission.submissions import (
    IDEMPOTENCY_WINDOW,
    payload_digest,
    store_returns,
    submission_outcome,
    submit_return,
)
from tests.factories import make_period, make_user, return_payload


@pytest.fixture
def submitter(session, college) -> Actor:
    user = make_user(session, "college", institution_id=college.id,
                     university_id=college.university_id)
    return Actor.for_user(user, address="10.0.0.7")


def _events(session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "return.submit")
                                .order_by(AuditEvent.id)))


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def test_a_version_keeps_the_figures_who_sent_them_from_where_and_when(session, college, period,
                                                                       submitter):
    payload = return_payload(college)
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    result = submit_return(session, submitter, payload, source="toolkit",
                           client_version="2.4.1", now=received)
    stored = session.get(ReturnVersion, result.version_id)
    assert (stored.return_id, stored.version, stored.payload, stored.payload_sha256) == (
        result.return_id, 1, payload, payload_digest(payload))
    assert (stored.schema_version, stored.source, stored.client_version, stored.status) == (
        payload["header"]["schema_version"], "toolkit", "2.4.1", "submitted")
    assert (stored.submitted_by, stored.submitted_by_user_id, stored.submitted_by_token_id) == (
        submitter.label, submitter.user_id, None)
    assert _naive(stored.received_at) == _naive(received) == _naive(result.received_at)
    return_ = session.get(Return, result.return_id)
    assert (return_.institution_id, return_.period_id, return_.latest_version,
            return_.status) == (college.id, period.id, 1, "submitted")
    assert return_.programme.code == payload["header"]["programme_code"]


def test_each_version_is_audited_with_the_actor_the_numbers_and_the_origin(
        session, college, period, submitter):
    first = return_payload(college)
    second = copy.deepcopy(first)
    second["capacity"]["active_mentors"] += 1
    results = [submit_return(session, submitter, first, source="toolkit", client_version="2.4.1"),
               submit_return(session, submitter, second, source="web")]
    events = _events(session)
    assert [(e.actor, e.actor_user_id, e.actor_token_id, e.address) for e in events] == [
        (submitter.label, submitter.user_id, None, "10.0.0.7")] * 2
    assert [(e.object_type, e.object_id, e.before, e.after) for e in events] == [
        ("return", str(results[0].return_id), None,
         f"version 1 ({payload_digest(first)[:12]})"),
        ("return", str(results[0].return_id), "version 1",
         f"version 2 ({payload_digest(second)[:12]})"),
    ]
    programme = first["header"]["programme_code"]
    assert [e.detail for e in events] == [
        {"institution": college.code, "programme": programme, "period": period.code,
         "source": "toolkit", "client_version": "2.4.1"},
        {"institution": college.code, "programme": programme, "period": period.code,
         "source": "web"},
    ]
    assert [r.version for r in results] == [1, 2]


def test_the_third_version_names_the_second_as_before(session, college, period, submitter):
    payload = return_payload(college)
    for _ in range(3):
        submit_return(session, submitter, payload)
    assert [(e.before, e.after.split(" (")[0]) for e in _events(session)] == [
        (None, "version 1"), ("version 1", "version 2"), ("version 2", "version 3")]


def test_returns_of_two_programmes_and_two_periods_are_counted_apart(session, college, period,
                                                                     submitter):
    make_period(session, "2026")
    results = [submit_return(session, submitter, return_payload(college, code, programme_code=p))
               for code, p in (("2025", "P-A"), ("2025", "P-B"), ("2026", "P-A"),
                               ("2025", "P-A"))]
    assert [r.version for r in results] == [1, 1, 1, 2]
    assert len({r.return_id for r in results}) == 3
    assert results[3].return_id == results[0].return_id


def test_the_same_key_and_figures_replay_the_version_without_a_new_one(session, college, period,
                                                                       submitter):
    payload = return_payload(college)
    first = submit_return(session, submitter, payload, idempotency_key="k-1")
    again = submit_return(session, submitter, copy.deepcopy(payload), idempotency_key="k-1")
    assert (again.version_id, again.version, again.replayed) == (first.version_id, 1, True)
    record = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "k-1"))
    assert (record.institution_id, record.return_version_id, record.request_sha256) == (
        college.id, first.version_id, payload_digest(payload))
    assert len(_events(session)) == 1


def test_the_same_key_with_other_figures_is_refused_naming_the_header(session, college, period,
                                                                      submitter):
    payload = return_payload(college)
    used_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    submit_return(session, submitter, payload, idempotency_key="k-2", now=used_at)
    changed = copy.deepcopy(payload)
    changed["capacity"]["active_mentors"] += 1
    with pytest.raises(Conflict) as refused:
        submit_return(session, submitter, changed, idempotency_key="k-2")
    assert refused.value.fields == {
        "Idempotency-Key": ["already used for a different request body"]}
    assert refused.value.message == (
        f"This Idempotency-Key was used at {used_at:%Y-%m-%d %H:%M} UTC for a return with "
        "different figures. A key stands for one request: send new figures with a new key.")


def test_a_key_as_old_as_the_window_makes_a_new_version(session, college, period, submitter):
    payload = return_payload(college)
    used_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    first = submit_return(session, submitter, payload, idempotency_key="k-3",
                          now=used_at - timedelta(hours=1))
    later = used_at - timedelta(hours=1) + IDEMPOTENCY_WINDOW
    again = submit_return(session, submitter, payload, idempotency_key="k-3", now=later)
    assert (again.version, again.replayed) == (2, False)
    assert again.version_id != first.version_id
    record = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "k-3"))
    assert (_naive(record.created_at), record.return_version_id) == (
        _naive(later), again.version_id)


def test_a_key_a_moment_inside_the_window_still_replays(session, college, period, submitter):
    payload = return_payload(college)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    first = submit_return(session, submitter, payload, idempotency_key="k-4", now=start)
    again = submit_return(session, submitter, payload, idempotency_key="k-4",
                          now=start + IDEMPOTENCY_WINDOW - timedelta(seconds=1))
    assert (again.version_id, again.replayed) == (first.version_id, True)


def test_a_key_whose_version_was_superseded_makes_its_figures_the_latest(session, college,
                                                                         period, submitter):
    payload = return_payload(college)
    submit_return(session, submitter, payload, idempotency_key="k-5")
    correction = copy.deepcopy(payload)
    correction["capacity"]["active_mentors"] += 1
    submit_return(session, submitter, correction, idempotency_key="k-6")
    again = submit_return(session, submitter, payload, idempotency_key="k-5")
    assert (again.version, again.replayed) == (3, False)
    record = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "k-5"))
    assert record.return_version_id == again.version_id


def test_a_key_is_one_colleges_own(session, college, other_college, period, submitter):
    other = Actor.for_user(make_user(session, "college", institution_id=other_college.id,
                                     university_id=other_college.university_id))
    mine = submit_return(session, submitter, return_payload(college), idempotency_key="shared")
    theirs = submit_return(session, other, return_payload(other_college),
                           idempotency_key="shared")
    assert (theirs.replayed, theirs.version) == (False, 1)
    assert theirs.return_id != mine.return_id
    retried = submit_return(session, other, return_payload(other_college),
                            idempotency_key="shared")
    assert (retried.version_id, retried.replayed) == (theirs.version_id, True)


def test_a_retry_replays_the_version_of_its_own_key(session, college, period, submitter):
    payload = return_payload(college)
    submit_return(session, submitter, payload, idempotency_key="k-a")
    correction = copy.deepcopy(payload)
    correction["capacity"]["active_mentors"] += 1
    second = submit_return(session, submitter, correction, idempotency_key="k-b")
    retried = submit_return(session, submitter, correction, idempotency_key="k-b")
    assert (retried.version_id, retried.version, retried.replayed) == (second.version_id, 2, True)


def test_a_first_return_registers_its_programme_from_its_programme_section(
        session, college, period, submitter):
    payload = return_payload(college, programme_code="P-REG")
    submit_return(session, submitter, payload)
    programme = session.scalar(select(Programme).where(Programme.code == "P-REG"))
    section = payload["programme"]
    assert (programme.institution_id, programme.name, programme.level, programme.model) == (
        college.id, section["name"], section["level"], section["model"])
    assert (programme.disciplines, programme.start_date) == (
        section["disciplines"], date.fromisoformat(section["start_date"]))
    assert programme.components_period == period.code


def test_the_directory_shows_the_components_of_the_latest_period_reported(
        session, college, period, submitter):
    make_period(session, "2026")
    later = return_payload(college, "2026", programme_code="P-COMP")
    earlier = return_payload(college, "2025", programme_code="P-COMP")
    earlier["governance"] = copy.deepcopy(earlier["governance"])
    submit_return(session, submitter, later)
    programme = session.scalar(select(Programme).where(Programme.code == "P-COMP"))
    components = dict(programme.components)
    submit_return(session, submitter, earlier)
    session.refresh(programme)
    assert (programme.components_period, programme.components) == ("2026", components)


def test_a_new_version_of_the_latest_period_updates_the_directorys_components(
        session, college, period, submitter):
    first = return_payload(college, programme_code="P-COMP")
    corrected = copy.deepcopy(first)
    corrected["governance"]["written_policy"] = True
    submit_return(session, submitter, first)
    submit_return(session, submitter, corrected)
    session.expire_all()  # read what was stored, not the objects the submissions updated
    programme = session.scalar(select(Programme).where(Programme.code == "P-COMP"))
    assert (programme.components_period, programme.components["written_policy"]) == (
        period.code, True)


def test_a_submission_asks_for_a_quality_run_of_its_period_at_commit(session, college, period,
                                                                     submitter):
    session.info[DISPATCH_KEY] = []
    submit_return(session, submitter, return_payload(college))
    assert session.info[PENDING_KEY] == {period.code}


def test_a_file_with_bad_returns_stores_nothing_and_names_each_problem_by_its_return(
        session, college, period, submitter):
    good, bad, closed = (return_payload(college, programme_code=p) for p in ("F-1", "F-2", "F-3"))
    make_period(session, "2019", open_now=False)
    bad["capacity"]["eligible_mentees"] = -1
    closed = return_payload(college, "2019", programme_code="F-3")
    with pytest.raises(ValidationFailed) as refused:
        store_returns(session, submitter, [good, bad, closed], source="csv")
    assert refused.value.message == "2 problem(s) in the file; nothing was stored."
    assert refused.value.fields == {
        "return 2: capacity.eligible_mentees": ["Must be 0 or more."],
        "return 3: header.period_code": ["submission window is closed"],
    }
    assert session.scalars(select(ReturnVersion)).all() == []


def test_a_file_stores_each_return_as_its_next_version_with_its_audit_row(
        session, college, period, submitter):
    submit_return(session, submitter, return_payload(college, programme_code="B-OLD"))
    payloads = [return_payload(college, programme_code=p) for p in ("B-OLD", "B-NEW", "B-OLD")]
    received = datetime.now(UTC).replace(microsecond=0)
    results = store_returns(session, submitter, payloads, source="xlsx", now=received)
    assert [(r.version, r.status, r.replayed) for r in results] == [
        (2, "submitted", False), (1, "submitted", False), (3, "submitted", False)]
    for result, payload in zip(results, payloads, strict=True):
        stored = session.get(ReturnVersion, result.version_id)
        assert (stored.return_id, stored.version, stored.source, stored.payload_sha256) == (
            result.return_id, result.version, "xlsx", payload_digest(payload))
        assert _naive(stored.received_at) == _naive(received)
        assert stored.submitted_by == submitter.label
    old = session.get(Return, results[0].return_id)
    assert (old.latest_version, old.status) == (3, "submitted")
    events = _events(session)[1:]
    assert [(e.object_id, e.before, e.after.split(" (")[0], e.detail["source"])
            for e in events] == [
        (str(results[0].return_id), "version 1", "version 2", "xlsx"),
        (str(results[1].return_id), None, "version 1", "xlsx"),
        (str(results[0].return_id), "version 2", "version 3", "xlsx"),
    ]


def test_the_outcome_names_the_version_a_submission_would_become(session, college, period,
                                                                 submitter):
    before = submission_outcome(session, college.id, period.code, "P-OUT")
    assert (before.adds_programme, before.version) == (True, 1)
    submit_return(session, submitter, return_payload(college, programme_code="P-OUT"))
    after = submission_outcome(session, college.id, period.code, "P-OUT")
    assert (after.adds_programme, after.version) == (False, 2)
    assert after.describe() == "Submitting will store version 2 of the P-OUT return for 2025."
    assert before.describe() == ("Submitting will add programme P-OUT to the programme "
                                 "directory and store version 1 of the P-OUT return for 2025.")


def test_a_return_for_an_institution_not_on_the_register_is_refused_naming_its_code(
        session, college, period, submitter):
    payload = return_payload(college)
    payload["header"]["institution_code"] = "XX-NOWHERE-1"
    with pytest.raises(ValidationFailed) as refused:
        submit_return(session, submitter, payload)
    assert refused.value.message == "Unknown institution 'XX-NOWHERE-1'."
    assert refused.value.fields == {
        "header.institution_code": ["'XX-NOWHERE-1' is not on the register"]}


def test_a_return_of_a_known_college_for_an_unknown_period_is_refused_naming_the_period(
        session, college, other_college, period, submitter):
    payload = return_payload(college, "2031")
    with pytest.raises(ValidationFailed) as refused:
        submit_return(session, submitter, payload)
    assert refused.value.message == "Unknown reporting period '2031'."
    assert refused.value.fields == {"header.period_code": ["'2031' is not a reporting period"]}


def test_the_outcome_for_a_registered_programme_new_to_the_period_is_its_version_1(
        session, college, period, submitter):
    make_period(session, "2026")
    submit_return(session, submitter, return_payload(college, "2025", programme_code="P-NEXT"))
    outcome = submission_outcome(session, college.id, "2026", "P-NEXT")
    assert (outcome.adds_programme, outcome.version) == (False, 1)


def test_a_file_counts_on_from_a_version_committed_after_the_session_read_the_return(
        session, session_factory, college, period, submitter):
    payload = return_payload(college, programme_code="B-STALE")
    first = submit_return(session, submitter, payload)
    read = session.get(Return, first.return_id)
    assert read.latest_version == 1
    with session_factory() as other:
        submit_return(other, submitter, payload)
        other.commit()
    [result] = store_returns(session, submitter, [payload], source="csv")
    assert (result.return_id, result.version, read.latest_version) == (first.return_id, 3, 3)


def test_a_file_registers_its_new_programmes_in_code_order_whatever_its_order(
        session, college, period, submitter):
    payloads = [return_payload(college, programme_code=p) for p in ("N-ZULU", "N-ALPHA")]
    store_returns(session, submitter, payloads, source="csv")
    registered = session.scalars(select(Programme.code).where(Programme.code.like("N-%"))
                                 .order_by(Programme.id)).all()
    assert registered == ["N-ALPHA", "N-ZULU"]


def test_a_file_is_checked_against_the_window_at_the_moment_it_is_stored_for(
        session, college, submitter):
    make_period(session, "2019", open_now=False)
    inside_the_window = datetime.now(UTC) - timedelta(days=30)
    [result] = store_returns(session, submitter, [return_payload(college, "2019")],
                             source="demo", now=inside_the_window)
    assert result.version == 1


def test_a_return_is_checked_against_the_window_at_the_moment_it_is_stored_for(
        session, college, submitter):
    make_period(session, "2019", open_now=False)
    inside_the_window = datetime.now(UTC) - timedelta(days=30)
    result = submit_return(session, submitter, return_payload(college, "2019"), source="demo",
                           now=inside_the_window)
    assert result.version == 1


def test_a_return_naming_no_source_is_recorded_as_sent_through_the_api(session, college,
                                                                      period, submitter):
    result = submit_return(session, submitter, return_payload(college))
    assert session.get(ReturnVersion, result.version_id).source == "api"


def test_a_file_names_a_later_returns_level_mismatch_by_its_number(session, college, period,
                                                                   submitter):
    submit_return(session, submitter, return_payload(college, programme_code="P-LVL"))
    changed = return_payload(college, programme_code="P-LVL")
    changed["programme"] = {**changed["programme"], "level": "undergraduate"}
    with pytest.raises(ValidationFailed) as refused:
        store_returns(session, submitter, [return_payload(college, programme_code="P-OTHER"),
                                           changed], source="csv")
    assert list(refused.value.fields) == ["return 2: programme.level"]


def test_a_file_naming_an_unknown_period_names_it_by_its_return(session, college, period,
                                                                submitter):
    payloads = [return_payload(college), return_payload(college, "2031", programme_code="U-1")]
    with pytest.raises(ValidationFailed) as refused:
        store_returns(session, submitter, payloads, source="csv")
    assert refused.value.fields == {
        "return 2: header.period_code": ["'2031' is not a reporting period"]}


def test_a_key_another_college_also_uses_still_replays_the_colleges_own_version(
        session, college, other_college, period, submitter):
    other = Actor.for_user(make_user(session, "college", institution_id=other_college.id,
                                     university_id=other_college.university_id))
    payload = return_payload(college)
    mine = submit_return(session, submitter, payload, idempotency_key="shared")
    submit_return(session, other, return_payload(other_college), idempotency_key="shared")
    retried = submit_return(session, submitter, payload, idempotency_key="shared")
    assert (retried.version_id, retried.replayed) == (mine.version_id, True)


def test_the_digest_is_the_sha256_of_the_compact_sorted_json_keeping_unicode():
    payload = {"b": [1, 2], "a": {"name": "Khyber Girls' Medical College – Peshawar"}}
    canonical = '{"a":{"name":"Khyber Girls\' Medical College – Peshawar"},"b":[1,2]}'
    assert payload_digest(payload) == hashlib.sha256(canonical.encode()).hexdigest()


def test_the_same_figures_in_another_key_order_replay_under_their_key(session, college, period,
                                                                      submitter):
    payload = return_payload(college)
    first = submit_return(session, submitter, payload, idempotency_key="k-order")
    reordered = {section: (dict(reversed(values.items())) if isinstance(values, dict)
                           else values) for section, values in reversed(payload.items())}
    again = submit_return(session, submitter, reordered, idempotency_key="k-order")
    assert (again.version_id, again.replayed) == (first.version_id, True)


def test_a_college_with_an_extension_submits_after_the_window_closed(session, college,
                                                                     submitter):
    closed = make_period(session, "2019", open_now=False)
    regulator = Actor.for_user(make_user(session, "regulator"))
    grant_extension(session, regulator, closed, college,
                    datetime.now(UTC) + timedelta(days=1), "Floods")
    result = submit_return(session, submitter, return_payload(college, "2019"))
    assert result.version == 1


def test_a_file_creates_its_new_returns_without_a_failing_statement(session, engine, college,
                                                                    period, submitter):
    failures = []

    def note(context):
        failures.append(context.statement)

    payloads = [return_payload(college, programme_code=p) for p in ("R-ONE", "R-TWO")]
    event.listen(engine, "handle_error", note)
    try:
        results = store_returns(session, submitter, payloads, source="csv")
    finally:
        event.remove(engine, "handle_error", note)
    assert [r.version for r in results] == [1, 1]
    assert failures == []


def test_a_file_of_one_colleges_returns_reads_its_codes_in_two_statements(
        session, connection, college, period, submitter):
    payloads = [return_payload(college, programme_code=p) for p in ("C-1", "C-2", "C-3")]
    store_returns(session, submitter, payloads, source="csv")  # registers the programmes
    reads = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "programmes" in statement:
            reads.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        results = store_returns(session, submitter, payloads, source="csv")
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert [r.version for r in results] == [2, 2, 2]
    assert len(reads) == 2


def test_a_return_of_a_registered_programme_reads_its_codes_in_one_statement(
        session, connection, college, period, submitter):
    payload = return_payload(college, programme_code="C-ONE")
    submit_return(session, submitter, payload)  # registers the programme
    reads = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "programmes" in statement and not statement.lstrip().upper().startswith("UPDATE"):
            reads.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        result = submit_return(session, submitter, payload)
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert result.version == 2
    assert len(reads) == 1


def test_a_file_holding_a_new_code_twice_registers_it_with_one_insert(
        session, connection, college, period, submitter):
    inserts = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO PROGRAMMES"):
            inserts.append(statement)

    payloads = [return_payload(college, programme_code="T-TWICE")] * 2
    event.listen(connection, "before_cursor_execute", note)
    try:
        results = store_returns(session, submitter, payloads, source="csv")
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert [r.version for r in results] == [1, 2]
    assert len(inserts) == 1


def test_a_return_that_breaks_the_standard_is_refused_naming_its_fields(session, college,
                                                                        period, submitter):
    payload = return_payload(college)
    payload["capacity"]["eligible_mentees"] = -1
    with pytest.raises(ValidationFailed) as refused:
        submit_return(session, submitter, payload)
    assert refused.value.message == (
        "The return does not meet the data standard; see error.fields.")
    assert refused.value.fields == {"capacity.eligible_mentees": ["Must be 0 or more."]}


def test_a_files_results_carry_each_versions_receipt_time_and_digest(session, college, period,
                                                                     submitter):
    payloads = [return_payload(college, programme_code=p) for p in ("D-1", "D-2")]
    received = datetime.now(UTC).replace(microsecond=0)
    results = store_returns(session, submitter, payloads, source="csv", now=received)
    assert [(_naive(r.received_at), r.payload_sha256) for r in results] == [
        (_naive(received), payload_digest(p)) for p in payloads]


def test_a_next_version_is_written_without_a_failing_statement(session, engine, college, period,
                                                               submitter):
    payload = return_payload(college, programme_code="W-NEXT")
    submit_return(session, submitter, payload)
    failures = []

    def note(context):
        failures.append(context.statement)

    event.listen(engine, "handle_error", note)
    try:
        result = submit_return(session, submitter, payload)
    finally:
        event.remove(engine, "handle_error", note)
    assert (result.version, failures) == (2, [])


def test_postgresql_counts_writes_and_audits_a_version_in_one_statement(session, connection,
                                                                        college, period,
                                                                        submitter):
    payload = return_payload(college, programme_code="W-ONE")
    submit_return(session, submitter, payload)
    writes = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if any(table in statement for table in ("UPDATE returns", "INTO return_versions",
                                                "INTO audit_events")):
            writes.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        submit_return(session, submitter, payload)
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert len(writes) == (1 if connection.dialect.name == "postgresql" else 3)
