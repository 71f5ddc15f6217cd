"""The web form of a return: one input per field of the standard, read back into a payload."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import flatten_return, unflatten_return
from schemas.cells import coerce_cell
from schemas.walk import Leaf, return_leaves

FIXED_HEADER = ("header.schema_version", "header.institution_code")


@dataclass(frozen=True)
class FormField:
    leaf: Leaf
    value: str
    errors: list[str]

    @property
    def path(self) -> str:
        return self.leaf.path

    @property
    def input_id(self) -> str:
        return "f-" + self.leaf.path.replace(".", "-")


def form_fields(values: dict[str, str], errors: dict[str, list[str]]) -> dict[str, list[FormField]]:
    """The form's fields grouped by section, with current values and messages beside each."""
    sections: dict[str, list[FormField]] = {}
    for leaf in return_leaves():
        if leaf.path in FIXED_HEADER:
            continue
        field = FormField(leaf, values.get(leaf.path, ""), _errors_for(leaf.path, errors))
        sections.setdefault(leaf.section, []).append(field)
    return sections


def _errors_for(path: str, errors: dict[str, list[str]]) -> list[str]:
    return list(errors.get(path, []))


def values_from_payload(payload: dict) -> dict[str, str]:
    """Flatten a stored payload into the strings the form shows."""
    return {path: _text(value) for path, value in flatten_return(payload).items()}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def payload_from_form(form: dict[str, str], institution_code: str, schema_version: str) -> dict:
    """Read submitted form strings into a return payload, typed field by field."""
    flat: dict[str, object] = {
        "header.schema_version": schema_version,
        "header.institution_code": institution_code,
    }
    for leaf in return_leaves():
        if leaf.path in FIXED_HEADER:
            continue
        raw = form.get(leaf.path, "")
        if leaf.field.kind == "code list":
            raw = ";".join(form.getlist(leaf.path)) if hasattr(form, "getlist") else raw
        flat[leaf.path] = coerce_cell(leaf.field, raw)
    if not any(v not in (None, []) for k, v in flat.items() if k.startswith("outcomes.")):
        flat = {k: v for k, v in flat.items() if not k.startswith("outcomes.")}
    return unflatten_return(flat)
