"""Findings at once: the one-return rules on a stored version, or on a dry run's return.

The rules that can judge a return on its own (within-return) or against the same
programme's previous-period return (credibility) run here on the same suite entries and
the same derivations as the quality pipeline, through the one-return engine
(expectations.engine) instead of a Great Expectations validation of a one-row frame (a
second per return, more on first use). The national rules need the whole period and
follow when the pipeline has run. Nothing is stored: the pipeline files the issues.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from expectations import ONE_RETURN_KINDS, Rule, load_rules
from expectations.engine import RuleFinding, evaluate
from registry.models import (
    Period,
    Programme,
    QualityIssue,
    Return,
    ReturnStatus,
    ReturnVersion,
)
from registry.services.accounts.actors import Actor
from registry.services.quality.quality_checks import Finding, previous_period
from registry.services.submission.returns import get_version
from registry.services.submission.submissions import CheckedReturn


@dataclass(frozen=True)
class ReturnFindings:
    """What the one-return rules found on a version, and against which previous period."""

    version: ReturnVersion
    findings: list[Finding]
    rules: dict[str, Rule]
    previous_period: str | None
    compared: bool
    national: list[QualityIssue] = field(default_factory=list)

    @property
    def pipeline_has_run(self) -> bool:
        """Whether the quality pipeline has checked this version yet."""
        return self.version.status != ReturnStatus.SUBMITTED


@dataclass(frozen=True)
class DryRunFindings:
    """What the one-return rules find on a return not stored, and against which period."""

    findings: list[RuleFinding]
    rules: dict[str, Rule]
    previous_period: str | None
    compared: bool


def one_return_rules() -> tuple[Rule, ...]:
    """The rules that need only the return and its previous-period record."""
    return tuple(rule for rule in load_rules() if rule.kind in ONE_RETURN_KINDS)


def one_return_findings(session: Session, actor: Actor, return_id: int, number: int
                        ) -> ReturnFindings:
    """Run the within-return and previous-period rules on one version of a return."""
    return returns_findings(session, actor, [(return_id, number)])[0]


def returns_findings(session: Session, actor: Actor, keys: list[tuple[int, int]]
                     ) -> list[ReturnFindings]:
    """Run the one-return rules on versions given as (return id, version number), in order."""
    versions = [get_version(session, actor, return_id, number) for return_id, number in keys]
    return [_version_findings(session, version) for version in versions]


def _version_findings(session: Session, version: ReturnVersion) -> ReturnFindings:
    return_ = version.return_
    previous = previous_period(session, return_.period)
    before = previous_version(session, return_.institution_id, return_.programme_id, previous)
    rules = one_return_rules()
    found = evaluate(rules, version.payload, before.payload if before else None)
    return ReturnFindings(version, [Finding(version.id, **asdict(f)) for f in found],
                          {rule.id: rule for rule in rules},
                          previous.code if previous else None, before is not None,
                          national_issues(session, version))


def dry_run_findings(session: Session, checked: CheckedReturn) -> DryRunFindings:
    """Run the one-return rules on a checked return that is not stored.

    The previous-period return is the latest version of the institution's return for the
    programme in the period that started last before the return's period (a programme not
    registered yet has none).
    """
    previous = previous_period(session, session.get(Period, checked.period.id))
    before = (previous_version(session, checked.institution.id, checked.programme.id, previous)
              if checked.programme is not None else None)
    rules = one_return_rules()
    return DryRunFindings(evaluate(rules, checked.payload, before.payload if before else None),
                          {rule.id: rule for rule in rules},
                          previous.code if previous else None, before is not None)


def national_issues(session: Session, version: ReturnVersion) -> list[QualityIssue]:
    """The issues the pipeline filed on the version from the rules that need the whole period."""
    return list(session.scalars(
        select(QualityIssue).where(QualityIssue.return_version_id == version.id,
                                   QualityIssue.kind.not_in(ONE_RETURN_KINDS))
        .order_by(QualityIssue.rule_id, QualityIssue.field)))


def previous_version(session: Session, institution_id: int, programme_id: int,
                     period: Period | None) -> ReturnVersion | None:
    """The latest version of the programme's return in the given (previous) period."""
    if period is None:
        return None
    return session.scalar(
        select(ReturnVersion).join(Return, Return.id == ReturnVersion.return_id)
        .where(Return.institution_id == institution_id, Return.programme_id == programme_id,
               Return.period_id == period.id, ReturnVersion.version == Return.latest_version))


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
    from registry.services.submission.return_form import values_from_payload

    previous, payload = last_period_payload(session, actor, period_code, programme_code)
    return previous, values_from_payload(payload) if payload else {}
