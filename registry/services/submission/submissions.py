"""Submitting returns: validate against the standard, then append a new version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, bindparam, case, cast, insert, select, tuple_, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from registry.db import utcnow
from registry.models import (
    AuditEvent,
    Extension,
    IdempotencyRecord,
    Institution,
    Period,
    Programme,
    Return,
    ReturnStatus,
    ReturnVersion,
)
from registry.services.accounts.access import require_college_of
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import event_values
from registry.services.errors import Conflict, ValidationFailed
from registry.services.register import programmes as programme_service
from registry.services.register.periods import require_version_accepted, require_window_open
from registry.services.submission import drafts, pipeline_trigger
from schemas import ReturnValidationError, validate_return

IDEMPOTENCY_WINDOW = timedelta(hours=24)
IDEMPOTENCY_RULE = (
    "An Idempotency-Key replays the response of the request that used it (status 200, "
    "`replayed: true`, no new version) only when the same key comes with the same return "
    "(the same figures) within 24 hours of that request, and the version it made is still "
    "the return's latest. After 24 hours, or once a newer version has been submitted, the "
    "key makes a new version: sending earlier figures again after a correction makes them "
    "the latest version rather than replaying the old answer. The same key with different "
    "figures within 24 hours is refused (409, code `conflict`). Bulk uploads take no key: "
    "every upload stores new versions."
)
"""The rule, stated once: the OpenAPI document and the README quote it."""


@dataclass(frozen=True)
class CheckedReturn:
    """A return that passed every check a submission makes."""

    payload: dict
    institution: InstitutionRef | Institution
    period: PeriodRef | Period
    programme: ProgrammeRef | Programme | None


@dataclass(frozen=True)
class SubmissionResult:
    """The version a submission stored (or, replayed, had stored), as callers report it.

    Plain values rather than ORM objects: the version is written with Core statements,
    and building and tracking two ORM objects per submission cost more CPU than the
    rest of the write.
    """

    return_id: int
    version_id: int
    version: int
    status: str
    received_at: datetime
    payload_sha256: str
    replayed: bool = False

    @classmethod
    def of(cls, version: ReturnVersion, *, replayed: bool = False) -> SubmissionResult:
        """The result for a version the session holds (bulk files, idempotent replays)."""
        return cls(version.return_id, version.id, version.version, version.status,
                   version.received_at, version.payload_sha256, replayed)


def payload_digest(payload: dict) -> str:
    """SHA-256 of the canonical JSON form of a payload."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class InstitutionRef:
    id: int
    code: str


@dataclass(frozen=True)
class PeriodRef:
    id: int
    code: str
    opens_at: datetime
    closes_at: datetime
    standard_versions: list[str]


@dataclass
class ProgrammeRef:
    """What a submission needs of a registered programme (the rest is never read)."""

    id: int
    code: str
    level: str
    components: dict
    components_period: str | None


_institutions, _periods = Institution.__table__.c, Period.__table__.c
_extensions, _programmes = Extension.__table__.c, Programme.__table__.c
_PROGRAMME_COLUMNS = (_programmes.id, _programmes.code, _programmes.level, _programmes.components,
                      _programmes.components_period)
# Built once: every submission runs it, and building the statement costs more than running it.
HEADER_QUERY = (
    select(_institutions.id, _institutions.code, _periods.id, _periods.code, _periods.opens_at,
           _periods.closes_at, _periods.standard_versions, _extensions.until,
           *_PROGRAMME_COLUMNS)
    .select_from(Institution.__table__)
    .join(Period.__table__, _periods.code == bindparam("period"))
    .outerjoin(Extension.__table__, (_extensions.period_id == _periods.id)
               & (_extensions.institution_id == _institutions.id))
    .outerjoin(Programme.__table__, (_programmes.institution_id == _institutions.id)
               & (_programmes.code == bindparam("programme")))
    .where(_institutions.code == bindparam("institution"))
)
PROGRAMMES_QUERY = select(*_PROGRAMME_COLUMNS).where(
    _programmes.institution_id == bindparam("institution_id"))
PROGRAMME_QUERY = PROGRAMMES_QUERY.where(_programmes.code == bindparam("code"))

Place = tuple[InstitutionRef, PeriodRef, datetime]


