"""The published data dictionary: one row per leaf field of the return."""

from __future__ import annotations

from schemas.rules import rules_involving
from schemas.validation import SCHEMA_VERSION, SUPPORTED_VERSIONS
from schemas.walk import Leaf, version_leaves

ADDED = "added"
CHANGED = "changed"
UNCHANGED = "unchanged"
REMOVED = "removed"


def data_dictionary(version: str = SCHEMA_VERSION) -> list[dict]:
    """Return one row per leaf field: path, section, label, type, codes, rules, guidance.

    Raises KeyError for a version the registry does not know.
    """
    return [_row(leaf, version) for leaf in version_leaves(version)]


def previous_version(version: str) -> str | None:
    """Return the supported version before this one, or None for the first."""
    index = SUPPORTED_VERSIONS.index(version)
    return SUPPORTED_VERSIONS[index - 1] if index else None


def dictionary_changes(version: str) -> list[dict]:
    """Return the version's rows, each with `change` against the previous version
    (added / changed / unchanged), then a row per field the version removed."""
    rows = data_dictionary(version)
    before = previous_version(version)
    if before is None:
        return [{**row, "change": UNCHANGED} for row in rows]
    earlier = {row["path"]: row for row in data_dictionary(before)}
    marked = [{**row, "change": _change(row, earlier.get(row["path"]))} for row in rows]
    kept = {row["path"] for row in rows}
    removed = [{**row, "change": REMOVED} for path, row in earlier.items() if path not in kept]
    return marked + removed


def _change(row: dict, earlier: dict | None) -> str:
    if earlier is None:
        return ADDED
    return UNCHANGED if row == earlier else CHANGED


def _row(leaf: Leaf, version: str) -> dict:
    field = leaf.field
    return {
        "path": leaf.path,
        "section": leaf.section,
        "label": field.label,
        "type": field.kind,
        "required": leaf.required,
        "codes": field.code_choices(),
        "rules": _rules(leaf, version),
        "guidance": field.guidance,
    }


def _rules(leaf: Leaf, version: str) -> list[str]:
    rules = leaf.field.constraints()
    if not leaf.required and leaf.field.required:
        rules.append("Required when its optional section or area is given.")
    rules.extend(rule.describe() for rule in rules_involving(leaf.path, version))
    return rules
