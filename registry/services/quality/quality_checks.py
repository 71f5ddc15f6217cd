"""Check a period's pending returns: build the frame, validate it with GX, store the issues.

Idempotent: issues are unique per version × rule × field and updated in place, an issue
that no longer fires is marked resolved, and a version's status is recomputed from its
issues, so running twice on the same data changes nothing the second time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, cast, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from expectations import Rule, load_rules, rules_by_id
from expectations.engine import findings_for
from registry.db import begin_writing, utcnow
from registry.models import (
    Institution,
    IssueStatus,
    Period,
    Programme,
    QualityIssue,
    Return,
    ReturnStatus,
    ReturnVersion,
)
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import NotFound
from registry.services.quality.quality import QUALITY_STATUSES, version_status

# COMPLETE gives every unexpected index, which is all we read: the findings are rendered
# from the frame's rows. The unexpected values, the pandas query string and the partial
# value counts would go unused, and GX serialises whatever it returns into its results
# store (leaving them out saves ~25 % of the validation).
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False,
                 "partial_unexpected_count": 0, "exclude_unexpected_values": True}
UPDATE_CHUNK = 5000  # ids per UPDATE … WHERE id IN (…), well under SQLite's variable limit


class QualityRunError(RuntimeError):
    """Great Expectations could not evaluate an expectation (a bug, not a data problem)."""


@dataclass(frozen=True, order=True)
class Finding:
    """One rule firing on one field of one return version (an engine RuleFinding plus the id)."""

    version_id: int
    rule_id: str
    field: str
    severity: str
    kind: str
    value: str
    expected: str
    message: str


@dataclass
class CheckSummary:
    period: str
    checked: int = 0
    findings: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    changed: int = 0


def import_great_expectations() -> None:
    """Import GX (seconds) before a transaction starts, so SQLite's write lock is held briefly."""
    import great_expectations  # noqa: F401


def check_period(
    session: Session, actor: Actor, period_code: str, *, recheck: bool = False
) -> CheckSummary:
    """Check the period's pending latest versions (all checked ones too, with recheck)."""
    check = prepare_check(session, period_code, recheck=recheck)
    begin_writing(session)
    return store_check(session, actor, check)


@dataclass
class PeriodCheck:
    """A period's versions as read for checking and what GX found in them (nothing stored)."""

    period_code: str
    targets: Any  # the quality frame's rows to check, indexed by version id
    findings: list[Finding]


def prepare_check(session: Session, period_code: str, *, recheck: bool = False) -> PeriodCheck:
    """Read the period's versions to check and validate them: reads only, so a caller that
    began reading (`registry.db.begin_reading`) holds no write lock for the seconds GX takes."""
    from registry.services.quality.quality_frame import build_frame, previous_paths, rule_paths

    period = session.scalar(select(Period).where(Period.code == period_code))
    if period is None:
        raise NotFound(f"No reporting period {period_code!r}.")
    previous = previous_period(session, period)
    rules = load_rules()
    frame = build_frame(latest_records(session, period, rule_paths(rules)),
                        latest_records(session, previous, previous_paths(rules))
                        if previous else [], rules)
    wanted = QUALITY_STATUSES if recheck else (ReturnStatus.SUBMITTED,)
    targets = frame[frame["version_status"].isin([str(s) for s in wanted])]
    return PeriodCheck(period.code, targets,
                       validate_frame(targets, rules) if not targets.empty else [])


def store_check(session: Session, actor: Actor, check: PeriodCheck) -> CheckSummary:
    """Store a prepared check (in the caller's write transaction, which is short).

    A version whose status changed since it was read (another run checked it) is left as
    the other run left it; a return that has a newer version since keeps its own status.
    """
    period = session.scalar(select(Period).where(Period.code == check.period_code))
    targets = still_current(session, check.targets)
    summary = CheckSummary(check.period_code, checked=len(targets))
    if targets.empty:
        return summary
    kept = set(targets.index)
    findings = [finding for finding in check.findings if finding.version_id in kept]
    summary.findings = len(findings)
    summary.statuses, summary.changed = store_findings(session, actor, period, targets, findings)
    return summary


def still_current(session: Session, targets):
    """The targets whose version status is as read, each with its return's status now (None
    when the return has a newer version, whose status is not this check's to set)."""
    ids = [int(version_id) for version_id in targets.index]
    now: dict[int, tuple[str, str | None]] = {}
    for start in range(0, len(ids), UPDATE_CHUNK):
        chunk = ids[start:start + UPDATE_CHUNK]
        rows = session.execute(
            select(ReturnVersion.id, ReturnVersion.status, Return.status,
                   (Return.latest_version == ReturnVersion.version).label("latest"))
            .join(Return, Return.id == ReturnVersion.return_id)
            .where(ReturnVersion.id.in_(chunk)))
        for version_id, status, return_status, latest in rows:
            now[version_id] = (str(status), str(return_status) if latest else None)
    kept = [version_id for version_id, status in zip(ids, targets["version_status"], strict=True)
            if version_id in now and now[version_id][0] == str(status)]
    fresh = targets.loc[kept].copy()
    fresh["return_status"] = [now[version_id][1] for version_id in kept]
    return fresh


