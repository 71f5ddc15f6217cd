"""A return's data as a reviewer reads it: this version against the one before and last period."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Return, ReturnVersion
from registry.services.accounts.actors import Actor
from registry.services.labels import field_labels
from registry.services.quality.quality_checks import previous_period
from registry.services.submission.returns import get_version, latest_version
from schemas import flatten_return

HIDDEN_FIELDS = ("header.schema_version", "header.institution_code")


@dataclass(frozen=True)
class FieldRow:
    """One field of the return: this version's value beside the earlier ones."""

    path: str
    section: str
    label: str
    value: object
    previous: object
    last_period: object

    @property
    def changed(self) -> bool:
        """Whether the value differs from the version before this one."""
        return self.previous is not _ABSENT and self.previous != self.value

    @property
    def moved(self) -> bool:
        """Whether the value differs from last period's return of the programme."""
        return self.last_period is not _ABSENT and self.last_period != self.value


@dataclass(frozen=True)
class ReturnComparison:
    version: ReturnVersion
    previous: ReturnVersion | None
    last_period: ReturnVersion | None
    rows: list[FieldRow]

    @property
    def changed_count(self) -> int:
        return sum(row.changed for row in self.rows)

    @property
    def sections(self) -> list[tuple[str, list[FieldRow]]]:
        """The rows grouped by section, in the standard's order."""
        grouped: dict[str, list[FieldRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.section, []).append(row)
        return list(grouped.items())


class _Absent:
    """No earlier version or return to compare with (distinct from a null value)."""

    def __repr__(self) -> str:
        return "–"


_ABSENT = _Absent()


def compare_return(session: Session, actor: Actor, return_id: int, number: int
                   ) -> ReturnComparison:
    """A version's fields beside the version before it and last period's latest version."""
    version = get_version(session, actor, return_id, number)
    previous = session.scalar(select(ReturnVersion).where(
        ReturnVersion.return_id == return_id, ReturnVersion.version == number - 1))
    last = last_period_version(session, version.return_)
    now, before = flatten_return(version.payload), _flat(previous)
    earlier = _flat(last)
    rows = [FieldRow(path, meta.section, meta.label, now.get(path),
                     before.get(path) if previous else _ABSENT,
                     earlier.get(path) if last else _ABSENT)
            for path, meta in field_labels().items() if path not in HIDDEN_FIELDS]
    return ReturnComparison(version, previous, last, rows)


def _flat(version: ReturnVersion | None) -> dict[str, object]:
    return flatten_return(version.payload) if version is not None else {}


def last_period_version(session: Session, return_: Return) -> ReturnVersion | None:
    """The latest version of the same programme's return for the period before."""
    period = previous_period(session, return_.period)
    if period is None:
        return None
    earlier = session.scalar(select(Return).where(
        Return.programme_id == return_.programme_id, Return.period_id == period.id))
    return latest_version(session, earlier) if earlier is not None else None
