"""What the registry will find on a return, foreseen offline with the registry's own rules.

The within-return quality rules (expectations/*.json, kind within_return) run here
through the same one-return engine the registry's dry run and web submit use, and are
shown by their rule ids. The previous-period rules need the programme's last return and
the national rules every college's returns: only the registry can run them.
"""

from __future__ import annotations

from expectations import WITHIN_RETURN_KINDS, Rule, load_rules
from expectations.engine import RuleFinding, evaluate
from schemas.indicators import MIN_PEOPLE_FOR_RATE
from schemas.paths import get_path, is_number

SURVEYS = (
    ("mentee survey", "evaluation.mentee_survey"),
    ("mentor survey", "evaluation.mentor_survey"),
)


def offline_rules() -> tuple[Rule, ...]:
    """The registry's rules that judge a return on its own figures."""
    return tuple(rule for rule in load_rules() if rule.kind in WITHIN_RETURN_KINDS)


def registry_findings(payload: dict) -> list[RuleFinding]:
    """The findings the registry's within-return rules will file on this return."""
    return evaluate(offline_rules(), payload)


def describe(finding: RuleFinding) -> str:
    """One finding in a line: rule id, severity, field, value and what it means."""
    return (f"{finding.rule_id} {finding.severity}, {finding.field} ({finding.value}): "
            f"{finding.message}")


def publication_notes(payload: dict) -> list[str]:
    """Return the figures too small for the registry to publish rates on."""
    notes = []
    for label, prefix in SURVEYS:
        responded = get_path(payload, f"{prefix}.responded")
        if is_number(responded) and 0 < responded < MIN_PEOPLE_FOR_RATE:
            notes.append(f"{label}: {responded} respondents, fewer than "
                         f"{MIN_PEOPLE_FOR_RATE}; rates built on them are not published")
    return notes