def previous_period(session: Session, period: Period) -> Period | None:
    """The period that started last before this one."""
    return session.scalar(select(Period).where(Period.starts_on < period.starts_on)
                          .order_by(Period.starts_on.desc()).limit(1))


def latest_records(session: Session, period: Period, paths: Sequence[str] = ()
                   ) -> list[dict[str, Any]]:
    """The latest version of every return of the period: its ids and the values at paths.

    The values (by payload path, as text) are extracted in SQL, not by decoding whole
    payloads in Python (3 to 1 on SQLite); PostgreSQL's json type re-parses per path, so
    there each payload is cast to jsonb once, in a materialized CTE.
    """
    from registry.services.quality.quality_frame import ID_COLUMNS

    document = ReturnVersion.payload
    if session.get_bind().dialect.name == "postgresql":
        document = cast(document, JSONB)
    latest = (
        select(ReturnVersion.id.label("version_id"), Return.id.label("return_id"),
               Return.institution_id, Return.programme_id,
               Institution.code.label("institution_code"),
               Programme.code.label("programme_code"),
               ReturnVersion.status.label("version_status"),
               Return.status.label("return_status"), document.label("document"))
        .join(Return, and_(Return.id == ReturnVersion.return_id,
                           Return.latest_version == ReturnVersion.version))
        .join(Institution, Institution.id == Return.institution_id)
        .join(Programme, Programme.id == Return.programme_id)
        .where(Return.period_id == period.id)
        .cte("latest").prefix_with("MATERIALIZED", dialect="postgresql")
    )
    figures = [latest.c.document[tuple(path.split("."))].as_string().label(f"path_{k}")
               for k, path in enumerate(paths)]
    query = select(*(latest.c[name] for name in ID_COLUMNS), *figures).order_by(
        latest.c.version_id)
    return [{**{name: row[name] for name in ID_COLUMNS},
             "figures": {path: row[f"path_{k}"] for k, path in enumerate(paths)}}
            for row in session.execute(query).mappings()]


def validate_frame(frame, rules: Sequence[Rule] | None = None) -> list[Finding]:
    """Validate the frame with the GX suite and map unexpected rows back to findings."""
    by_id = {rule.id: rule for rule in rules} if rules else rules_by_id()
    unexpected: list[tuple[Rule, int]] = []
    for result in run_suite(frame).results:
        rule = by_id[result.expectation_config.meta["id"]]
        if result.exception_info.get("raised_exception"):
            raise QualityRunError(f"{rule.id}: {result.exception_info['exception_message']}")
        unexpected.extend((rule, int(index))
                          for index in result.result.get("unexpected_index_list") or [])
    rows = frame.loc[sorted({index for _, index in unexpected})].to_dict("index")
    return sorted(Finding(index, **asdict(finding)) for rule, index in unexpected
                  for finding in findings_for(rule, rows[index]))


