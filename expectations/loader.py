"""Read the suite files into rule descriptions, and build the Great Expectations suite.

Reading rules needs only the JSON (the API, the web pages and the frame builder use
them); `build_suite` imports great_expectations, which costs seconds, so only the
validating code calls it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

FOLDER = Path(__file__).parent
SUITE_FILES = (
    "within_return.json",
    "credibility.json",
    "national_distribution.json",
    "completeness.json",
)
SUITE_NAME = "registry_quality"
SEVERITIES = ("error", "warning")
KINDS = ("within_return", "credibility", "national_distribution", "completeness")
REQUIRED_META = ("id", "kind", "severity", "title", "message", "guidance", "fields",
                 "expected", "value")


class RuleFileError(ValueError):
    """A suite file breaks the conventions every rule must follow."""


@dataclass(frozen=True)
class Rule:
    """One quality rule: a Great Expectations expectation plus the registry's meta."""

    id: str
    kind: str
    severity: str
    title: str
    message: str
    guidance: str
    fields: tuple[str, ...]
    expected: str
    value_template: str
    suite: str
    expectation_type: str
    kwargs: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def field(self) -> str:
        """The field an issue of this rule is filed under."""
        return self.fields[0]

    @property
    def columns(self) -> tuple[str, ...]:
        """The DataFrame columns the expectation reads."""
        return tuple(self.kwargs[key] for key in ("column", "column_A", "column_B")
                     if key in self.kwargs)

    def describe_value(self, row: Mapping[str, Any]) -> str:
        """Render the rule's value template with one row of the quality frame."""
        return self.value_template.format_map(row)


@cache
def suite_documents() -> tuple[dict, ...]:
    """The suite files as parsed JSON, in their published order."""
    return tuple(json.loads((FOLDER / name).read_text(encoding="utf-8")) for name in SUITE_FILES)


@cache
def load_rules() -> tuple[Rule, ...]:
    """Every rule of every suite, checked for the conventions the registry relies on."""
    rules = tuple(_rule(doc["name"], expectation)
                  for doc in suite_documents() for expectation in doc["expectations"])
    ids = [rule.id for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise RuleFileError(f"rule ids used twice: {', '.join(duplicates)}")
    return rules


def rules_by_id() -> dict[str, Rule]:
    return {rule.id: rule for rule in load_rules()}


def _rule(suite: str, expectation: dict) -> Rule:
    meta = expectation.get("meta") or {}
    missing = [key for key in REQUIRED_META if not meta.get(key)]
    where = f"{suite}: {meta.get('id', expectation.get('type'))}"
    if missing:
        raise RuleFileError(f"{where} lacks meta {', '.join(missing)}")
    if meta["severity"] not in SEVERITIES or meta["kind"] not in KINDS:
        raise RuleFileError(f"{where}: severity must be one of {SEVERITIES}, kind one of {KINDS}")
    if "mostly" in expectation["kwargs"]:
        raise RuleFileError(f"{where}: 'mostly' would let failing returns through unreported")
    return Rule(
        id=meta["id"], kind=meta["kind"], severity=meta["severity"], title=meta["title"],
        message=meta["message"], guidance=meta["guidance"], fields=tuple(meta["fields"]),
        expected=meta["expected"], value_template=meta["value"], suite=suite,
        expectation_type=expectation["type"],
        kwargs=MappingProxyType(dict(expectation["kwargs"])),
        parameters=MappingProxyType(dict(meta.get("parameters") or {})),
    )


def build_suite():
    """One ExpectationSuite holding every rule (imports great_expectations: seconds)."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    expectations = [expectation for doc in suite_documents() for expectation in doc["expectations"]]
    return ExpectationSuite(**{"name": SUITE_NAME, "expectations": copy.deepcopy(expectations),
                               "meta": {"files": list(SUITE_FILES)}})
