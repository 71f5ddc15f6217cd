"""Field labels from the data standard, so pages say "Enrolled mentees", not a field path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from schemas.walk import current_schema, return_leaves


@dataclass(frozen=True)
class FieldLabel:
    section: str
    label: str


@cache
def field_labels() -> dict[str, FieldLabel]:
    """Every leaf path of the standard with its section and a label that reads alone."""
    sections = current_schema().fields
    return {leaf.path: FieldLabel(sections[leaf.section].label, leaf.full_label)
            for leaf in return_leaves()}


def label_of(path: str) -> str:
    """The standard's label for a field path; the path itself when it has none."""
    known = field_labels().get(path)
    return known.label if known else path
