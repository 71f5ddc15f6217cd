"""The published data dictionary: one row per leaf field of the return."""

from __future__ import annotations

from schemas.rules import rules_involving
from schemas.walk import Leaf, return_leaves


def data_dictionary() -> list[dict]:
    """Return one row per leaf field: path, section, label, type, codes, rules, guidance."""
    return [_row(leaf) for leaf in return_leaves()]


def _row(leaf: Leaf) -> dict:
    field = leaf.field
    return {
        "path": leaf.path,
        "section": leaf.section,
        "label": field.label,
        "type": field.kind,
        "required": leaf.required,
        "codes": field.code_choices(),
        "rules": _rules(leaf),
        "guidance": field.guidance,
    }


def _rules(leaf: Leaf) -> list[str]:
    rules = leaf.field.constraints()
    if not leaf.required and leaf.field.required:
        rules.append("Required when its optional section or area is given.")
    rules.extend(rule.describe() for rule in rules_involving(leaf.path))
    return rules
