"""The quality rules: Great Expectations suites kept as reviewed JSON files, and their loader."""

from expectations.loader import KINDS, SEVERITIES, Rule, build_suite, load_rules, rules_by_id

__all__ = ["KINDS", "SEVERITIES", "Rule", "build_suite", "load_rules", "rules_by_id"]
