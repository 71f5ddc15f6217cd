"""Field labels from the data standard, so pages say "Enrolled mentees", not a field path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from schemas.fields import Section
from schemas.walk import current_schema


@dataclass(frozen=True)
class FieldLabel:
    section: str
    label: str


@cache
def field_labels() -> dict[str, FieldLabel]:
    """Every leaf path of the standard with its section and a label that reads alone."""
    labels: dict[str, FieldLabel] = {}
    _walk(current_schema(), "", (), labels)
    return labels


def _walk(schema, prefix: str, parents: tuple[str, ...], labels: dict[str, FieldLabel]) -> None:
    for name, field in schema.fields.items():
        path = f"{prefix}.{name}" if prefix else name
        title = field.metadata["title"]
        if isinstance(field, Section):
            _walk(field.schema, path, (*parents, title), labels)
            continue
        label = f"{parents[-1]}: {title}" if len(parents) > 1 else title
        labels[path] = FieldLabel(parents[0] if parents else "", label)


def label_of(path: str) -> str:
    """The standard's label for a field path; the path itself when it has none."""
    known = field_labels().get(path)
    return known.label if known else path
