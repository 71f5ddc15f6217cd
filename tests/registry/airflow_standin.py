"""A local HTTP stand-in for Airflow's REST API (token, dagRuns), for the trigger tests.

The production tests run the real Airflow; these tests check what the registry asks of it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _FakeAirflow(BaseHTTPRequestHandler):
    received: list
    queued: list

    def do_GET(self):
        self.received.append((self.path, self.headers.get("Authorization"), None))
        data = json.dumps({"dag_runs": self.queued, "total_entries": len(self.queued)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((self.path, self.headers.get("Authorization"), body))
        answer = {"access_token": "fake-token"} if self.path == "/auth/token" else {}
        data = json.dumps(answer).encode()
        self.send_response(201 if self.path == "/auth/token" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        """Keep the test output quiet."""


class fake_airflow:
    """A local HTTP server answering Airflow's token and dagRuns endpoints."""

    def __init__(self, queued: list | None = None):
        self.queued = queued or []

    def __enter__(self):
        handler = type("Handler", (_FakeAirflow,), {"received": [], "queued": self.queued})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}", handler.received

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
