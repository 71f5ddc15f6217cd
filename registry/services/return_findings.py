"""Findings at once on submit: the pipeline's one-return rules, run on one return version.

The rules that can judge a return on its own (within-return) or against the same
programme's previous-period return (credibility) run here exactly as the quality
pipeline runs them: the same suite files, the same frame derivations
(quality_frame.build_frame) and the same Great Expectations validation
(quality_checks.validate_frame). The national rules need the whole period and follow
when the pipeline has run. Nothing is stored: the pipeline files the issues.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from expectations import Rule, load_rules
from registry.models import (
    Period,
    Programme,
    QualityIssue,
    Return,
    ReturnStatus,
    ReturnVersion,
)
from registry.services.actors import Actor
from registry.services.quality_checks import Finding, previous_period, validate_frame
from registry.services.returns import get_version

ONE_RETURN_KINDS = ("within_return", "credibility")


@dataclass(frozen=True)
class ReturnFindings:
    """What the one-return rules found on a version, and against which previous period."""

    version: ReturnVersion
    findings: list[Finding]
    rules: dict[str, Rule]
    previous_period: str | None
    compared: bool
    seconds: float
    national: list[QualityIssue] = field(default_factory=list)

    @property
    def pipeline_has_run(self) -> bool:
        """Whether the quality pipeline has checked this version yet."""
        return self.version.status != ReturnStatus.SUBMITTED


def one_return_rules() -> tuple[Rule, ...]:
    """The rules that need only the return and its previous-period record."""
    return tuple(rule for rule in load_rules() if rule.kind in ONE_RETURN_KINDS)


def one_return_findings(session: Session, actor: Actor, return_id: int, number: int
                        ) -> ReturnFindings:
    """Run the within-return and previous-period rules on one version of a return."""
    return returns_findings(session, actor, [(return_id, number)])[0]


def returns_findings(session: Session, actor: Actor, keys: list[tuple[int, int]]
                     ) -> list[ReturnFindings]:
    """Run the one-return rules on versions given as (return id, version number), in order.

    Versions of one period share one frame and one validation (its cost hardly grows with
    rows); a programme meets its previous-period return as in the pipeline.
    """
    versions = list({v.id: v for v in (get_version(session, actor, return_id, number)
                                       for return_id, number in keys)}.values())
    by_period: dict[int, list[ReturnVersion]] = {}
    for version in versions:
        by_period.setdefault(version.return_.period_id, []).append(version)
    found: dict[int, ReturnFindings] = {}
    for group in by_period.values():
        found.update(_period_findings(session, group))
    return [found[version.id] for version in versions]


def _period_findings(session: Session, versions: list[ReturnVersion]
                     ) -> dict[int, ReturnFindings]:
    """Validate versions of one period, with their previous-period returns, in one frame."""
    from registry.services.quality_frame import build_frame

    started = time.perf_counter()
    previous = previous_period(session, versions[0].return_.period)
    before = {v.id: previous_version(session, v.return_, previous) for v in versions}
    rules = load_rules()
    frame = build_frame([_record(v.return_, v) for v in versions],
                        [_record(b.return_, b) for b in before.values() if b], rules)
    wanted = {rule.id: rule for rule in one_return_rules()}
    findings = [f for f in validate_frame(frame, rules) if f.rule_id in wanted]
    seconds = time.perf_counter() - started
    return {v.id: ReturnFindings(v, [f for f in findings if f.version_id == v.id], wanted,
                                 previous.code if previous else None, before[v.id] is not None,
                                 seconds, national_issues(session, v))
            for v in versions}


def national_issues(session: Session, version: ReturnVersion) -> list[QualityIssue]:
    """The issues the pipeline filed on the version from the rules that need the whole period."""
    return list(session.scalars(
        select(QualityIssue).where(QualityIssue.return_version_id == version.id,
                                   QualityIssue.kind.not_in(ONE_RETURN_KINDS))
        .order_by(QualityIssue.rule_id, QualityIssue.field)))


def previous_version(session: Session, return_: Return, period: Period | None
                     ) -> ReturnVersion | None:
    """The latest version of the same programme's return in the given (previous) period."""
    if period is None:
        return None
    return session.scalar(
        select(ReturnVersion).join(Return, Return.id == ReturnVersion.return_id)
        .where(Return.institution_id == return_.institution_id,
               Return.programme_id == return_.programme_id, Return.period_id == period.id,
               ReturnVersion.version == Return.latest_version))


def _record(return_: Return, version: ReturnVersion) -> dict:
    """A quality-frame record of one version (the ids and the payload the figures come from)."""
    return {"version_id": version.id, "return_id": return_.id,
            "institution_id": return_.institution_id, "programme_id": return_.programme_id,
            "institution_code": return_.institution.code,
            "programme_code": return_.programme.code, "version_status": version.status,
            "return_status": return_.status, "payload": version.payload}


def last_period_payload(session: Session, actor: Actor, period_code: str, programme_code: str
                        ) -> tuple[str | None, dict | None]:
    """The previous period's code and the college's return for the programme then, if any."""
    period = session.scalar(select(Period).where(Period.code == period_code))
    previous = previous_period(session, period) if period is not None else None
    if previous is None or actor.institution_id is None:
        return None, None
    version = session.scalar(
        select(ReturnVersion).join(Return, Return.id == ReturnVersion.return_id)
        .join(Programme, Programme.id == Return.programme_id)
        .where(Return.institution_id == actor.institution_id, Programme.code == programme_code,
               Return.period_id == previous.id, ReturnVersion.version == Return.latest_version))
    return previous.code, version.payload if version else None


def last_period_values(session: Session, actor: Actor, period_code: str, programme_code: str
                       ) -> tuple[str | None, dict[str, str]]:
    """The previous period's code and the programme's values then, as the form shows them."""
    from registry.services.return_form import values_from_payload

    previous, payload = last_period_payload(session, actor, period_code, programme_code)
    return previous, values_from_payload(payload) if payload else {}
