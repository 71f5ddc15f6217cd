"""A WSGI app for serving tests: answers, after a short pause, with its worker's pid
(and, in a header, the pid of the process that imported it)."""

from __future__ import annotations

import os
import time

PAUSE_SECONDS = 0.2
LOADED_BY = str(os.getpid())


def app(environ, start_response):
    time.sleep(PAUSE_SECONDS)  # long enough that a worker's threads are all busy at once
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body))), ("X-Loaded-By", LOADED_BY)])
    return [body]
