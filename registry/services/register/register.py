"""Load the reference register: provinces, regulators, universities and colleges."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Institution, Province, Regulator, University
from registry.reference_data import (
    CITIES,
    COMPOSITION,
    INSTITUTION_TYPES,
    PROVINCE_UNIVERSITIES,
    PROVINCES,
    REGULATORS,
    SECTORS,
    UNIVERSITIES,
)
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.errors import ValidationFailed

REGISTER_COLUMNS = ("code", "name", "type", "sector", "province", "university")


@dataclass(frozen=True)
class RegisterRow:
    code: str
    name: str
    type: str
    sector: str
    province: str
    university: str
    synthetic: bool = False


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)


class RegisterFileError(ValidationFailed):
    """A register CSV with bad rows; `errors` lists each one by line."""

    def __init__(self, errors: list[dict]):
        lines = "; ".join(f"line {e['line']}: {e['message']}" for e in errors[:10])
        super().__init__(f"The register file has {len(errors)} bad row(s): {lines}")
        self.errors = errors
        self.fields = {"rows": errors}


def load_reference_data(session: Session) -> None:
    """Upsert provinces, regulators and universities (idempotent)."""
    for code, name in PROVINCES.items():
        session.merge(Province(code=code, name=name))
    for code, name in REGULATORS.items():
        session.merge(Regulator(code=code, name=name))
    session.flush()
    existing = {u.code: u for u in session.scalars(select(University))}
    for code, (name, province) in UNIVERSITIES.items():
        university = existing.get(code) or University(code=code)
        university.name, university.province_code = name, province
        session.add(university)
    session.flush()


def synthetic_register() -> list[RegisterRow]:
    """Generate 185 synthetic colleges with the national composition, deterministically."""
    rows: list[RegisterRow] = []
    for (type_, sector), by_province in COMPOSITION.items():
        for province, count in by_province.items():
            rows.extend(_synthetic_rows(type_, sector, province, count))
    return rows


def _synthetic_rows(type_: str, sector: str, province: str, count: int) -> list[RegisterRow]:
    cities, universities = CITIES[province], PROVINCE_UNIVERSITIES[province]
    kind = "Medical College" if type_ == "medical" else "College of Dentistry"
    sector_code = "PUB" if sector == "public" else "PVT"
    rows = []
    for n in range(1, count + 1):
        city = cities[(n - 1) % len(cities)]
        sector_word = "Government" if sector == "public" else "Private"
        rows.append(
            RegisterRow(
                code=f"{province}-{type_[:3].upper()}-{sector_code}-{n:03d}",
                name=f"{city} {sector_word} {kind} {n} (synthetic)",
                type=type_,
                sector=sector,
                province=province,
                university=universities[(n - 1) % len(universities)],
                synthetic=True,
            )
        )
    return rows


def parse_register_csv(text: str) -> list[RegisterRow]:
    """Parse a register CSV (columns: code,name,type,sector,province,university); report
    every bad row by its line number."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REGISTER_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        message = f"missing column(s): {', '.join(missing)}"
        raise RegisterFileError([{"line": 1, "message": message}])
    rows, errors, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        problems = _row_problems(raw, seen)
        if problems:
            errors.extend({"line": line, "message": p} for p in problems)
            continue
        seen.add(raw["code"].strip())
        rows.append(RegisterRow(**{c: raw[c].strip() for c in REGISTER_COLUMNS}))
    if errors:
        raise RegisterFileError(errors)
    return rows


def _row_problems(raw: dict, seen: set[str]) -> list[str]:
    if raw.get(None):
        return ["more fields than the header (is a value with a comma unquoted?)"]
    values = {c: (raw.get(c) or "").strip() for c in REGISTER_COLUMNS}
    problems = [f"{c} is empty" for c, v in values.items() if not v]
    if values["code"] in seen:
        problems.append(f"code {values['code']} appears twice")
    checks = [
        ("type", INSTITUTION_TYPES),
        ("sector", SECTORS),
        ("province", tuple(PROVINCES)),
        ("university", tuple(UNIVERSITIES)),
    ]
    for column, allowed in checks:
        if values[column] and values[column] not in allowed:
            problems.append(f"{column} '{values[column]}' is not one of {', '.join(allowed)}")
    return problems


def load_register(session: Session, rows: list[RegisterRow], actor: Actor) -> LoadSummary:
    """Insert or update colleges by code; running it twice leaves the same rows."""
    load_reference_data(session)
    universities = {u.code: u.id for u in session.scalars(select(University))}
    existing = {i.code: i for i in session.scalars(select(Institution))}
    summary = LoadSummary()
    for row in rows:
        wanted = {
            "name": row.name,
            "type": row.type,
            "sector": row.sector,
            "province_code": row.province,
            "university_id": universities[row.university],
            "synthetic": row.synthetic,
        }
        institution = existing.get(row.code)
        if institution is None:
            session.add(Institution(code=row.code, **wanted))
            summary.created += 1
        elif any(getattr(institution, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(institution, key, value)
            summary.updated += 1
        else:
            summary.unchanged += 1
    session.flush()
    record_event(
        session, actor, "register.load", "register", "institutions",
        detail={"created": summary.created, "updated": summary.updated,
                "unchanged": summary.unchanged},
    )
    return summary
