"""Reading institutions' stored figures out of a release (see registry/indicators/figures.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.indicators.figures import InstitutionResult, decode, decode_rows
from registry.models import InstitutionFigures


def institution_results(session: Session, release_id: int, institution_id: int,
                        indicators: Iterable[str] | None = None) -> list[InstitutionResult]:
    """One institution's results in a release, in catalogue order (none if it has none)."""
    document = session.scalar(select(InstitutionFigures.figures).where(
        InstitutionFigures.release_id == release_id,
        InstitutionFigures.institution_id == institution_id))
    return [] if document is None else decode(release_id, institution_id, document, indicators)


def results_of_institutions(session: Session, release_id: int, institution_ids: Iterable[int],
                            indicators: Iterable[str] | None = None) -> list[InstitutionResult]:
    """The results of several institutions in a release, institution by institution."""
    wanted = None if indicators is None else list(indicators)
    found = []
    for institution_id, document in session.execute(
            select(InstitutionFigures.institution_id, InstitutionFigures.figures).where(
                InstitutionFigures.release_id == release_id,
                InstitutionFigures.institution_id.in_(list(institution_ids)))
            .order_by(InstitutionFigures.institution_id)):
        found.extend(decode(release_id, institution_id, document, wanted))
    return found


def results_across_releases(session: Session, release_ids: Iterable[int], institution_id: int,
                            indicator: str) -> dict[int, InstitutionResult]:
    """release id → the institution's result for one indicator, where it has one."""
    found = {}
    for release_id, document in session.execute(
            select(InstitutionFigures.release_id, InstitutionFigures.figures).where(
                InstitutionFigures.release_id.in_(list(release_ids)),
                InstitutionFigures.institution_id == institution_id)):
        for result in decode(release_id, institution_id, document, [indicator]):
            found[release_id] = result
    return found


def release_rows(session: Session, release_id: int) -> Iterator[dict]:
    """Every institution's rows in a release, as the computation made them."""
    for institution_id, document in session.execute(
            select(InstitutionFigures.institution_id, InstitutionFigures.figures)
            .where(InstitutionFigures.release_id == release_id)
            .order_by(InstitutionFigures.institution_id)):
        yield from decode_rows(institution_id, document)
