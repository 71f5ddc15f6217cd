"""The default views' charts, drawn once when releases are published and stored.

The front page, the regulator's national dashboard without filters (its province map of
each indicator too) and the explorer's first view draw charts of every published release
(a trend runs across all of them), so whenever a release is published the benchmarks
pipeline draws those views' charts in each enabled language, through the same functions
the pages call, and stores their SVG: a page's first request reads them. The pipeline's
own runs also draw the dashboard for every published choice of filters (about 45 views,
and the province maps within each college type); a publication asked for on a page or
through the API stores the default views only, to answer in seconds, and the filtered
views then draw on request into the memory cache.
Charts are keyed by what they draw (registry/services/releases/charts.py), so those of
earlier publications are simply no longer asked for; they are removed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import product

from flask_babel import force_locale
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from registry.db import begin_writing, utcnow
from registry.indicators.strata import DIMENSION_SETS, DIMENSIONS
from registry.models import StoredChart
from registry.services.accounts.actors import Actor
from registry.services.accounts.audit import record_event
from registry.services.releases import benchmarks, charts, dashboard
from registry.services.releases.series import published_releases
from schemas.indicators import CATALOGUE, HEADLINE


def draw_default_views(session: Session, actor: Actor, now: datetime) -> None:
    """Draw (or find) every chart of the default views, in the current language."""
    unfiltered = dict.fromkeys(dashboard.FILTERS)
    dashboard.national_picture(session)
    dashboard.national_dashboard(session, actor, unfiltered, now)
    for indicator in CATALOGUE:  # the dashboard's choice of indicator for its province map
        dashboard.province_map(session, indicator.code, unfiltered)
    releases = published_releases(session)
    if releases:
        view = benchmarks.explorer(session, releases[-1].period, HEADLINE[0], "national")
        charts.explorer_chart(session, view)


def published_filters() -> list[dict[str, str | None]]:
    """Every choice of the dashboard's filters that releases publish, but none: each
    dimension alone and the crossings of DIMENSION_SETS, with each of their values."""
    return [dict.fromkeys(dashboard.FILTERS) | dict(zip(dims, values, strict=True))
            for dims in DIMENSION_SETS if dims
            for values in product(*(DIMENSIONS[dimension] for dimension in dims))]


def draw_filtered_views(session: Session, actor: Actor, now: datetime) -> None:
    """Draw (or find) the dashboard's charts for every published choice of filters, in the
    current language; within a college type, its province map of every indicator too."""
    for filters in published_filters():
        dashboard.national_dashboard(session, actor, filters, now)
        if [dimension for dimension, value in filters.items() if value] == ["type"]:
            for indicator in CATALOGUE:
                dashboard.province_map(session, indicator.code, filters)


def prerender_charts(session: Session, actor: Actor, languages: Sequence[str],
                     now: datetime, *, filtered_views: bool = False) -> int:
    """Draw the default views' charts in each language, then store them (and drop stored
    charts no default view shows any more); returns how many were stored anew.

    The drawing only reads (a reader's transaction stays one); the storing begins writing.
    Needs an app context for the languages other than English (flask-babel's).
    """
    with charts.recording() as drawn:
        for code in languages:
            with force_locale(code):
                draw_default_views(session, actor, now)
                if filtered_views:
                    draw_filtered_views(session, actor, now)
    begin_writing(session)
    stored = set(session.scalars(select(StoredChart.key)))
    dropped = stored - set(drawn)
    session.execute(delete(StoredChart).where(StoredChart.key.in_(dropped)))
    new = [{"key": key, "language": language, "svg": svg, "rendered_at": utcnow(),
            "rendered_by": actor.label}
           for key, (language, svg) in drawn.items() if key not in stored]
    if new:
        session.execute(_insert_new(session).values(new))
    views = "default and filtered views" if filtered_views else "default views"
    record_event(session, actor, "charts.store", "stored_charts", views,
                 after=f"{len(new)} charts stored, {len(dropped)} dropped",
                 detail={"stored": len(new), "dropped": len(dropped), "kept": len(drawn)
                         - len(new), "languages": list(languages)})
    session.flush()
    return len(new)


def _insert_new(session: Session):
    """An insert that leaves a chart another run stored meanwhile as it is (same key, same
    chart)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(StoredChart).on_conflict_do_nothing(index_elements=["key"])


def stored_chart_count(session: Session) -> int:
    """How many charts are stored."""
    return session.scalar(select(func.count()).select_from(StoredChart))
