"""Real processes on loopback for the production end-to-end test: gunicorn and Airflow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Service:
    """A process group we started, its log, and how to start it again."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Service:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=handle,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Stack:
    """Every service of the test; `stop_all` runs whatever happens."""

    services: dict[str, Service] = field(default_factory=dict)

    def add(self, service: Service) -> Service:
        self.services[service.name] = service
        return service.start()

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {s.name} ---\n{s.tail()}" for s in self.services.values())


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTEST"))}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    env.update(extra)
    return env


def http(method: str, url: str, body: object = None, token: str | None = None,
         timeout: float = 10) -> tuple[int, object]:
    """One JSON request; returns (status, parsed body or text)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _parse(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _parse(error.read())


def _parse(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def wait_until(check, timeout: float, interval: float = 1.0, what: str = "condition"):
    """Poll `check` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout:.0f} s")
