"""docker/gunicorn.conf.py: the serving settings production and the API bench run with."""

from __future__ import annotations

import gc
import http.client
import os
import runpy
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.production.processes import Service, base_env, wait_until
from tests.production.processes import http as http_request
from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "docker" / "gunicorn.conf.py"
WORKERS, THREADS = 3, 2


@pytest.fixture
def conf(monkeypatch) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_KEEPALIVE"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(CONF))


def test_workers_are_threaded_two_to_a_process_by_default(conf):
    assert (conf["worker_class"], conf["threads"]) == ("gthread", 2)


def test_one_worker_per_core_plus_one_by_default(conf):
    assert conf["workers"] == os.cpu_count() + 1


def test_a_booted_worker_freezes_what_the_app_loaded(conf):
    try:
        conf["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_worker_takes_no_more_connections_than_it_has_threads(conf):
    assert conf["worker_connections"] == conf["threads"]
    assert conf["keepalive"] == 0


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> str:
    """Real gunicorn with the production settings, over an app that names its worker."""
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    server = Service("gunicorn", ["gunicorn", "--config", str(CONF),
                                  "tests.docker.worker_pid_app:app"],
                     base_env(HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY=str(WORKERS),
                              GUNICORN_THREADS=str(THREADS)), log).start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: http_request("GET", f"{base}/")[0] == 200, 60, what="gunicorn")
        yield base
    finally:
        server.stop()


def _pids_over_one_connection(port: int, requests: int) -> list[str]:
    """Send requests over one persistent client connection, reconnecting when told to."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    pids = []
    for _ in range(requests):
        connection.request("GET", "/")
        response = connection.getresponse()
        pids.append(response.read().decode())
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
    connection.close()
    return pids


def test_each_response_closes_its_connection(served):
    connection = http.client.HTTPConnection(served.removeprefix("http://"), timeout=30)
    connection.request("GET", "/")
    response = connection.getresponse()
    response.read()
    assert response.getheader("Connection").lower() == "close"
    connection.close()


def test_concurrent_clients_are_spread_over_every_worker(served):
    """More persistent clients than there are threads: no worker serves more requests at
    once than it has threads, so every worker gets its share and none hoards clients."""
    port = int(served.rsplit(":", 1)[1])
    clients = WORKERS * THREADS * 2
    with ThreadPoolExecutor(clients) as pool:
        served_by = Counter(pid for pids in pool.map(
            lambda _: _pids_over_one_connection(port, 4), range(clients)) for pid in pids)
    assert len(served_by) == WORKERS
    assert max(served_by.values()) <= 2 * min(served_by.values()), served_by


def test_workers_are_forked_from_the_app_the_master_loaded(served):
    answers = [urllib.request.urlopen(f"{served}/", timeout=30) for _ in range(WORKERS * 2)]
    loaded_by = {answer.headers["X-Loaded-By"] for answer in answers}
    served_by = {answer.read().decode() for answer in answers}
    assert len(loaded_by) == 1 and not loaded_by & served_by, (loaded_by, served_by)