class ReturnReferences:
    """Resolve the codes in return headers to rows, each lookup once per request.

    One submission costs one statement (institution, period, its extension and the
    programme together); a file of one college's returns costs two for the whole file.
    Plain columns, not ORM entities: loading four entities cost more than the statement.
    """

    def __init__(self, session: Session):
        self.session = session
        self._places: dict[tuple[str, str], Place] = {}
        self._programmes: dict[int, dict[str, ProgrammeRef | Programme]] = {}

    def resolve(
        self, header: dict
    ) -> tuple[InstitutionRef, PeriodRef, datetime, ProgrammeRef | Programme | None] | None:
        """Institution, period, this institution's deadline and the programme, or None when
        the institution or the period is unknown."""
        key = (header["institution_code"], header["period_code"])
        code = header["programme_code"]
        if key in self._places:
            institution, period, deadline = self._places[key]
            return institution, period, deadline, self.programme(institution, code)
        row = self.session.execute(HEADER_QUERY, {
            "institution": key[0], "period": key[1], "programme": code}).first()
        if row is None:
            return None
        institution = InstitutionRef(row[0], row[1])
        period = PeriodRef(*row[2:7])
        deadline = max(period.closes_at, row[7]) if row[7] else period.closes_at
        self._places[key] = (institution, period, deadline)
        return institution, period, deadline, ProgrammeRef(*row[8:]) if row[8] else None

    def programme(self, institution: InstitutionRef, code: str) -> ProgrammeRef | Programme | None:
        """The institution's programme with this code."""
        return self._known_programmes(institution).get(code)

    def added(self, institution: InstitutionRef, programme: ProgrammeRef | Programme) -> None:
        """Note a programme registered during this request."""
        self._known_programmes(institution)[programme.code] = programme

    def _known_programmes(self, institution: InstitutionRef) -> dict[str, ProgrammeRef | Programme]:
        """The institution's programmes by code, all loaded at once on first use."""
        known = self._programmes.get(institution.id)
        if known is None:
            rows = self.session.execute(PROGRAMMES_QUERY, {"institution_id": institution.id})
            known = self._programmes[institution.id] = {r.code: ProgrammeRef(*r) for r in rows}
        return known


def check_return(
    session: Session, actor: Actor, payload: object, now: datetime | None = None,
    *, references: ReturnReferences | None = None, validated: bool = False,
) -> CheckedReturn:
    """Make every check a submission makes, storing nothing (the dry run uses this).

    `validated` says the payload is validate_return's own output (a bulk file's reader
    validated every return already), so the standard is not checked twice.
    """
    if not validated:
        try:
            validate_return(payload)
        except ReturnValidationError as exc:
            raise ValidationFailed("The return does not meet the data standard; "
                                   "see error.fields.", exc.errors) from exc
    header = payload["header"]
    found = (references or ReturnReferences(session)).resolve(header)
    if found is None:  # say which code is unknown, in the order the checks are made
        require_college_of(actor, _institution(session, header["institution_code"]))
        raise _unknown_period(header["period_code"])  # the college is known, so the period is not
    institution, period, deadline, programme = found
    require_college_of(actor, institution)
    require_version_accepted(period.code, period.standard_versions, header["schema_version"])
    require_window_open(period, deadline, now or utcnow())
    if programme is not None:
        programme_service.check_programme_matches(programme, payload["programme"])
    return CheckedReturn(payload, institution, period, programme)


@dataclass(frozen=True)
class SubmissionOutcome:
    """What submitting a return would do: the version it becomes, whether it adds a programme."""

    programme_code: str
    period_code: str
    adds_programme: bool
    version: int

    def describe(self) -> str:
        """The outcome in words, as the dry run and the form's last step say it."""
        added = (f"add programme {self.programme_code} to the programme directory and "
                 if self.adds_programme else "")
        return (f"Submitting will {added}store version {self.version} of the "
                f"{self.programme_code} return for {self.period_code}.")


_returns_by_key = Return.__table__.c
OUTCOME_QUERY = (
    select(_programmes.id, _returns_by_key.latest_version)
    .select_from(Programme.__table__)
    .join(Period.__table__, _periods.code == bindparam("period"))
    .outerjoin(Return.__table__, (_returns_by_key.programme_id == _programmes.id)
               & (_returns_by_key.period_id == _periods.id))
    .where(_programmes.institution_id == bindparam("institution_id"),
           _programmes.code == bindparam("programme"))
)


