"""The registry_indicators and registry_benchmarks tasks, as plain functions.

Nothing heavy at import. Each task opens its own engine from DATABASE_URL, commits once at
its end, and can run twice safely: indicator values are computed only for versions that
lack them, and a release is keyed by its pipeline run id.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

INDICATORS_ACTOR = "pipeline:registry_indicators"
BENCHMARKS_ACTOR = "pipeline:registry_benchmarks"


def database_url() -> str:
    """The registry database the tasks work on."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL is not set; the benchmark tasks need the registry "
                           "database URL the app uses.")
    return url


def compute_indicators(conf: Mapping[str, Any] | None = None, url: str | None = None) -> dict:
    """Store indicator values of every return version that lacks them (optionally one period)."""
    from registry.db import make_engine
    from registry.models import Period, Return, ReturnVersion
    from registry.services.actors import Actor
    from registry.services.indicators import compute_version_values

    conf = conf or {}
    engine = make_engine(url or database_url())
    try:
        with Session(engine) as session:
            ids = None
            if conf.get("period"):
                ids = list(session.scalars(
                    select(ReturnVersion.id).join(Return).join(Period)
                    .where(Period.code == conf["period"])))
            count = compute_version_values(session, Actor.system(INDICATORS_ACTOR), ids)
            session.commit()
    finally:
        engine.dispose()
    return {"versions_computed": count, "period": conf.get("period")}


def build_release(conf: Mapping[str, Any] | None, run_id: str, *, as_of: datetime,
                  url: str | None = None) -> dict:
    """Build the next release of each period asked for (every period with returns by default).

    Provisional or final is decided by `as_of`, the run's date (a final release once the
    revision window after the first provisional has passed), never by the wall clock, so a
    run re-run later decides as it did.
    """
    from registry.db import make_engine
    from registry.models import Period, Return
    from registry.services.actors import Actor
    from registry.services.periods import get_period
    from registry.services.releases import ReleaseSettings, build_release, publish_release

    conf = conf or {}
    settings = ReleaseSettings.from_config({**os.environ, **_settings_overrides(conf)})
    actor = Actor.system(BENCHMARKS_ACTOR)
    engine = make_engine(url or database_url())
    try:
        with Session(engine) as session:
            codes = [conf["period"]] if conf.get("period") else list(session.scalars(
                select(Period.code).join(Return).group_by(Period.code, Period.starts_on)
                .order_by(Period.starts_on)))
            built = []
            for code in codes:
                release = build_release(session, actor, get_period(session, code), settings,
                                        run_id=f"{run_id}:{code}", kind=conf.get("kind"),
                                        now=as_of)
                if conf.get("publish") and release.publication is None:
                    publish_release(session, actor, release)
                built.append({"period": code, "release_id": release.id,
                              "number": release.number, "kind": release.kind,
                              "checksum_sha256": release.checksum_sha256})
            session.commit()
    finally:
        engine.dispose()
    return {"releases": built}


def render_feedback_reports(built: Mapping[str, Any], *, as_of: datetime,
                            url: str | None = None) -> dict:
    """Render and store every college's Data Feedback Report of each release just built, so a
    download is a read; a retried run renders only what is not stored yet."""
    from registry.db import make_engine
    from registry.models import Release
    from registry.services.actors import Actor
    from registry.services.feedback_report import prerender_reports

    actor = Actor.system(BENCHMARKS_ACTOR)
    engine = make_engine(url or database_url())
    try:
        with Session(engine) as session:
            rendered = []
            for entry in built.get("releases", []):
                release = session.get(Release, entry["release_id"])
                rendered.append({"release_id": release.id, "number": release.number,
                                 "reports": prerender_reports(session, actor, release,
                                                              now=as_of)})
            session.commit()
    finally:
        engine.dispose()
    return {"feedback_reports": rendered}


def _settings_overrides(conf: Mapping[str, Any]) -> dict:
    names = ("RELEASE_ACCEPTANCE_LEVEL", "SUPPRESSION_MIN_INSTITUTIONS", "MIN_PEOPLE_FOR_RATE",
             "REVISION_WINDOW_DAYS")
    return {name: conf[name.lower()] for name in names if name.lower() in conf}
