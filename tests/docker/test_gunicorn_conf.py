"""docker/gunicorn.conf.py: the serving settings production and the API bench run with."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "docker" / "gunicorn.conf.py"


@pytest.fixture
def conf(monkeypatch) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(CONF))


def test_workers_are_threaded_two_to_a_process_by_default(conf):
    assert (conf["worker_class"], conf["threads"]) == ("gthread", 2)
    assert conf["workers"] >= 3


def test_a_booted_worker_freezes_what_the_app_loaded(conf):
    try:
        conf["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
