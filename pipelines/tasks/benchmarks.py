"""The registry_benchmarks and registry_publication tasks, as plain functions.

Nothing heavy at import. The task opens its own engine from DATABASE_URL, reads the release
settings from its environment, reads and computes before it writes (on SQLite the write
lock is held only while a result is stored), and can run twice safely: a release is keyed
by its pipeline run id, and a stored feedback report or chart is not rendered again.
Whenever releases are published, the charts of the default views (front page, national
dashboard, explorer) are drawn in each of the app's languages and stored, so the pages'
first requests read them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from registry.config import ReleaseSettings
    from registry.services.accounts.actors import Actor

BENCHMARKS_ACTOR = "pipeline:registry_benchmarks"
PUBLICATION_ACTOR = "pipeline:registry_publication"
REPORTS_PER_TRANSACTION = 10  # reports stored per write transaction (each a few 100 kB)


def database_url() -> str:
    """The registry database the tasks work on."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL is not set; the benchmark tasks need the registry "
                           "database URL the app uses.")
    return url


def build_release(conf: Mapping[str, Any] | None, run_id: str, *, as_of: datetime,
                  url: str | None = None) -> dict:
    """The DAG's task: build the releases the run's conf asks for, committing each one.

    The settings come from the task's environment (the variables the app reads).
    """
    from registry.config import ReleaseSettings
    from registry.db import begin_reading, make_engine
    from registry.services.accounts.actors import Actor
    from registry.services.register.periods import periods_with_returns

    conf = conf or {}
    actor, settings = Actor.system(BENCHMARKS_ACTOR), ReleaseSettings.from_config(os.environ)
    engine = make_engine(url or database_url())
    built: list[dict] = []
    try:
        with Session(engine) as session:
            begin_reading(session)
            codes = [conf["period"]] if conf.get("period") else periods_with_returns(session)
            for code in codes:
                # read and compute as a reader (no write lock on SQLite), then store the
                # release (and its publication) in a short write transaction of its own
                begin_reading(session)
                built += build_releases(session, actor, settings, {**conf, "period": code},
                                        run_id, as_of=as_of)["releases"]
                session.commit()
            if conf.get("publish"):  # once, after every period's release is published
                store_charts(session, actor, as_of=as_of)
    finally:
        engine.dispose()
    return {"releases": built}


def build_releases(session: Session, actor: Actor, settings: ReleaseSettings,
                   conf: Mapping[str, Any] | None, run_id: str, *, as_of: datetime,
                   languages: Sequence[str] = ()) -> dict:
    """Build the next release of each period asked for (every period with returns by default).

    Provisional or final is decided by `as_of`, the run's date (a final release once the
    revision window after the first provisional has passed), never by the wall clock, so a
    run re-run later decides as it did. Each release is keyed by the run id and its period:
    the same run asked twice gives the release it gave the first time. When it publishes,
    the default views' charts are drawn in `languages` and stored (in an app context; the
    task passes none and draws them once after all periods). No commit here: the task
    commits, or the web request that ran it in-process.
    """
    from registry.services.register.periods import get_period, periods_with_returns
    from registry.services.releases.releases import (
        build_release,
        period_run_id,
        publish_release,
    )
    from registry.services.releases.stored_charts import prerender_charts as draw_charts

    conf = conf or {}
    codes = [conf["period"]] if conf.get("period") else periods_with_returns(session)
    built = []
    for code in codes:
        release = build_release(session, actor, get_period(session, code), settings,
                                run_id=period_run_id(run_id, code), kind=conf.get("kind"),
                                now=as_of)
        if conf.get("publish") and release.publication is None:
            publish_release(session, actor, release)
        built.append({"period": code, "release_id": release.id, "number": release.number,
                      "kind": release.kind, "checksum_sha256": release.checksum_sha256})
    if conf.get("publish") and languages:
        draw_charts(session, actor, languages, as_of)
    return {"releases": built}


def publish_due_releases(conf: Mapping[str, Any] | None, run_after: datetime,
                         url: str | None = None) -> dict:
    """Publish the releases whose confirmed publication time has come by the run's moment
    (conf "now", an ISO time, stands in for it); a re-run publishes nothing twice."""
    from registry.db import make_engine
    from registry.services.accounts.actors import Actor
    from registry.services.releases.publication import publish_due

    conf = conf or {}
    now = datetime.fromisoformat(conf["now"]) if conf.get("now") else run_after
    engine = make_engine(url or database_url())
    try:
        with Session(engine) as session:
            published = publish_due(session, Actor.system(PUBLICATION_ACTOR), now)
            numbers = [release.number for release in published]
            session.commit()
            if numbers:
                store_charts(session, Actor.system(PUBLICATION_ACTOR), as_of=now)
    finally:
        engine.dispose()
    return {"published": numbers, "as_of": now.isoformat()}


def store_charts(session: Session, actor: Actor, *, as_of: datetime) -> int:
    """Draw the charts of the default views and of the dashboard's filtered views in each of
    the app's languages as a reader, then store them in a short write transaction; returns
    how many were stored anew."""
    from registry.db import begin_reading
    from registry.services.releases.stored_charts import prerender_charts as draw_charts

    with app_languages() as languages:
        begin_reading(session)
        stored = draw_charts(session, actor, languages, as_of, filtered_views=True)
        session.commit()
    return stored


@contextmanager
def app_languages() -> Iterator[tuple[str, ...]]:
    """The app's languages, inside an app context that translates into them: the running
    app's (the CLI runs the DAG in one), else one of the languages the task's environment
    enables (LANGUAGES, as the app reads it), so the charts read as the pages do."""
    from flask import current_app, has_app_context

    if has_app_context():
        yield current_app.config["LANGUAGES"]
        return
    from registry.config import languages_from
    from registry.translation import translating_app

    with translating_app(languages_from(os.environ)).app_context():
        yield languages_from(os.environ)


def render_feedback_reports(built: Mapping[str, Any], *, as_of: datetime,
                            colleges: Sequence[str] | None = None,
                            url: str | None = None) -> dict:
    """Render and store every college's Data Feedback Report of each release just built (or
    only the colleges whose codes the run's conf lists as "report_colleges"), so a download
    is a read; a retried run renders only what is not stored yet. A college left out gets
    its report rendered on request, by the same function."""
    from registry.db import begin_reading, make_engine
    from registry.services.accounts.actors import Actor
    from registry.services.register.institutions import get_institution
    from registry.services.releases.feedback_report import prerender_reports
    from registry.services.releases.releases import get_release

    actor = Actor.system(BENCHMARKS_ACTOR)
    engine = make_engine(url or database_url())
    try:
        with Session(engine) as session:
            begin_reading(session)
            chosen = (None if colleges is None
                      else [get_institution(session, code).id for code in colleges])
            rendered = []
            for entry in built.get("releases", []):
                reports, added = 0, REPORTS_PER_TRANSACTION
                while added == REPORTS_PER_TRANSACTION:
                    # render a few as a reader (no write lock on SQLite), store them, commit
                    begin_reading(session)
                    release = get_release(session, actor, entry["release_id"])
                    added = prerender_reports(session, actor, release, now=as_of,
                                              institution_ids=chosen,
                                              limit=REPORTS_PER_TRANSACTION)
                    session.commit()
                    reports += added
                rendered.append({"release_id": entry["release_id"],
                                 "number": entry["number"],
                                 "reports": reports})
    finally:
        engine.dispose()
    return {"feedback_reports": rendered}

