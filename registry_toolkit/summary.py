"""A readable summary of a compiled return: the figures it sends and what to look at."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema

from registry_toolkit.compiler import Compilation
from registry_toolkit.quality import describe
from schemas.fields import Section
from schemas.indicator_values import NOT_APPLICABLE_LEVEL, NOT_REPORTED, indicator_value
from schemas.indicators import CATALOGUE, Indicator
from schemas.paths import get_path
from schemas.walk import current_schema, return_leaves


@cache
def section_labels() -> dict[str, str]:
    """Return the label of every section and sub-section by dotted path."""
    labels: dict[str, str] = {}
    _walk(current_schema(), "", labels)
    return labels


def _walk(schema: Schema, prefix: str, labels: dict[str, str]) -> None:
    for name, field in schema.fields.items():
        if isinstance(field, Section):
            path = f"{prefix}{name}"
            labels[path] = field.label
            _walk(field.schema, f"{path}.", labels)


def render(compilation: Compilation) -> str:
    """Return the whole summary as text."""
    payload = compilation.payload
    header = payload["header"]
    lines = [
        f"Return {header['schema_version']} for {header['institution_code']}, programme "
        f"{header['programme_code']}, period {header['period_code']}",
        "Read: " + ", ".join(f"{name} ({rows} rows)" for name, rows in compilation.files.items()),
        "",
        "Figures to send (counts only; nothing about any single person):",
        *_figure_lines(compilation),
        "",
        "Indicators the registry will compute (from this return alone):",
        *_indicator_lines(payload),
    ]
    lines += _listed("The registry's within-return quality rules this return breaks (correct "
                     "the figures or be ready to explain them; the registry also compares "
                     "the return with your previous one and with every college's):",
                     [describe(finding) for finding in compilation.findings], "  ! ")
    lines += _listed("Your files disagree (check them before sending):", compilation.warnings,
                     "  ! ")
    lines += _listed("Notes:", compilation.notes, "  - ")
    return "\n".join(lines)


def _listed(title: str, items: list[str], bullet: str) -> list[str]:
    if not items:
        return []
    return ["", title, *(bullet + item for item in items)]


def _figure_lines(compilation: Compilation) -> list[str]:
    labels = section_labels()
    lines: list[str] = []
    current = None
    for leaf in return_leaves():
        value = get_path(compilation.payload, leaf.path)
        if value is None and leaf.path not in compilation.sources:
            continue
        section = leaf.path.split(".", 1)[0]
        if section != current:
            current = section
            lines.append(f"  {labels[section]}")
        parent = leaf.path.rsplit(".", 1)[0]
        label = _label(leaf.field.label, labels[parent] if parent != section else "")
        lines.append(f"    {label:<58} {_shown(value):>14}   "
                     f"{compilation.sources.get(leaf.path, '')}")
    return lines


def _label(label: str, parent: str) -> str:
    """Prefix a figure's label with its sub-section's, unless that would repeat it."""
    if not parent or label.split()[0] == parent.split()[0]:
        return label
    return f"{parent}: {label}"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return str(value)


def _indicator_lines(payload: dict) -> list[str]:
    """The catalogue's indicators of the return, computed as the registry computes them.

    An indicator the return leaves out (not reported, or not for its level) is not shown;
    one withheld or with a reason code is shown with the reason.
    """
    lines = []
    for indicator in CATALOGUE:
        if indicator.source != "return":
            continue
        found = indicator_value(indicator, payload)
        if found.missing_reason in (NOT_APPLICABLE_LEVEL, NOT_REPORTED):
            continue
        lines.append(f"  {indicator.name:<48} {_shown_value(indicator, found)}")
    return lines


def _shown_value(indicator: Indicator, found) -> str:
    if found.missing_reason is not None:
        return f"     —  ({found.missing_reason.replace('_', ' ')})"
    if found.value is None:
        return f"     —  ({found.numerator:g} / 0)"
    shown = f"{found.value:6.1%}" if indicator.kind == "proportion" else f"{found.value:6.2f}"
    return f"{shown}  ({found.numerator:g} / {found.denominator:g})"