def run_suite(frame):
    """Run every rule over the frame in an ephemeral GX context (no global context).

    GX validates the columns the rules read (the index, version ids, comes along): its
    pandas engine copies the whole batch frame for each metric that filters rows, and the
    quality frame carries three times as many columns as the rules read.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from expectations import build_suite

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = context.suites.add(build_suite())
    batch = (context.data_sources.add_pandas("registry").add_dataframe_asset("returns")
             .add_batch_definition_whole_dataframe("period"))
    definition = gx.ValidationDefinition(name="registry_quality", data=batch, suite=suite)
    return definition.run(batch_parameters={"dataframe": frame[list(rule_columns())]},
                          result_format=RESULT_FORMAT)


def rule_columns() -> tuple[str, ...]:
    """The quality-frame columns the expectations read, in first-use order."""
    return tuple(dict.fromkeys(column for rule in load_rules() for column in rule.columns))


def store_findings(
    session: Session, actor: Actor, period: Period, targets, findings: list[Finding]
) -> tuple[dict[str, int], int]:
    """Upsert the findings as issues, resolve the ones gone, set statuses; (statuses, changed)."""
    return_ids = {int(k): int(v) for k, v in targets["return_id"].items()}
    existing = existing_issues(session, period, set(return_ids))
    now = utcnow()
    fired, new_rows, writes = set(), [], Counter()
    for finding in findings:
        key = (finding.version_id, finding.rule_id, finding.field)
        fired.add(key)
        if key in existing:
            if _refresh(existing[key], finding, now):
                writes["updated"] += 1
        else:
            new_rows.append(_issue_row(finding, return_ids[finding.version_id], now))
    for key, issue in existing.items():
        if key not in fired and issue.status != IssueStatus.RESOLVED:
            issue.status, issue.updated_at = IssueStatus.RESOLVED, now
            writes["resolved"] += 1
    if new_rows:
        session.execute(insert(QualityIssue), new_rows)
        writes["raised"] = len(new_rows)
    if writes:
        record_event(session, actor, "quality.issues", "period", period.code,
                     detail=dict(sorted(writes.items())))
    states = [(issue.return_version_id, issue.severity, issue.status)
              for issue in existing.values()]
    states += [(row["return_version_id"], row["severity"], row["status"]) for row in new_rows]
    return apply_statuses(session, actor, period, targets, states)


def existing_issues(
    session: Session, period: Period, version_ids: set[int]
) -> dict[tuple[int, str, str], QualityIssue]:
    query = (select(QualityIssue).join(Return, Return.id == QualityIssue.return_id)
             .where(Return.period_id == period.id))
    return {(issue.return_version_id, issue.rule_id, issue.field): issue
            for issue in session.scalars(query) if issue.return_version_id in version_ids}


def _issue_row(finding: Finding, return_id: int, now) -> dict[str, Any]:
    return {"return_version_id": finding.version_id, "return_id": return_id,
            "rule_id": finding.rule_id, "field": finding.field, "severity": finding.severity,
            "kind": finding.kind, "value": finding.value, "expected": finding.expected,
            "message": finding.message, "status": IssueStatus.OPEN, "raised_at": now,
            "updated_at": now}


def _refresh(issue: QualityIssue, finding: Finding, now) -> bool:
    """Bring a stored issue in line with this run's finding (a resolved one reopens)."""
    before = issue.updated_at
    if issue.status == IssueStatus.RESOLVED:
        issue.status, issue.updated_at = IssueStatus.OPEN, now
    for name in ("severity", "kind", "value", "expected", "message"):
        if getattr(issue, name) != getattr(finding, name):
            setattr(issue, name, getattr(finding, name))
            issue.updated_at = now
    return issue.updated_at != before


def apply_statuses(
    session: Session, actor: Actor, period: Period, targets,
    states: list[tuple[int, str, str]],
) -> tuple[dict[str, int], int]:
    """Give every checked version (and its return) the status its issues earn; audit changes."""
    by_version: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for version_id, severity, status in states:
        by_version[version_id].append((severity, status))
    counts: Counter[str] = Counter()
    moves: dict[tuple[str, str], list[int]] = defaultdict(list)
    versions: dict[str, list[int]] = defaultdict(list)
    returns: dict[str, list[int]] = defaultdict(list)
    columns = (targets.index, targets["return_id"], targets["version_status"],
               targets["return_status"])
    for version_id, return_id, before, return_status in zip(*columns, strict=True):
        status = str(version_status(by_version.get(version_id, [])))
        counts[status] += 1
        if status == before:
            continue
        moves[(before, status)].append(int(version_id))
        versions[status].append(int(version_id))
        if return_status in QUALITY_STATUSES:
            returns[status].append(int(return_id))
    _set_statuses(session, ReturnVersion, versions)
    _set_statuses(session, Return, returns)
    _audit_moves(session, actor, period, moves)
    return dict(sorted(counts.items())), sum(len(ids) for ids in versions.values())


def _audit_moves(session: Session, actor: Actor, period: Period,
                 moves: dict[tuple[str, str], list[int]]) -> None:
    """One audit event per status transition of the run, naming every version it moved.

    A run may move thousands of versions; one event per version would cost more than the
    whole check. Explanations and decisions are audited one by one.
    """
    for (before, after), version_ids in sorted(moves.items()):
        record_event(session, actor, "quality.check", "period", period.code, before=before,
                     after=after, detail={"return_versions": sorted(version_ids)})


def _set_statuses(session: Session, model: type, ids_by_status: dict[str, list[int]]) -> None:
    """One UPDATE per new status (in chunks); expire loaded copies so they re-read."""
    table = model.__table__
    for status, ids in ids_by_status.items():
        for start in range(0, len(ids), UPDATE_CHUNK):
            chunk = ids[start:start + UPDATE_CHUNK]
            session.execute(update(table).where(table.c.id.in_(chunk)).values(status=status))
    changed = {row_id for ids in ids_by_status.values() for row_id in ids}
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, model) and loaded.id in changed:
            session.expire(loaded, ["status"])
