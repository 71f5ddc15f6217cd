"""Walk a marshmallow return schema down to its leaf fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from marshmallow import Schema

from schemas.fields import Section, SectionList, StandardField


@dataclass(frozen=True)
class Leaf:
    """A leaf field with its dotted path; required means required along the whole chain."""

    path: str
    field: StandardField
    required: bool
    groups: tuple[str, ...] = ()

    @property
    def full_label(self) -> str:
        """Return the label with its group, e.g. 'Mentee satisfaction, by rating: Rated 1'."""
        label = self.field.label
        group = self.groups[-1] if self.groups else ""
        return label if not group or label.startswith(group) else f"{group}: {label}"

    @property
    def section(self) -> str:
        """Return the top-level section the field belongs to."""
        return self.path.split(".", 1)[0]


def join_path(prefix: str, name: str) -> str:
    """Join a dotted prefix and a field name."""
    return f"{prefix}.{name}" if prefix else name


def iter_leaves(
    schema: Schema, prefix: str = "", required: bool = True, groups: tuple[str, ...] = ()
) -> Iterator[Leaf]:
    """Yield every leaf field of a schema in declaration order, with its groups' labels."""
    for name, field in schema.fields.items():
        path = join_path(prefix, name)
        if isinstance(field, Section):
            inner = (*groups, field.label) if prefix else groups  # a top section is not a group
            yield from iter_leaves(field.schema, path, required and field.required, inner)
        elif isinstance(field, SectionList):
            inner = (*groups, field.label)
            yield from iter_leaves(field.schema, f"{path}[]", False, inner)
        else:
            yield Leaf(path, field, required and field.required, groups)


def skeleton(schema: Schema) -> dict:
    """Return the empty objects a return needs for its required sections."""
    return {
        name: skeleton(field.schema)
        for name, field in schema.fields.items()
        if isinstance(field, Section) and field.required
    }


@cache
def current_schema() -> Schema:
    """Return a shared instance of the current return schema."""
    from schemas.v1 import ReturnSchema

    return ReturnSchema()


@cache
def return_leaves() -> tuple[Leaf, ...]:
    """Return the leaf fields of the current return schema."""
    return tuple(iter_leaves(current_schema()))


@cache
def version_leaves(version: str) -> tuple[Leaf, ...]:
    """Return the leaf fields of the return schema of a standard version."""
    from schemas.validation import schema_of_version

    return tuple(iter_leaves(schema_of_version(version)))
