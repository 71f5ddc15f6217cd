"""Findings at once on submit: the pipeline's one-return rules on one version, nothing stored."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.models import QualityIssue
from registry.services.accounts.actors import Actor
from registry.services.quality.quality_checks import check_period
from registry.services.quality.return_findings import ONE_RETURN_KINDS, one_return_findings
from registry.services.submission.submissions import submit_return
from tests.factories import make_period, make_user, return_payload

NOT_COLLECTED = {"activity": {"contact_hours": "not_collected"}}


def _officer(session, college) -> Actor:
    return Actor.for_user(make_user(session, "college", institution_id=college.id))


def _submit(session, actor, college, period, **sections):
    return submit_return(session, actor, return_payload(college, period, "UG-1", **sections),
                         source="web")


def test_a_within_return_rule_fires_at_once_and_nothing_is_stored(session, college):
    make_period(session, "2025")
    officer = _officer(session, college)
    result = _submit(session, officer, college, "2025", **NOT_COLLECTED)
    found = one_return_findings(session, officer, result.return_id, result.version)
    assert [(f.rule_id, f.field) for f in found.findings] == [("Q008", "activity.contact_hours")]
    assert found.findings[0].value and found.findings[0].message
    assert session.scalar(select(func.count()).select_from(QualityIssue)) == 0


def test_previous_period_rules_compare_with_the_programmes_last_return(session, college):
    make_period(session, "2024", open_now=False)
    make_period(session, "2025")
    officer = _officer(session, college)
    _submit_closed(session, college, "2024")
    enrolled = return_payload(college, "2025", "UG-1")["capacity"]["enrolled_mentees"]
    result = _submit(session, officer, college, "2025",
                     capacity={"enrolled_mentees": enrolled * 2 + 30,
                               "eligible_mentees": enrolled * 3 + 90})
    found = one_return_findings(session, officer, result.return_id, result.version)
    assert found.previous_period == "2024" and found.compared
    assert "Q010" in {f.rule_id for f in found.findings}


def test_the_findings_agree_with_the_pipelines_for_the_one_return_rules(session, college):
    make_period(session, "2024", open_now=False)
    make_period(session, "2025")
    officer = _officer(session, college)
    _submit_closed(session, college, "2024")
    enrolled = return_payload(college, "2025", "UG-1")["capacity"]["enrolled_mentees"]
    result = _submit(session, officer, college, "2025", **NOT_COLLECTED,
                     capacity={"enrolled_mentees": enrolled * 2 + 30,
                               "eligible_mentees": enrolled * 3 + 90})
    at_once = one_return_findings(session, officer, result.return_id, result.version)
    check_period(session, Actor.system("test"), "2025")
    stored = session.scalars(select(QualityIssue).where(
        QualityIssue.return_version_id == result.version_id,
        QualityIssue.kind.in_(ONE_RETURN_KINDS))).all()
    assert len(at_once.findings) >= 2
    assert sorted((f.rule_id, f.field, f.value) for f in at_once.findings) == sorted(
        (i.rule_id, i.field, i.value) for i in stored)


def _submit_closed(session, college, period_code: str) -> None:
    """A return for a closed period, as stored before its window closed."""
    from datetime import timedelta

    from registry.models import Period

    period = session.scalar(select(Period).where(Period.code == period_code))
    submit_return(session, _officer(session, college), return_payload(college, period_code,
                                                                      "UG-1"),
                  source="api", now=period.opens_at + timedelta(days=1))


def test_national_findings_follow_once_the_pipeline_has_run(session, college):
    from expectations import rules_by_id
    from registry.models import ReturnVersion

    make_period(session, "2025")
    officer = _officer(session, college)
    result = _submit(session, officer, college, "2025")
    found = one_return_findings(session, officer, result.return_id, result.version)
    assert not found.pipeline_has_run and found.national == []
    rule = rules_by_id()["Q020"]
    issue = QualityIssue(return_version_id=result.version_id, return_id=result.return_id,
                         rule_id=rule.id, kind=rule.kind, severity=rule.severity,
                         field=rule.field, value="z = 4.1", expected=rule.expected,
                         message=rule.message, status="open")
    session.add(issue)
    session.get(ReturnVersion, result.version_id).status = "needs_attention"
    session.flush()
    found = one_return_findings(session, officer, result.return_id, result.version)
    assert found.pipeline_has_run and found.national == [issue]
