"""Which return versions count for a period, and what a release reads of them.

A return counts through its latest version whose status has reached the acceptance level
(validated < approved < signed_off; a higher level satisfies a lower requirement). A newer
version still in review does not push an accepted one out; a return with no accepted
version is excluded, with the reason taken from its latest version's status.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import orjson
from sqlalchemy import Row, Text, cast, select
from sqlalchemy.orm import Session

from registry.indicators.aggregates import ExpectedUnit, InstitutionInfo, ReleaseInputs, ReturnUnit
from registry.models import (
    ACCEPTANCE_LEVELS,
    Institution,
    Period,
    Programme,
    Return,
    ReturnVersion,
)
from registry.services.errors import ValidationFailed
from registry.services.submission.compliance import expected_in

PAYLOAD_BATCH = 10_000
EXCLUSION_REASONS = {
    "submitted": "not_yet_checked",
    "needs_attention": "needs_attention",
    "rejected": "rejected",
    "returned": "returned_for_correction",
    "validated": "not_yet_approved",
    "approved": "not_yet_signed_off",
}


@dataclass(frozen=True)
class Selection:
    """The versions a period's release counts, and every return it leaves out (and why)."""

    counted: list[tuple[Row, int]]  # (return row, counted version id); see _period_returns
    excluded: list[dict]
    pending_newer: list[int]  # return ids whose newer version is not yet accepted


def check_acceptance_level(level: str) -> str:
    if level not in ACCEPTANCE_LEVELS:
        raise ValidationFailed(f"Unknown acceptance level {level!r}.",
                               {"acceptance_level": [f"one of {', '.join(ACCEPTANCE_LEVELS)}"]})
    return level


def reaches(status: str, level: str) -> bool:
    """Whether a version status has reached the acceptance level."""
    return status in ACCEPTANCE_LEVELS and (
        ACCEPTANCE_LEVELS.index(status) >= ACCEPTANCE_LEVELS.index(level))


def select_versions(session: Session, period: Period, level: str) -> Selection:
    """Pick the counted version of every return of the period, or say why it is excluded."""
    check_acceptance_level(level)
    returns = _period_returns(session, period)
    versions: dict[int, list[tuple[int, int, str]]] = {}
    for row in session.execute(select(ReturnVersion.return_id, ReturnVersion.version,
                                      ReturnVersion.id, ReturnVersion.status)
                               .join(Return, Return.id == ReturnVersion.return_id)
                               .where(Return.period_id == period.id)):
        versions.setdefault(row.return_id, []).append((row.version, row.id, row.status))
    counted, excluded, pending = [], [], []
    for return_id in sorted(versions):
        history = sorted(versions[return_id])
        accepted = [v for v in history if reaches(v[2], level)]
        if accepted:
            counted.append((returns[return_id], accepted[-1][1]))
            if accepted[-1] != history[-1]:
                pending.append(return_id)
        else:
            excluded.append(_exclusion(returns[return_id], history[-1], level))
    return Selection(counted, excluded, pending)


def _period_returns(session: Session, period: Period) -> dict[int, Row]:
    """return id → (id, institution_id, programme_id, level, institution_code, programme_code)."""
    return {row.id: row for row in session.execute(
        select(Return.id, Return.institution_id, Return.programme_id, Programme.level,
               Institution.code.label("institution_code"),
               Programme.code.label("programme_code"))
        .join(Programme, Programme.id == Return.programme_id)
        .join(Institution, Institution.id == Return.institution_id)
        .where(Return.period_id == period.id))}


def _exclusion(return_: Row, latest: tuple[int, int, str], level: str) -> dict:
    version, _id, status = latest
    return {"return_id": return_.id, "institution": return_.institution_code,
            "programme": return_.programme_code, "version": version, "status": status,
            "reason": EXCLUSION_REASONS.get(status, f"status_{status}_below_{level}")}


def institution_info(session: Session) -> list[InstitutionInfo]:
    """Every institution's id, code and strata attributes, by code."""
    return [InstitutionInfo(*row) for row in session.execute(
        select(Institution.id, Institution.code, Institution.type, Institution.sector,
               Institution.province_code).order_by(Institution.code))]


def release_inputs(session: Session, period: Period, level: str) -> tuple[ReleaseInputs,
                                                                          Selection]:
    """Everything the pure release computation needs for one period."""
    selection = select_versions(session, period, level)
    payloads = _payloads(session, [vid for _, vid in selection.counted])
    info = institution_info(session)
    units = [ReturnUnit(vid, r.institution_id, r.level, payloads[vid])
             for r, vid in sorted(selection.counted, key=lambda pair: pair[1])]
    expected = _expected_units(session, period, selection)
    return ReleaseInputs(period.code, info, units, expected), selection


def _payloads(session: Session, version_ids: list[int]) -> dict[int, dict]:
    """version id → payload, asked for in batches (SQLite caps the parameters of a query)."""
    found = {}
    for start in range(0, len(version_ids), PAYLOAD_BATCH):
        found.update((version_id, _parse(text)) for version_id, text in session.execute(
            select(ReturnVersion.id, cast(ReturnVersion.payload, Text)).where(
                ReturnVersion.id.in_(version_ids[start:start + PAYLOAD_BATCH]))))
    return found


def _parse(text: str) -> dict:
    """A stored payload, parsed by orjson (several times faster: a release reads every
    counted return); the standard parser takes what orjson refuses (NaN literals)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _expected_units(session, period, selection: Selection) -> list[ExpectedUnit]:
    """Every programme running in the period: does it have an accepted, on-time return?"""
    accepted = {r.programme_id for r, _ in selection.counted}
    first = dict(session.execute(
        select(Return.programme_id, ReturnVersion.received_at)
        .join(ReturnVersion, ReturnVersion.return_id == Return.id)
        .where(Return.period_id == period.id, ReturnVersion.version == 1)).all())
    programmes = session.execute(
        select(Programme.id, Programme.institution_id, Programme.level, Programme.code)
        .where(expected_in(period)))
    return [ExpectedUnit(p.institution_id, p.level, p.id in accepted,
                         p.id in first and first[p.id] <= period.due_at)
            for p in sorted(programmes, key=lambda p: (p.institution_id, p.code))]


def suite_version() -> str:
    """A fingerprint of the quality suites in force (SHA-256 of their files)."""
    try:
        from expectations.loader import FOLDER, SUITE_FILES
    except ImportError:
        return "none"
    digest = hashlib.sha256()
    for name in SUITE_FILES:
        path = FOLDER / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return f"sha256:{digest.hexdigest()[:16]}"

