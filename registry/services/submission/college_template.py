"""The college's own templates: XLSX and CSV pre-filled with its programmes and last period.

One row per programme, holding every field: the college's code and the period are filled
in, and so are last period's values (or, for a programme without one, its directory
entry), ready to be corrected and uploaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from registry.models import Institution, Period, Programme
from registry.services.accounts.actors import Actor
from registry.services.errors import PermissionDenied
from registry.services.quality.return_findings import last_period_payload
from registry.services.register.periods import get_period, newest_accepted
from registry.services.register.programmes import programmes_of
from schemas import flatten_return
from schemas.tabular.template import build_one_sheet_template
from schemas.tabular.write import dump_flat_rows_to_csv


@dataclass(frozen=True)
class CollegeTemplate:
    """What goes into a college's template for one period."""

    institution: Institution
    period: Period
    previous_period: str | None
    rows: list[dict[str, object]]
    version: str = "1.0"
    """The standard version of the template: the newest the period accepts."""


def college_template(session: Session, actor: Actor, period_code: str) -> CollegeTemplate:
    """Gather the college's programmes, pre-filled with last period's values, for a period."""
    if actor.institution_id is None:
        raise PermissionDenied("Only a college's own users download its template.")
    institution = session.get(Institution, actor.institution_id)
    period = get_period(session, period_code)
    version = newest_accepted(period)
    previous, rows = None, []
    for programme in programmes_of(session, institution.id):
        previous, payload = last_period_payload(session, actor, period.code, programme.code)
        rows.append(_row(institution, period, programme, payload, version))
    return CollegeTemplate(institution, period, previous, rows, version)


def _row(institution: Institution, period: Period, programme: Programme,
         payload: dict | None, version: str) -> dict[str, object]:
    """One programme's row: last period's return, else its directory entry; this period's codes."""
    flat = flatten_return(payload) if payload else {
        "programme.name": programme.name, "programme.level": programme.level,
        "programme.model": programme.model,
        "programme.disciplines": ";".join(programme.disciplines or []),
        "programme.start_date": programme.start_date.isoformat() if programme.start_date else None,
    }
    return {**flat, "header.schema_version": version,
            "header.institution_code": institution.code, "header.period_code": period.code,
            "header.programme_code": programme.code}


def college_xlsx(template: CollegeTemplate) -> bytes:
    """The XLSX template: instructions, then a row per programme."""
    title = (f"Returns of {template.institution.name} ({template.institution.code}) "
             f"for period {template.period.code} - data standard v{template.version}")
    return build_one_sheet_template(template.rows, title, _notes(template), template.version)


def college_csv(template: CollegeTemplate) -> bytes:
    """The CSV template: field paths, labels, then a row per programme."""
    return dump_flat_rows_to_csv(template.rows, template.version)


def _notes(template: CollegeTemplate) -> tuple[str, ...]:
    source = (f"Each programme's row holds its values from {template.previous_period}: "
              "change what is different this period." if template.previous_period
              else "There is no earlier period: fill in each programme's values.")
    return (f"Pre-filled for {template.institution.name}: {len(template.rows)} programme(s) "
            "from your programme directory.", source)
