"""Hand new submissions to the quality pipeline once their transaction has committed.

`notify_submitted` only notes the period on the session; when the session's outermost
transaction commits, the periods go to the dispatcher the app put on the session
(`registry.pipeline_runs.init_app`). A rolled-back transaction dispatches nothing, and a
session without a dispatcher (a script, a pipeline task) dispatches nothing either. This
module knows no pipeline: services never import one.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

DISPATCH_KEY = "registry.pipeline.dispatch"
PENDING_KEY = "registry.pipeline.periods"


def notify_submitted(session: Session, period_code: str) -> None:
    """Ask for a quality run of the period once the session's transaction commits."""
    if DISPATCH_KEY not in session.info:
        return
    pending = session.info.get(PENDING_KEY)
    if pending is None:
        pending = session.info[PENDING_KEY] = set()
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_soft_rollback)
    pending.add(period_code)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released; the outer transaction may still roll back
    pending = session.info[PENDING_KEY]
    periods = sorted(pending)
    pending.clear()
    if periods:
        session.info[DISPATCH_KEY](periods)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info[PENDING_KEY].clear()
