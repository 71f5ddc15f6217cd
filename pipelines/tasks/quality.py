"""The registry_quality task: check the quality of pending returns, period by period.

Importing this module does nothing heavy: no database, no Great Expectations; the
task opens its own engine from DATABASE_URL (the variable the app reads) and commits
once, at the task boundary. Running it twice on the same data changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

PIPELINE_ACTOR_LABEL = "pipeline:registry_quality"


def database_url() -> str:
    """The registry database the task works on."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL is not set; the quality task needs the registry "
                           "database URL the app uses.")
    return url


def check_quality(conf: Mapping[str, Any] | None) -> dict[str, Any]:
    """Run the checks a DAG run's conf asks for: {"period": code, "recheck": bool}, optional."""
    conf = conf or {}
    return run_quality_checks(database_url(), conf.get("period"),
                              recheck=bool(conf.get("recheck", False)))


def run_quality_checks(url: str, period: str | None = None, *,
                       recheck: bool = False) -> dict[str, Any]:
    """Check one period, or every period with pending returns, and commit once.

    Everything is read and validated first in a reader's transaction (no write lock on
    SQLite), then every period's results are stored in one short write transaction: a run
    stores all of its results or none.
    """
    from registry.db import begin_reading, begin_writing, make_engine
    from registry.services.accounts.actors import Actor
    from registry.services.quality.quality_checks import (
        import_great_expectations,
        prepare_check,
        store_check,
    )
    from registry.services.register.periods import periods_awaiting_checks

    import_great_expectations()
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            begin_reading(session)
            codes = [period] if period else periods_awaiting_checks(session)
            checks = [prepare_check(session, code, recheck=recheck) for code in codes]
            begin_writing(session)
            actor = Actor.system(PIPELINE_ACTOR_LABEL)
            summaries = [store_check(session, actor, check) for check in checks]
            session.commit()
    finally:
        engine.dispose()
    return {"periods": [asdict(summary) for summary in summaries]}

