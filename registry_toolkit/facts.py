"""Programme-level facts the records cannot give: programme.toml (or programme.csv)."""

from __future__ import annotations

import csv
import difflib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from registry_toolkit.privacy import identifier_kind
from registry_toolkit.problems import ProblemLog
from registry_toolkit.sources import LocalFileError
from registry_toolkit.values import YES_NO
from schemas.codes import MISSING_CODES
from schemas.flat import split_codes
from schemas.walk import return_leaves

FACTS_NAMES = ("programme.toml", "programme.csv")
# Facts that are not fields of the return: the period's dates and the mentee cap.
LOCAL_FACTS = {"period.starts_on": "date", "period.ends_on": "date", "matching.mentee_cap": "count"}
REQUIRED_SECTIONS = ("header", "programme", "governance")
REQUIRED_FACTS = ("period.starts_on", "period.ends_on", "evaluation.barriers")


@dataclass(frozen=True)
class Facts:
    """The checked programme facts: dotted key -> value, and the file they came from."""

    values: dict[str, Any]
    source: str
    starts_on: date
    ends_on: date

    def get(self, key: str, default: Any = None) -> Any:
        """Return the fact at a dotted key, or default."""
        return self.values.get(key, default)


def fact_kinds() -> dict[str, str]:
    """Return every key programme facts may give, with its kind."""
    kinds = {leaf.path: leaf.field.kind for leaf in return_leaves()}
    kinds.pop("header.schema_version")
    return {**kinds, **LOCAL_FACTS}


def required_keys() -> list[str]:
    """Return the keys programme facts must give."""
    kinds = fact_kinds()
    sectioned = [key for key in kinds if key.split(".", 1)[0] in REQUIRED_SECTIONS]
    return [*sectioned, *REQUIRED_FACTS]


def find_facts_file(directory: Path) -> Path:
    """Return programme.toml or programme.csv in directory (exactly one must exist)."""
    found = [directory / name for name in FACTS_NAMES if (directory / name).is_file()]
    if not found:
        raise LocalFileError(f"{directory}: no programme.toml (or programme.csv) with the "
                             "programme facts; `registry-toolkit templates DIR` writes one")
    if len(found) > 1:
        raise LocalFileError("both programme.toml and programme.csv are present; keep one")
    return found[0]


def load_facts(path: Path, log: ProblemLog) -> Facts | None:
    """Read and check the programme facts; problems go to log."""
    raw = _read_toml(path, log) if path.suffix == ".toml" else _read_csv(path, log)
    checked = _check(raw, path.name, log)
    if log.total(path.name):
        return None
    starts, ends = period_dates(checked)
    if starts > ends:
        log.add(path.name, None, "period.ends_on", "the period ends before it starts")
        return None
    return Facts(checked, path.name, starts, ends)


def _read_toml(path: Path, log: ProblemLog) -> dict[str, tuple[int | None, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as error:
        log.add(path.name, None, None, f"not valid TOML: {error}")
        return {}
    flat: dict[str, tuple[int | None, Any]] = {}
    _flatten(data, "", flat)
    return flat


def _flatten(data: dict, prefix: str, flat: dict[str, tuple[int | None, Any]]) -> None:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(value, path, flat)
        else:
            flat[path] = (None, value)


def _read_csv(path: Path, log: ProblemLog) -> dict[str, tuple[int | None, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows or [cell.strip().lower() for cell in rows[0][:2]] != ["key", "value"]:
        log.add(path.name, 1, None, "the header row must be: key,value")
        return {}
    flat: dict[str, tuple[int | None, Any]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if row and row[0].strip() and not row[0].startswith("#"):
            flat[row[0].strip()] = (number, row[1].strip() if len(row) > 1 else "")
    return flat


def _check(raw: dict[str, tuple[int | None, Any]], label: str, log: ProblemLog) -> dict[str, Any]:
    kinds = fact_kinds()
    checked: dict[str, Any] = {}
    raw = {key: (row, _empty_list(kinds.get(key), value)) for key, (row, value) in raw.items()}
    for key, (row, value) in raw.items():
        problem = _unknown(key, kinds) or _privacy(value)
        if problem is None and not _blank(value):
            converted, problem = _convert(kinds[key], value)
            checked[key] = converted
        if problem:
            log.add(label, row, key, problem)
    given = {key for key, (_, value) in raw.items() if not _blank(value)}
    for key in required_keys():
        if key not in given:
            log.add(label, None, key, "missing: this programme fact is required")
    return checked


def _empty_list(kind: str | None, value: Any) -> Any:
    """A blank code list (e.g. no barriers in programme.csv) is an empty list."""
    return [] if kind == "code list" and _blank(value) else value


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _unknown(key: str, kinds: dict[str, str]) -> str | None:
    if key in kinds:
        return None
    close = difflib.get_close_matches(key, kinds, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "; see README.md for the keys"
    return f"unknown key{hint}"


def _privacy(value: Any) -> str | None:
    texts = value if isinstance(value, list) else [value]
    for text in texts:
        kind = isinstance(text, str) and identifier_kind(text)
        if kind:
            return f"holds {kind}; programme facts must not identify people"
    return None


def _convert(kind: str, value: Any) -> tuple[Any, str | None]:
    try:
        return CONVERTERS[kind](value), None
    except (TypeError, ValueError) as error:
        return None, str(error)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in YES_NO:
        return YES_NO[value.strip().lower()]
    raise ValueError(f"{value!r} is not yes/no (true/false)")


def _count(value: Any) -> int | str:
    number = _number(value)
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(f"{value!r} is not a whole number of 0 or more")
    return number if isinstance(number, str) else int(number)


def _number(value: Any) -> float | int | str:
    if isinstance(value, str) and value.strip() in MISSING_CODES:
        return value.strip()
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{value!r} is not a number of 0 or more (or {' / '.join(MISSING_CODES)})")
    return value


def _iso_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return _date(value).isoformat()


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD") from None


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        return split_codes(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value]
    raise ValueError(f"{value!r} is not a list of codes")


def _text(value: Any) -> str:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip()
    raise ValueError(f"{value!r} is not text")


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "boolean": _boolean,
    "count": _count,
    "number": _number,
    "code": _text,
    "code list": _codes,
    "text": _text,
    "date": _iso_date,
}


def period_dates(checked: dict[str, Any]) -> tuple[date, date]:
    """Return the period's first and last day from checked facts."""
    return _date(checked["period.starts_on"]), _date(checked["period.ends_on"])
