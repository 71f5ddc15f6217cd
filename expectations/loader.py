"""Read the suite files into rule descriptions, and build the Great Expectations suite.

Reading rules needs only the JSON (the API, the web pages, the frame builder, the
one-return engine and the toolkit use them); `build_suite` imports great_expectations,
which costs seconds, so only the pipeline's validating code calls it. A rule that names
an unknown derivation, a derivation its kind cannot run, an expectation type the
one-return engine does not evaluate, or a column nothing computes fails here, at load.
"""

from __future__ import annotations

import copy
import json
import math
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from expectations.derivations import (
    FIGURES,
    REASONS,
    Context,
    UnknownDerivation,
    get_derivation,
)
from schemas.indicators import BY_CODE

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
WITHIN_RETURN_KINDS = ("within_return",)
"""Rules that judge a return on its own figures: they run everywhere, the toolkit too."""
ONE_RETURN_KINDS = ("within_return", "credibility")
"""Rules that need only the return and its programme's previous-period return: the dry run
and the web submit run them at once; the rest need the whole period (the pipeline)."""
DERIVATION_NEEDS_BY_KIND = {
    "within_return": ("return",),
    "credibility": ("return", "previous"),
    "national_distribution": ("return", "previous", "period"),
    "completeness": ("return", "previous", "period"),
}
EXPECTATION_TYPES = (
    "expect_column_values_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_values_to_not_be_null",
)
"""The expectation types the suites may use: those expectations/engine.py evaluates."""
BASE_COLUMNS = frozenset({"level", *FIGURES, *REASONS})
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
    derivation: str | None = None

    @property
    def field(self) -> str:
        """The field an issue of this rule is filed under."""
        return self.fields[0]

    @property
    def columns(self) -> tuple[str, ...]:
        """The DataFrame columns the expectation reads."""
        return tuple(self.kwargs[key] for key in ("column", "column_A", "column_B")
                     if key in self.kwargs)

    @property
    def indicators(self) -> tuple[str, ...]:
        """The catalogue indicators the rule reads, by code (as columns or as its source)."""
        named = (*self.columns, self.parameters.get("source"))
        return tuple(dict.fromkeys(name for name in named if name in BY_CODE))

    def derive(self, context: Context) -> dict[str, Any]:
        """The columns the rule's derivation makes for one return (none without one)."""
        if self.derivation is None:
            return {}
        return self._derive(context, self.parameters)

    @cached_property
    def _derive(self) -> Callable[[Context, Mapping[str, Any]], dict[str, Any]]:
        return get_derivation(self.derivation).derive

    def describe_value(self, row: Mapping[str, Any]) -> str:
        """Render the rule's value template with one return's columns.

        An empty value under a number format renders as "nan", as a frame's NaN does.
        """
        numeric = {name for _, name, spec, _ in string.Formatter().parse(self.value_template)
                   if name and spec}
        return self.value_template.format_map(
            {**row, **{name: math.nan for name in numeric if row.get(name) is None}})


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
    if expectation["type"] not in EXPECTATION_TYPES:
        raise RuleFileError(f"{where}: {expectation['type']} is not one of {EXPECTATION_TYPES}")
    if (expectation["type"] == "expect_column_pair_values_a_to_be_greater_than_b"
            and expectation["kwargs"].get("ignore_row_if") != "either_value_is_missing"):
        raise RuleFileError(f"{where}: a pair rule must ignore rows with either value missing")
    rule = Rule(
        id=meta["id"], kind=meta["kind"], severity=meta["severity"], title=meta["title"],
        message=meta["message"], guidance=meta["guidance"], fields=tuple(meta["fields"]),
        expected=meta["expected"], value_template=meta["value"], suite=suite,
        expectation_type=expectation["type"],
        kwargs=MappingProxyType(dict(expectation["kwargs"])),
        parameters=MappingProxyType(dict(meta.get("parameters") or {})),
        derivation=meta.get("derivation"),
    )
    _check_columns(rule, where)
    return rule


def _check_columns(rule: Rule, where: str) -> None:
    """The rule's derivation exists and suits its kind; every column it reads is computed."""
    made: set[str] = set()
    if rule.derivation is not None:
        try:
            needs = get_derivation(rule.derivation).needs
        except UnknownDerivation:
            raise RuleFileError(f"{where}: unknown derivation {rule.derivation!r}") from None
        if needs not in DERIVATION_NEEDS_BY_KIND[rule.kind]:
            raise RuleFileError(f"{where}: derivation {rule.derivation!r} needs the {needs}, "
                                f"which a {rule.kind} rule does not have")
        made = set(rule.derive(Context(dict.fromkeys(BASE_COLUMNS), {})))
    known = BASE_COLUMNS | set(rule.indicators) | made
    if "expand" in rule.parameters:
        known |= {"code"}
    named = {name for _, name, _, _ in string.Formatter().parse(rule.value_template) if name}
    unknown = sorted((set(rule.columns) | named) - known)
    if unknown:
        raise RuleFileError(f"{where}: no figure, indicator or derivation gives "
                            f"{', '.join(unknown)}")


def build_suite():
    """One ExpectationSuite holding every rule (imports great_expectations: seconds)."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    expectations = [expectation for doc in suite_documents() for expectation in doc["expectations"]]
    return ExpectationSuite(**{"name": SUITE_NAME, "expectations": copy.deepcopy(expectations),
                               "meta": {"files": list(SUITE_FILES)}})
