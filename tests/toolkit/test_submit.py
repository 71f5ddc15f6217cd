"""Submitting to a real registry served on 127.0.0.1 (no mocked HTTP)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import ReturnVersion
from registry_toolkit.cli import main
from registry_toolkit.client import idempotency_key
from registry_toolkit.compiler import compile_records


def token_file(tmp_path, token: str):
    path = tmp_path / "registry-token"
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def stored_versions(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(ReturnVersion))


def test_submit_creates_version_1_and_a_retry_replays_it(cli_runner, pilot_dir, tmp_path,
                                                         registry_server):
    token = token_file(tmp_path, registry_server.token)
    args = ["--url", registry_server.url, "--token-file", str(token)]
    first = cli_runner.invoke(main, ["submit", str(pilot_dir), *args])
    assert first.exit_code == 0, first.output
    assert "Submitted: return 1 version 1, status submitted (HTTP 201)." in first.output
    written = pilot_dir / "return-PG-PEER-2020.json"
    assert written.is_file()

    again = cli_runner.invoke(main, ["submit", str(written), *args])
    assert again.exit_code == 0, again.output
    assert ("Already received: return 1 version 1 (HTTP 200, replayed); no new version was "
            "made.") in again.output
    assert stored_versions(registry_server.engine) == 1
    assert registry_server.token not in first.output + again.output


def test_earlier_figures_sent_again_after_a_correction_become_the_latest_version(
        cli_runner, pilot_dir, tmp_path, registry_server):
    token = token_file(tmp_path, registry_server.token)
    args = ["--url", registry_server.url, "--token-file", str(token)]
    assert cli_runner.invoke(main, ["submit", str(pilot_dir), *args]).exit_code == 0
    original = pilot_dir / "return-PG-PEER-2020.json"
    corrected = tmp_path / "corrected.json"
    payload = json.loads(original.read_text(encoding="utf-8"))
    payload["activity"]["contact_hours"] += 1
    corrected.write_text(json.dumps(payload), encoding="utf-8")
    assert "version 2" in cli_runner.invoke(main, ["submit", str(corrected), *args]).output

    back = cli_runner.invoke(main, ["submit", str(original), *args])
    assert back.exit_code == 0, back.output
    assert "Submitted: return 1 version 3, status submitted (HTTP 201)." in back.output
    assert stored_versions(registry_server.engine) == 3


def test_a_refused_return_is_printed_field_by_field(cli_runner, pilot_dir, tmp_path,
                                                    registry_server, monkeypatch):
    payload = compile_records(pilot_dir).payload
    payload["header"]["institution_code"] = "XX-NOWHERE-1"
    path = tmp_path / "return.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    monkeypatch.setenv("REGISTRY_TOKEN", registry_server.token)
    result = cli_runner.invoke(main, ["submit", str(path), "--url", registry_server.url])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "The registry refused the return (HTTP 422, validation_failed): Unknown institution "
        "'XX-NOWHERE-1'.",
        "  header.institution_code: 'XX-NOWHERE-1' is not on the register",
        f"The return is kept at {path}; correct the records (or the token) and submit again.",
    ]


def test_a_wrong_token_is_refused_without_being_printed(cli_runner, pilot_dir, tmp_path,
                                                        registry_server):
    token = token_file(tmp_path, "not-a-real-token-123")
    result = cli_runner.invoke(main, ["submit", str(pilot_dir), "--url", registry_server.url,
                                      "--token-file", str(token)])
    assert result.exit_code == 1
    assert "The registry refused the return (HTTP 401, unauthorized)" in result.output
    assert "not-a-real-token-123" not in result.output


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_registry_keeps_the_json_and_says_so(cli_runner, pilot_dir, tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    token = token_file(tmp_path, "secret-token")
    result = cli_runner.invoke(main, ["submit", str(pilot_dir), "--url", url, "--token-file",
                                      str(token), "--retries", "2", "--retry-wait", "0"])
    written = pilot_dir / "return-PG-PEER-2020.json"
    assert result.exit_code == 3
    assert written.is_file()
    assert json.loads(written.read_text(encoding="utf-8")) == compile_records(pilot_dir).payload
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Attempt 1 failed (") and "retrying in 0 s" in lines[0]
    assert lines[2].startswith(f"Could not reach the registry at {url} after 3 attempt(s): ")
    assert lines[3:] == [
        f"Nothing is lost: the compiled return is kept at {written}.",
        f"Send it again later with: registry-toolkit submit {written} --url {url}",
    ]
    assert "secret-token" not in result.output


class FlakyRegistry(BaseHTTPRequestHandler):
    """Answers 503 twice, then 201; remembers the headers it was sent."""

    seen: list[dict] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        FlakyRegistry.seen.append(dict(self.headers))
        ok = len(FlakyRegistry.seen) > 2
        body = {"id": 7, "version": 1, "status": "submitted", "replayed": False} if ok else {
            "error": {"code": "database_unavailable", "message": "Try again shortly.",
                      "fields": {}}}
        self.send_response(201 if ok else 503)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


def test_server_errors_are_retried_with_the_same_idempotency_key(cli_runner, pilot_dir,
                                                                  monkeypatch):
    FlakyRegistry.seen = []
    server = HTTPServer(("127.0.0.1", 0), FlakyRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("REGISTRY_TOKEN", "flaky-token")
    try:
        result = cli_runner.invoke(main, ["submit", str(pilot_dir), "--url",
                                          f"http://127.0.0.1:{server.server_port}/",
                                          "--retry-wait", "0"])
    finally:
        server.shutdown()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "Attempt 2 failed (HTTP 503 Try again shortly.); retrying in 0 s" in result.stderr
    assert "Submitted: return 7 version 1, status submitted (HTTP 201)." in result.stdout
    key = idempotency_key(compile_records(pilot_dir).payload)
    assert [h["Idempotency-Key"] for h in FlakyRegistry.seen] == [key] * 3
    assert {h["Authorization"] for h in FlakyRegistry.seen} == {"Bearer flaky-token"}
    assert {h["Content-Type"] for h in FlakyRegistry.seen} == {"application/json"}


def test_no_token_is_a_clear_error(cli_runner, pilot_dir):
    result = cli_runner.invoke(main, ["submit", str(pilot_dir), "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "No API token: give --token-file FILE or set REGISTRY_TOKEN."


def test_the_idempotency_key_depends_only_on_the_content(pilot_dir):
    payload = compile_records(pilot_dir).payload
    reordered = json.loads(json.dumps(payload, sort_keys=True))
    assert idempotency_key(reordered) == idempotency_key(payload)
    payload["evaluation"]["focus_groups_held"] = 3
    assert idempotency_key(reordered) != idempotency_key(payload)
