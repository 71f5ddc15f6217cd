"""The quality rules: Great Expectations suites kept as reviewed JSON files, their loader,
their named derivations and the one-return engine."""

from expectations.loader import (
    KINDS,
    ONE_RETURN_KINDS,
    SEVERITIES,
    WITHIN_RETURN_KINDS,
    Rule,
    build_suite,
    load_rules,
    rules_by_id,
)

__all__ = ["KINDS", "ONE_RETURN_KINDS", "SEVERITIES", "WITHIN_RETURN_KINDS", "Rule",
           "build_suite", "load_rules", "rules_by_id"]