def submission_outcome(
    session: Session, institution_id: int, period_code: str, programme_code: str
) -> SubmissionOutcome:
    """What submitting this institution's return for the programme and period would do."""
    row = session.execute(OUTCOME_QUERY, {"institution_id": institution_id,
                                          "period": period_code,
                                          "programme": programme_code}).first()
    return SubmissionOutcome(programme_code, period_code, adds_programme=row is None,
                             version=(row[1] or 0) + 1 if row is not None else 1)


def _institution(session: Session, code: str) -> Institution:
    institution = session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        raise ValidationFailed(f"Unknown institution {code!r}.",
                               {"header.institution_code": [f"{code!r} is not on the register"]})
    return institution


def _unknown_period(code: str) -> ValidationFailed:
    return ValidationFailed(f"Unknown reporting period {code!r}.",
                            {"header.period_code": [f"{code!r} is not a reporting period"]})


def submit_return(
    session: Session,
    actor: Actor,
    payload: object,
    *,
    source: str = "api",
    client_version: str | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> SubmissionResult:
    """Append a new version of the return (creating the return on first submission).

    `client_version`: the version of the program that sent it, when it named itself
    (the toolkit's, for source "toolkit"); kept with the version and in the audit trail.
    """
    checked = check_return(session, actor, payload, now)
    digest = payload_digest(checked.payload)
    received_at = now or utcnow()
    if idempotency_key:
        replay = _claim_idempotency_key(session, checked.institution, idempotency_key, digest,
                                        received_at)
        if replay is not None:
            return SubmissionResult.of(replay, replayed=True)
    programme = checked.programme or _register_from_return(session, actor, checked)
    key = (checked.institution.id, programme.id, checked.period.id)
    result = _write_next_version(session, key, actor, checked, programme,
                                 Origin(source, client_version), digest, received_at)
    if idempotency_key:
        _bind_idempotency_key(session, checked.institution, idempotency_key, result.version_id)
    _finish_submission(session, checked, programme)
    drafts.discard_submitted(session, actor, [(key[0], key[2], programme.code)])
    return result


def store_returns(
    session: Session, actor: Actor, payloads: list[dict], *, source: str,
    now: datetime | None = None, validated: bool = False,
) -> list[SubmissionResult]:
    """Submit several returns in the caller's one transaction (bulk upload): all or none.

    `validated`: every payload came out of validate_return (read_bulk_file's do).
    """
    references = ReturnReferences(session)
    checked, errors = [], {}
    for index, payload in enumerate(payloads, start=1):
        try:
            checked.append(check_return(session, actor, payload, now, references=references,
                                        validated=validated))
        except (ValidationFailed, Conflict) as exc:
            for path, messages in (exc.fields or {"_schema": [exc.message]}).items():
                errors[f"return {index}: {path}"] = messages
    if errors:
        raise ValidationFailed(f"{len(errors)} problem(s) in the file; nothing was stored.",
                               errors)
    programmes = _programmes_of(session, actor, checked, references)
    keys = [_return_key(c, p) for c, p in zip(checked, programmes, strict=True)]
    locked = _lock_returns(session, keys)
    received_at = now or utcnow()
    versions, events = [], []
    for item, programme, key in zip(checked, programmes, keys, strict=True):
        return_ = locked[key]
        return_.latest_version += 1
        return_.status = ReturnStatus.SUBMITTED
        version = ReturnVersion(**_version_values(
            actor, return_, item.payload, payload_digest(item.payload), Origin(source),
            received_at=received_at))
        session.add(version)
        versions.append((return_, version))
        # Worded now: a file may hold one return twice, and the count moves on.
        events.append(_submission_event(actor, item, programme, return_, Origin(source),
                                        version.payload_sha256))
    for item, programme, event in zip(checked, programmes, events, strict=True):
        session.add(AuditEvent(**event))
        _finish_submission(session, item, programme)
    drafts.discard_submitted(session, actor, [(key[0], key[2], programme.code)
                                              for key, programme in zip(keys, programmes,
                                                                        strict=True)])
    session.flush()  # versions, then audit rows, each in one multi-row INSERT
    return [SubmissionResult.of(version) for _, version in versions]


@dataclass(frozen=True)
class Origin:
    """Where a version came from: web, api, csv, xlsx, toolkit, demo (and the client's version)."""

    source: str
    client_version: str | None = None

    def detail(self) -> dict[str, str]:
        """The origin as the audit trail's detail words it."""
        if self.client_version is None:
            return {"source": self.source}
        return {"source": self.source, "client_version": self.client_version}


def _submission_event(
    actor: Actor, checked: CheckedReturn, programme: ProgrammeRef | Programme,
    return_: Return | Row | None, origin: Origin, digest: str,
) -> dict:
    """The audit row of a submission; return_.latest_version is the version it made.

    Without the return (APPEND_VERSION), the statement fills in the object and the
    versions, worded as here from the row it counted.
    """
    number = return_.latest_version if return_ is not None else None
    return event_values(
        actor, "return.submit", "return", return_.id if return_ is not None else None,
        before=f"version {number - 1}" if number and number > 1 else None,
        after=f"version {number} ({digest[:12]})" if number else None,
        detail={"institution": checked.institution.code, "programme": programme.code,
                "period": checked.period.code, **origin.detail()},
    )


def _finish_submission(
    session: Session, checked: CheckedReturn, programme: ProgrammeRef | Programme
) -> None:
    """Refresh the directory's components and hand the submission on."""
    _refresh_programme_components(session, programme, checked)
    pipeline_trigger.notify_submitted(session, checked.period.code)


def _programmes_of(
    session: Session, actor: Actor, checked: list[CheckedReturn], references: ReturnReferences,
) -> list[ProgrammeRef | Programme]:
    """Each return's programme, registering new ones in code order: two files registering
    the same new codes then wait for each other in one order and never deadlock."""
    order = sorted(range(len(checked)), key=lambda i: (
        checked[i].institution.id, checked[i].payload["header"]["programme_code"]))
    found = {i: checked[i].programme or _register_from_return(session, actor, checked[i],
                                                               references) for i in order}
    return [found[i] for i in range(len(checked))]


def _register_from_return(
    session: Session, actor: Actor, checked: CheckedReturn,
    references: ReturnReferences | None = None,
) -> ProgrammeRef | Programme:
    """A return for an unregistered code registers the programme from its programme section.

    Registered by this request or, at the same moment, by another: either way the stored
    programme is read back and must have the return's level.
    """
    code = checked.payload["header"]["programme_code"]
    section = checked.payload["programme"]
    if references is not None:  # an earlier return of the same file may have registered it
        known = references.programme(checked.institution, code)
        if known is not None:
            programme_service.check_programme_matches(known, section)
            return known
    programme_service.insert_programme(
        session, actor, checked.institution,
        code=code, name=section["name"],
        level=section["level"], model=section["model"], disciplines=section["disciplines"],
        start_date=date.fromisoformat(section["start_date"]),  # the standard requires it
    )
    programme = ProgrammeRef(*session.execute(PROGRAMME_QUERY, {
        "institution_id": checked.institution.id, "code": code}).one())
    programme_service.check_programme_matches(programme, section)
    if references is not None:
        references.added(checked.institution, programme)
    return programme


ReturnKey = tuple[int, int, int]


def _return_key(checked: CheckedReturn, programme: Programme) -> ReturnKey:
    return checked.institution.id, programme.id, checked.period.id


_returns = Return.__table__.c
# Built once, like HEADER_QUERY; the UPDATE both counts the version and locks the row.
NEXT_VERSION = (
    update(Return.__table__)
    .where(_returns.institution_id == bindparam("institution"),
           _returns.programme_id == bindparam("programme"),
           _returns.period_id == bindparam("period"))
    .values(latest_version=_returns.latest_version + 1, status=ReturnStatus.SUBMITTED.value)
    .returning(*_returns)
)
INSERT_VERSION = insert(ReturnVersion.__table__).returning(ReturnVersion.__table__.c.id)
INSERT_EVENT = insert(AuditEvent.__table__)


# On PostgreSQL one statement counts the version (the UPDATE, which also locks the
# return), writes it, and writes its audit row, whose object and version texts come from
# the counted row, worded as _submission_event words them: one round trip, not two.
_counted = NEXT_VERSION.cte("counted")
_number = _counted.c.latest_version
_FROM_COUNT = {
    "v_": {"return_id": _counted.c.id, "version": _number},
    "a_": {"object_id": cast(_counted.c.id, String),
           "before": case((_number > 1, "version " + cast(_number - 1, String))),
           "after": "version " + cast(_number, String) + " ("
           + bindparam("digest_prefix", type_=String) + ")"},
}


def _insert_from_count(table, prefix: str):
    columns = [c for c in table.c if c.key != "id"]
    counted = _FROM_COUNT[prefix]
    row = [counted.get(c.key, bindparam(prefix + c.key, type_=c.type)) for c in columns]
    return insert(table).from_select(columns, select(*row).select_from(_counted))


_versions = ReturnVersion.__table__.c
_appended = (_insert_from_count(ReturnVersion.__table__, "v_")
             .returning(_versions.id, _versions.return_id).cte("appended"))
APPEND_VERSION = (
    select(_counted, _appended.c.id.label("version_id"))
    .join_from(_counted, _appended, _appended.c.return_id == _counted.c.id)
    .add_cte(_insert_from_count(AuditEvent.__table__, "a_").cte("audited"))
)


def _next_version_of(session: Session, key: ReturnKey) -> Row:
    """Count the return's next version, creating the return on its first submission.

    The UPDATE takes the row's lock until commit, so concurrent versions of one return
    queue up, and each counts on from the version its predecessor committed.
    """
    values = {"institution": key[0], "programme": key[1], "period": key[2]}
    row = session.execute(NEXT_VERSION, values).first()
    if row is None:
        _create_return(session, key)
        row = session.execute(NEXT_VERSION, values).one()
    _refresh_loaded(session, Return, row._asdict())
    return row


def _write_next_version(
    session: Session, key: ReturnKey, actor: Actor, checked: CheckedReturn,
    programme: ProgrammeRef | Programme, origin: Origin, digest: str, received_at: datetime,
) -> SubmissionResult:
    """Count the return's next version, write it and its audit row.

    The INSERTs go directly (cheaper than a flush); PostgreSQL does all three in one
    statement, other databases count first and insert with the number.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _append_version(session, key, actor, checked, programme, origin, digest,
                               received_at)
    counted = _next_version_of(session, key)
    values = _version_values(actor, counted, checked.payload, digest, origin,
                             received_at=received_at)
    version_id = session.execute(INSERT_VERSION, values).scalar_one()
    session.execute(INSERT_EVENT, _submission_event(actor, checked, programme, counted, origin,
                                                    digest))
    return _stored(values, version_id)


def _append_version(
    session: Session, key: ReturnKey, actor: Actor, checked: CheckedReturn,
    programme: ProgrammeRef | Programme, origin: Origin, digest: str, received_at: datetime,
) -> SubmissionResult:
    """APPEND_VERSION, creating the return first when this is its first submission."""
    values = _version_values(actor, None, checked.payload, digest, origin,
                             received_at=received_at)
    event = _submission_event(actor, checked, programme, None, origin, digest)
    params = ({"institution": key[0], "programme": key[1], "period": key[2],
               "digest_prefix": digest[:12]}
              | {f"v_{k}": v for k, v in values.items()} | {f"a_{k}": v for k, v in event.items()})
    row = session.execute(APPEND_VERSION, params).first()
    if row is None:
        _create_return(session, key)
        row = session.execute(APPEND_VERSION, params).one()
    *columns, version_id = row
    counted = dict(zip(row._fields[:-1], columns, strict=True))
    _refresh_loaded(session, Return, counted)
    values |= {"return_id": counted["id"], "version": counted["latest_version"]}
    return _stored(values, version_id)


def _stored(values: dict, version_id: int) -> SubmissionResult:
    return SubmissionResult(values["return_id"], version_id, values["version"],
                            values["status"], values["received_at"], values["payload_sha256"])


def _refresh_loaded(session: Session, model: type, values: dict) -> None:
    """Bring the session's object for a row just written with Core, if it holds one, up to
    date with the row (an earlier read in this session would otherwise show it stale)."""
    existing = session.identity_map.get(session.identity_key(model, values["id"]))
    if existing is not None:
        for name, value in values.items():
            set_committed_value(existing, name, value)


def _create_return(session: Session, key: ReturnKey) -> None:
    """Insert the return row unless a concurrent request has just done so."""
    try:
        with session.begin_nested():
            session.add(Return(institution_id=key[0], programme_id=key[1], period_id=key[2],
                               latest_version=0))
    except IntegrityError:
        pass  # another request created it first; the caller locks theirs


def _lock_returns(session: Session, keys: list[ReturnKey]) -> dict[ReturnKey, Return]:
    """Get or create every return row and lock them all (in id order, so files never deadlock)."""
    wanted = set(keys)
    query = (
        select(Return)
        .where(tuple_(Return.institution_id, Return.programme_id, Return.period_id).in_(wanted))
        .order_by(Return.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = {_key_of(r): r for r in session.scalars(query)}
    missing = sorted(wanted - found.keys())
    if missing:
        try:
            with session.begin_nested():
                session.add_all(Return(institution_id=k[0], programme_id=k[1], period_id=k[2],
                                       latest_version=0) for k in missing)
        except IntegrityError:  # a concurrent request created some of them; go one by one
            for key in missing:
                _create_return(session, key)
        found = {_key_of(r): r for r in session.scalars(query)}
    return found


def _key_of(return_: Return) -> ReturnKey:
    return return_.institution_id, return_.programme_id, return_.period_id


def _version_values(
    actor: Actor, return_: Return | Row | None, payload: dict, digest: str, origin: Origin,
    *, received_at: datetime,
) -> dict:
    """The return's latest version, numbered by the count the caller has just raised
    (without the return, APPEND_VERSION numbers it from the row it counts)."""
    return {
        "return_id": return_.id if return_ is not None else None,
        "version": return_.latest_version if return_ is not None else None,
        "payload": payload,
        "payload_sha256": digest,
        "schema_version": payload["header"]["schema_version"],
        "source": origin.source,
        "client_version": origin.client_version,
        "received_at": received_at,
        "submitted_by": actor.label,
        "submitted_by_user_id": actor.user_id,
        "submitted_by_token_id": actor.token_id,
        "status": ReturnStatus.SUBMITTED,
    }


def _claim_idempotency_key(
    session: Session, institution: InstitutionRef | Institution, key: str, digest: str,
    now: datetime,
) -> ReturnVersion | None:
    """The version to replay for a retried request, or None after claiming the key.

    IDEMPOTENCY_RULE says when a key replays; otherwise the key is claimed afresh for
    the version this request is about to make. Costs one INSERT for a new key; the
    lookups run only when the key was used before.
    """
    try:
        with session.begin_nested():
            session.add(IdempotencyRecord(institution_id=institution.id, key=key,
                                          request_sha256=digest, created_at=now))
        return None
    except IntegrityError:
        pass
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.institution_id == institution.id, IdempotencyRecord.key == key)
        .with_for_update())
    if now - record.created_at >= IDEMPOTENCY_WINDOW:
        _reclaim(record, digest, now)
        return None
    if record.request_sha256 != digest:
        raise Conflict(
            f"This Idempotency-Key was used at {record.created_at:%Y-%m-%d %H:%M} UTC for a "
            "return with different figures. A key stands for one request: send new figures "
            "with a new key.",
            {"Idempotency-Key": ["already used for a different request body"]})
    version = session.get(ReturnVersion, record.return_version_id)
    if version is not None and version.version == version.return_.latest_version:
        return version
    _reclaim(record, digest, now)  # a newer version has other figures: these become latest
    return None


def _reclaim(record: IdempotencyRecord, digest: str, now: datetime) -> None:
    record.request_sha256, record.created_at, record.return_version_id = digest, now, None


def _bind_idempotency_key(
    session: Session, institution: InstitutionRef | Institution, key: str, version_id: int
) -> None:
    """Remember the version the key's request made: the response a retry replays."""
    session.execute(update(IdempotencyRecord).where(
        IdempotencyRecord.institution_id == institution.id, IdempotencyRecord.key == key)
        .values(return_version_id=version_id))


def _refresh_programme_components(
    session: Session, programme: ProgrammeRef | Programme, checked: CheckedReturn
) -> None:
    """The directory shows the components reported for the programme's latest period."""
    period_code = checked.period.code
    if programme.components_period is not None and period_code < programme.components_period:
        return
    components = programme_service.components_from_governance(checked.payload["governance"])
    if (components, period_code) != (programme.components, programme.components_period):
        session.execute(update(Programme).where(Programme.id == programme.id).values(
            components=components, components_period=period_code))
        programme.components, programme.components_period = components, period_code
