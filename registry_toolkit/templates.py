"""Empty templates of the input layout, and writing programme facts as TOML or CSV."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from registry_toolkit.facts import LOCAL_FACTS, required_keys
from registry_toolkit.layout import RECORD_FILES
from schemas.walk import return_leaves

PLACEHOLDERS = {"text": "", "code": "", "boolean": False, "code list": [], "count": 0,
                "number": 0, "date": date(2025, 1, 1)}
OPTIONAL_FACTS = {
    "capacity.training_sessions": "mentor training sessions held in the period",
    "capacity.training_hours": "their total length in hours (a one-day workshop: 6 to 8)",
    "matching.mentee_cap": "the most mentees one mentor may have; leave out if no cap",
    "evaluation.focus_groups_held": "focus group discussions held to evaluate the programme",
}
LOCAL_HINTS = {"period.starts_on": "first day of the reporting period",
               "period.ends_on": "last day of the reporting period"}
TOML_HEAD = (
    "# Programme facts: what the record files cannot say. Dates are YYYY-MM-DD.\n"
    "# Any other count of the return may be added under its section when the records\n"
    "# cannot give it (e.g. eligible_mentees under [capacity], or an [outcomes] section).\n"
)


def write_templates(directory: Path, facts_format: str = "toml") -> list[Path]:
    """Write an empty CSV per record file and a programme facts template; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in RECORD_FILES:
        path = directory / spec.csv_name
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow(spec.names)
        written.append(path)
    facts = template_facts()
    written.append(write_facts(directory, facts, facts_format, comments=fact_hints()))
    return written


def template_facts() -> dict[str, Any]:
    """Return every fact of the template with a placeholder value."""
    kinds = {leaf.path: leaf.field.kind for leaf in return_leaves()} | LOCAL_FACTS
    keys = [*required_keys(), *OPTIONAL_FACTS]
    facts = {key: PLACEHOLDERS[kinds[key]] for key in _ordered(keys)}
    facts["matching.mentee_cap"] = None
    return facts


def _ordered(keys: list[str]) -> list[str]:
    order = ["header", "period", "programme", "governance", "capacity", "matching", "evaluation"]
    return sorted(keys, key=lambda key: order.index(key.split(".", 1)[0]))


def fact_hints() -> dict[str, str]:
    """Return a short hint per fact: its allowed codes or what it means."""
    hints = dict(LOCAL_HINTS) | OPTIONAL_FACTS
    for leaf in return_leaves():
        choices = [row["code"] for row in leaf.field.code_choices()]
        example = getattr(leaf.field, "example", "")
        label = f"{leaf.field.label}, e.g. {example}" if example else leaf.field.label
        hints.setdefault(leaf.path, " | ".join(choices) if choices else label)
    return hints


def write_facts(directory: Path, facts: dict[str, Any], facts_format: str = "toml",
                comments: dict[str, str] | None = None) -> Path:
    """Write programme facts (dotted key -> value) as programme.toml or programme.csv."""
    if facts_format == "csv":
        path = directory / "programme.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["key", "value", "allowed"])
            for key, value in facts.items():
                writer.writerow([key, _csv_value(value), (comments or {}).get(key, "")])
        return path
    path = directory / "programme.toml"
    path.write_text(to_toml(facts, comments or {}), encoding="utf-8")
    return path


def to_toml(facts: dict[str, Any], comments: dict[str, str]) -> str:
    """Render dotted facts as TOML tables, with an optional comment per key."""
    tables: dict[str, list[str]] = {}
    for key, value in facts.items():
        table, name = key.rsplit(".", 1)
        line = f"{name} = {_toml_value(value)}" if value is not None else f"# {name} = 3"
        if key in comments:
            line = f"{line:<40} # {comments[key]}"
        tables.setdefault(table, []).append(line)
    body = "\n\n".join(f"[{table}]\n" + "\n".join(lines) for table, lines in tables.items())
    return f"{TOML_HEAD}\n{body}\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
