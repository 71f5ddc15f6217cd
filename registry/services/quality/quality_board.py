"""The quality board: open issues by rule, institution and age; trends; rules that fire most.

A rule that fires on more than half of the checked returns of a period (with at least
ten checked) is flagged as suspect: it is more likely the rule than the colleges.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from expectations import rules_by_id
from registry.db import utcnow
from registry.models import (
    Institution,
    IssueStatus,
    Period,
    QualityIssue,
    Return,
    ReturnStatus,
    ReturnVersion,
    Role,
    Severity,
)
from registry.services.accounts.access import require_role, scope_to_actor
from registry.services.accounts.actors import Actor
from registry.services.errors import NotFound
from registry.services.quality.quality import LIVE_STATUSES

SUSPECT_SHARE = 0.5
SUSPECT_MIN_RETURNS = 10
AGE_BUCKETS = ((7, "under 7 days"), (30, "7 to 30 days"), (None, "over 30 days"))


def quality_board(
    session: Session, actor: Actor, period_code: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The board for one period (default: the latest with returns) within the actor's scope."""
    require_role(actor, Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
    period = _board_period(session, actor, period_code)
    issues, returns, checked = _period_issues(session, actor, period)
    live = [row for row in issues if row.status in LIVE_STATUSES]
    return {
        "period": period.code,
        "returns": sum(returns.values()),
        "returns_checked": checked,
        "open_by_rule": _open_by_rule(live),
        "open_by_institution": _open_by_institution(live),
        "open_by_age": _open_by_age(live, now or utcnow()),
        "rules": rule_frequencies(issues, checked),
        "trends": trends(session, actor),
    }


def top_rules(session: Session, actor: Actor, period: Period, limit: int = 5
              ) -> list[dict[str, Any]]:
    """The rules that fired on the most checked returns of the period (those that fired)."""
    require_role(actor, Role.UNIVERSITY, Role.REGULATOR, Role.ADMIN)
    issues, _, checked = _period_issues(session, actor, period)
    return [row for row in rule_frequencies(issues, checked) if row["returns_fired"]][:limit]


def _period_issues(session: Session, actor: Actor, period: Period) -> tuple[list, Counter, int]:
    """The period's issues, its returns by status, and how many returns were checked."""
    issues = session.execute(scope_to_actor(_latest_issues(period), actor)).all()
    returns = Counter(dict(session.execute(scope_to_actor(_return_statuses(period), actor)).all()))
    checked = sum(n for status, n in returns.items() if status != ReturnStatus.SUBMITTED)
    return issues, returns, checked


def _board_period(session: Session, actor: Actor, code: str | None) -> Period:
    """The period asked for; else the latest with returns in scope; else the latest."""
    if code:
        period = session.scalar(select(Period).where(Period.code == code))
    else:
        query = (select(Period).join(Return, Return.period_id == Period.id)
                 .join(Institution, Institution.id == Return.institution_id)
                 .order_by(Period.starts_on.desc()).limit(1))
        period = session.scalar(scope_to_actor(query, actor)) or session.scalar(
            select(Period).order_by(Period.starts_on.desc()).limit(1))
    if period is None:
        raise NotFound(f"No reporting period {code!r}." if code else "No reporting periods yet.")
    return period


def _latest_issues(period: Period | None) -> Select:
    """Issues of the latest version of every return (of one period, or all)."""
    query = (
        select(QualityIssue.rule_id, QualityIssue.severity, QualityIssue.status,
               QualityIssue.raised_at, QualityIssue.return_id, Return.period_id,
               Institution.code.label("institution"), Institution.name.label("name"))
        .join(Return, Return.id == QualityIssue.return_id)
        .join(ReturnVersion, and_(ReturnVersion.id == QualityIssue.return_version_id,
                                  ReturnVersion.version == Return.latest_version))
        .join(Institution, Institution.id == Return.institution_id)
    )
    return query if period is None else query.where(Return.period_id == period.id)


def _return_statuses(period: Period) -> Select:
    return (select(Return.status, func.count()).join(Institution,
                                                     Institution.id == Return.institution_id)
            .where(Return.period_id == period.id).group_by(Return.status))


def _open_by_rule(live: list) -> list[dict[str, Any]]:
    rules = rules_by_id()
    counts = Counter(row.rule_id for row in live)
    return [{"rule_id": rule_id, "title": rules[rule_id].title if rule_id in rules else rule_id,
             "severity": rules[rule_id].severity if rule_id in rules else None, "open": n}
            for rule_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _open_by_institution(live: list) -> list[dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for row in live:
        entry = table.setdefault(row.institution, {"institution": row.institution,
                                                   "name": row.name, "errors": 0, "warnings": 0})
        entry["errors" if row.severity == Severity.ERROR else "warnings"] += 1
    return sorted(table.values(),
                  key=lambda e: (-e["errors"], -e["warnings"], e["institution"]))


def _open_by_age(live: list, now: datetime) -> list[dict[str, Any]]:
    counts = Counter(_age_bucket((now - row.raised_at).days) for row in live)
    return [{"age": label, "open": counts.get(label, 0)} for _, label in AGE_BUCKETS]


def _age_bucket(days: int) -> str:
    return next(label for limit, label in AGE_BUCKETS if limit is None or days < limit)


def rule_frequencies(issues: list, checked: int) -> list[dict[str, Any]]:
    """Per rule, the checked returns it fired on (any issue not resolved) and their share."""
    fired: dict[str, set[int]] = defaultdict(set)
    for row in issues:
        if row.status != IssueStatus.RESOLVED:
            fired[row.rule_id].add(row.return_id)
    rows = []
    for rule in rules_by_id().values():
        returns = len(fired.get(rule.id, ()))
        share = returns / checked if checked else 0.0
        rows.append({"rule_id": rule.id, "title": rule.title, "severity": rule.severity,
                     "returns_fired": returns, "share": round(share, 4),
                     "suspect": checked >= SUSPECT_MIN_RETURNS and share > SUSPECT_SHARE})
    return sorted(rows, key=lambda row: (-row["returns_fired"], row["rule_id"]))


def trends(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Per period: returns by status, and the returns with live errors and warnings."""
    periods = {period.id: period for period in session.scalars(select(Period))}
    statuses = session.execute(scope_to_actor(
        select(Return.period_id, Return.status, func.count())
        .join(Institution, Institution.id == Return.institution_id)
        .group_by(Return.period_id, Return.status), actor)).all()
    flagged: dict[tuple[int, str], set[int]] = defaultdict(set)
    for row in session.execute(scope_to_actor(_latest_issues(None), actor)):
        if row.status in LIVE_STATUSES:
            flagged[(row.period_id, row.severity)].add(row.return_id)
    by_period: dict[int, Counter] = defaultdict(Counter)
    for period_id, status, n in statuses:
        by_period[period_id][status] += n
    ordered = sorted(by_period, key=lambda pid: periods[pid].starts_on)
    return [{"period": periods[pid].code, "returns": sum(by_period[pid].values()),
             "by_status": dict(sorted(by_period[pid].items())),
             "with_errors": len(flagged[(pid, Severity.ERROR)]),
             "with_warnings": len(flagged[(pid, Severity.WARNING)])} for pid in ordered]


def status_counts(session: Session, period_code: str | None = None) -> dict[str, dict[str, int]]:
    """Returns by status per period (all periods, or one), for the CLI's summary."""
    query = (select(Period.code, Return.status, func.count())
             .join(Return, Return.period_id == Period.id)
             .group_by(Period.code, Period.starts_on, Return.status).order_by(Period.starts_on))
    if period_code:
        query = query.where(Period.code == period_code)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for code, status, n in session.execute(query):
        counts[code][status] = n
    return dict(counts)
