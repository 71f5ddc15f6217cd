"""A readable summary of a compiled return: the figures it sends and what to look at."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema

from registry_toolkit.compiler import Compilation
from registry_toolkit.quality import ratio
from schemas.codes import NeedArea
from schemas.fields import Section
from schemas.paths import get_path
from schemas.walk import current_schema, return_leaves

INDICATORS = (
    ("Coverage (enrolled / eligible)", "capacity.enrolled_mentees", "capacity.eligible_mentees"),
    ("Trained mentors", "capacity.mentors_trained", "capacity.active_mentors"),
    ("Needs-survey response rate", "needs_assessment.responded", "needs_assessment.invited"),
    ("Mentee-survey response rate", "evaluation.mentee_survey.responded",
     "evaluation.mentee_survey.invited"),
    ("Mentor-survey response rate", "evaluation.mentor_survey.responded",
     "evaluation.mentor_survey.invited"),
    ("Confidentiality trust", "evaluation.mentee_confidentiality_trust",
     "evaluation.mentee_survey.responded"),
)


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
        "Indicators the registry will compute:",
        *_indicator_lines(payload),
    ]
    lines += _listed("Quality warnings the registry will raise (correct or be ready to "
                     "explain them):", compilation.warnings, "  ! ")
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
    lines = [_rate_line(label, payload, top, bottom) for label, top, bottom in INDICATORS]
    per_mentor = ratio(payload, "capacity.enrolled_mentees", "capacity.active_mentors")
    if per_mentor is not None:
        lines.append(f"  {'Mentees per active mentor':<40} {per_mentor:6.1f}")
    held = get_path(payload, "activity.meetings_held") or {}
    if all(isinstance(n, int) for n in held.values()):
        lines.append(_format_rate("Meeting completion (held / planned)", sum(held.values()),
                                  get_path(payload, "activity.meetings_planned")))
    for area in NeedArea:
        lines.append(_rate_line(f"Need named: {area.label}", payload,
                                f"needs_assessment.need_areas.{area}",
                                "needs_assessment.responded"))
    lines += [_satisfaction_line(payload, survey) for survey in ("mentee", "mentor")]
    return [line for line in lines if line]


def _rate_line(label: str, payload: dict, top: str, bottom: str) -> str:
    return _format_rate(label, get_path(payload, top), get_path(payload, bottom))


def _format_rate(label: str, top: object, bottom: object) -> str:
    if ratio({"top": top, "bottom": bottom}, "top", "bottom") is None:
        return ""
    return f"  {label:<40} {top / bottom:6.1%}  ({top} / {bottom})"


def _satisfaction_line(payload: dict, survey: str) -> str:
    points = get_path(payload, f"evaluation.{survey}_survey.satisfaction") or {}
    if not all(isinstance(n, int) for n in points.values()):
        return ""
    label = f"{survey.capitalize()} satisfaction (4-5 of rated)"
    return _format_rate(label, points["4"] + points["5"], sum(points.values()))
