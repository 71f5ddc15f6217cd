"""Walk a marshmallow return schema down to its leaf fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from marshmallow import Schema

from schemas.fields import Section, StandardField


@dataclass(frozen=True)
class Leaf:
    """A leaf field with its dotted path; required means required along the whole chain."""

    path: str
    field: StandardField
    required: bool

    @property
    def section(self) -> str:
        """Return the top-level section the field belongs to."""
        return self.path.split(".", 1)[0]


def join_path(prefix: str, name: str) -> str:
    """Join a dotted prefix and a field name."""
    return f"{prefix}.{name}" if prefix else name


def iter_leaves(schema: Schema, prefix: str = "", required: bool = True) -> Iterator[Leaf]:
    """Yield every leaf field of a schema in declaration order."""
    for name, field in schema.fields.items():
        path = join_path(prefix, name)
        if isinstance(field, Section):
            yield from iter_leaves(field.schema, path, required and field.required)
        else:
            yield Leaf(path, field, required and field.required)


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
