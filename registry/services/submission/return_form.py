"""The web form of a return: one input per field of the standard, read back into a payload.

The form runs section by section; each field shows last period's value beside it and
the change, and each section reports how far it is filled. The form follows the newest
standard version its period accepts (form_version): in 1.1 it holds the cohort follow-up
(schemas.walk.LIST_SLOTS cohorts) and 'not reported' for the governance yes/no fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Period, Programme
from registry.services.register.periods import newest_accepted
from schemas import SCHEMA_VERSION, flatten_return, unflatten_return
from schemas.cells import coerce_cell
from schemas.validation import schema_of_version
from schemas.walk import Leaf, flat_leaves

FIXED_HEADER = ("header.schema_version", "header.institution_code")
NUMERIC_KINDS = ("count", "number")


@dataclass(frozen=True)
class FormField:
    leaf: Leaf
    value: str
    errors: list[str]
    last: str = ""

    @property
    def path(self) -> str:
        return self.leaf.path

    @property
    def input_id(self) -> str:
        return "f-" + self.leaf.path.replace(".", "-")

    @property
    def change(self) -> str:
        """The change from last period's value, in words ('' when there is nothing to compare)."""
        return change_text(self.leaf, self.last, self.value)


@dataclass(frozen=True)
class FormSection:
    """One step of the form: its fields and how far they are filled."""

    name: str
    label: str
    fields: list[FormField]

    @property
    def filled(self) -> int:
        return sum(1 for f in self.fields if f.value)

    @property
    def error_count(self) -> int:
        return sum(len(f.errors) for f in self.fields)

    @property
    def status(self) -> str:
        """'to correct', 'complete', 'started' or 'not started'."""
        if self.error_count:
            return "to correct"
        # an empty code list is a valid answer (none), so it never leaves a section unfinished
        required = [f for f in self.fields
                    if f.leaf.required and f.leaf.field.kind != "code list"]
        if (required and all(f.value for f in required)) or (not required and self.filled):
            return "complete"
        return "started" if self.filled else "not started"


def form_version(session: Session, period_code: str) -> str:
    """The standard version of a period's form: the newest the period accepts (1.0 for a
    period the registry does not know; submitting then says so)."""
    period = session.scalar(select(Period).where(Period.code == period_code))
    return newest_accepted(period) if period is not None else SCHEMA_VERSION


def form_sections(values: dict[str, str], errors: dict[str, list[str]],
                  last: dict[str, str], version: str = SCHEMA_VERSION) -> list[FormSection]:
    """The form's steps (every section but the header), with values, errors and last values."""
    labels = {name: field.label for name, field in schema_of_version(version).fields.items()}
    sections: dict[str, list[FormField]] = {}
    for leaf in flat_leaves(version):
        if leaf.section == "header":
            continue
        sections.setdefault(leaf.section, []).append(FormField(
            leaf, values.get(leaf.path, ""), list(errors.get(leaf.path, [])),
            last.get(leaf.path, "")))
    return [FormSection(name, labels[name], fields) for name, fields in sections.items()]


def section_of(path: str) -> str:
    """The section (step) holding a field path."""
    return path.split(".", 1)[0]


def change_text(leaf: Leaf, before: str, now: str) -> str:
    """Say how a value changed since last period: '+12 (+10 %)', 'no change', 'changed'."""
    if not before or not now:
        return ""
    if leaf.field.kind in NUMERIC_KINDS and _is_numeric(before) and _is_numeric(now):
        old, new = float(before), float(now)
        if old == new:
            return "no change"
        relative = f" ({(new - old) / old:+.0%})" if old else ""
        return f"{new - old:+g}{relative}"
    return "no change" if before == now else "changed"


def _is_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def values_from_payload(payload: dict) -> dict[str, str]:
    """Flatten a stored payload into the strings the form shows."""
    return {path: _text(value) for path, value in flatten_return(payload).items()}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    return "" if value is None else str(value)


def programme_values(programme: Programme) -> dict[str, str]:
    """The programme section as the directory entry holds it."""
    return {
        "programme.name": programme.name, "programme.level": programme.level,
        "programme.model": programme.model,
        "programme.disciplines": ";".join(programme.disciplines or []),
        "programme.start_date": programme.start_date.isoformat() if programme.start_date else "",
    }


def values_from_form(form, version: str = SCHEMA_VERSION) -> dict[str, str]:
    """The form's values as typed, by field path (several codes joined with ';')."""
    values = {}
    for leaf in flat_leaves(version):
        if leaf.field.kind == "code list" and hasattr(form, "getlist"):
            values[leaf.path] = ";".join(form.getlist(leaf.path))
        else:
            values[leaf.path] = (form.get(leaf.path) or "").strip()
    return values


_SLOT = re.compile(r"^(?P<list>[a-z_.]+?)\.(?P<slot>\d+)(?P<rest>\..*)?$")


def errors_at_slots(errors: dict[str, list[str]], values: dict[str, str],
                    version: str) -> dict[str, list[str]]:
    """Move a submitted form's error paths back to the list entries the officer filled.

    The payload leaves a list's empty entries out (`unflatten_return`), so the validator's
    `cohort_follow_up.cohorts.1.at_start` names the second *filled* cohort, which is not the
    form's cohort 1 when an entry before it was left empty.
    """
    filled: dict[str, set[int]] = {}
    for leaf in flat_leaves(version):
        slot = _SLOT.match(leaf.path)
        if slot and values.get(leaf.path):
            filled.setdefault(slot["list"], set()).add(int(slot["slot"]))
    moved = {}
    for path, messages in errors.items():
        slot = _SLOT.match(path)
        order = sorted(filled.get(slot["list"], ())) if slot else []
        if slot and int(slot["slot"]) < len(order):
            path = f"{slot['list']}.{order[int(slot['slot'])]}{slot['rest'] or ''}"
        moved[path] = messages
    return moved


def payload_from_form(form: dict[str, str], institution_code: str, schema_version: str) -> dict:
    """Read submitted form strings into a return payload, typed field by field."""
    flat: dict[str, object] = {
        "header.schema_version": schema_version,
        "header.institution_code": institution_code,
    }
    for leaf in flat_leaves(schema_version):
        if leaf.path in FIXED_HEADER:
            continue
        raw = form.get(leaf.path, "")
        if leaf.field.kind == "code list":
            raw = ";".join(form.getlist(leaf.path)) if hasattr(form, "getlist") else raw
        flat[leaf.path] = coerce_cell(leaf.field, raw)
    if not any(v not in (None, []) for k, v in flat.items() if k.startswith("outcomes.")):
        flat = {k: v for k, v in flat.items() if not k.startswith("outcomes.")}
    return unflatten_return(flat, schema_version)

