"""The registry_reminders task: plan and send the reminders due at the run's moment.

The moment comes from the run (its `run_after`, or conf {"now": ISO time} to replay a
day), never from the wall clock inside the logic, so a re-run of the same day plans the
same events and sends nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pipelines.tasks.quality import database_url


def send_reminders(conf: Mapping[str, Any] | None, run_after: datetime) -> dict[str, Any]:
    """Run the reminders for the run's moment, committing at each delivery checkpoint."""
    from registry.db import make_engine
    from registry.services.mailer import SmtpSettings
    from registry.services.submission.reminders import run_reminders

    conf = conf or {}
    moment = datetime.fromisoformat(conf["now"]) if conf.get("now") else run_after
    engine = make_engine(database_url())
    try:
        with Session(engine) as session:
            result = run_reminders(session, moment, SmtpSettings.from_env(),
                                   checkpoint=session.commit)
    finally:
        engine.dispose()
    return {"now": moment.isoformat(), **asdict(result)}
