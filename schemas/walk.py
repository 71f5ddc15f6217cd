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
    entry: str = ""
    """For a field of one entry of a list (flat layouts): the entry's name, e.g. 'Cohorts
    followed #1'."""

    @property
    def full_label(self) -> str:
        """Return the label with its group, e.g. 'Mentee satisfaction, by rating: Rated 1'."""
        label = self.field.label
        group = self.groups[-1] if self.groups else ""
        label = label if not group or label.startswith(group) else f"{group}: {label}"
        return f"{self.entry} · {label}" if self.entry else label

    @property
    def section(self) -> str:
        """Return the top-level section the field belongs to."""
        return self.path.split(".", 1)[0]


LIST_SLOTS = 5
"""Entries of a list (the cohorts followed) that the flat layouts hold: the templates, the
CSV and the web form give each entry its columns, numbered from 0 as the validator's error
paths are (cohort_follow_up.cohorts.0.at_start). The JSON API takes the list's maximum."""


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


@cache
def flat_leaves(version: str) -> tuple[Leaf, ...]:
    """A version's leaf fields as the flat layouts hold them: a list's fields repeated for
    each of LIST_SLOTS entries (entry by entry), at the list's place."""
    leaves: list[Leaf] = []
    lists: dict[str, list[Leaf]] = {}
    for leaf in version_leaves(version):
        if "[]" not in leaf.path:
            leaves.append(leaf)
            continue
        prefix = leaf.path.split("[]", 1)[0]
        if prefix not in lists:
            lists[prefix] = []
            leaves.append(Leaf(prefix, leaf.field, False))  # the list's place, replaced below
        lists[prefix].append(leaf)
    flat: list[Leaf] = []
    for leaf in leaves:
        entries = lists.get(leaf.path)
        if entries is None or leaf.field is not entries[0].field:
            flat.append(leaf)
            continue
        flat.extend(_entry_leaf(item, slot) for slot in range(LIST_SLOTS) for item in entries)
    return tuple(flat)


def _entry_leaf(leaf: Leaf, slot: int) -> Leaf:
    """A list field's leaf for one entry, named by the entry instead of the list's group."""
    depth = leaf.path.split("[]", 1)[1].count(".") - 1  # groups below the entry itself
    at = len(leaf.groups) - depth - 1
    return Leaf(leaf.path.replace("[]", f".{slot}", 1), leaf.field, False,
                leaf.groups[:at] + leaf.groups[at + 1:], f"{leaf.groups[at]} #{slot + 1}")


def optional_sections(schema: Schema, prefix: str = "") -> tuple[str, ...]:
    """The paths of the optional sections and lists (at any depth), deepest first."""
    found: list[str] = []
    for name, field in schema.fields.items():
        path = join_path(prefix, name)
        if isinstance(field, Section):
            found.extend(optional_sections(field.schema, path))
            if not field.required:
                found.append(path)
        elif isinstance(field, SectionList):
            found.append(path)
    return tuple(found)
