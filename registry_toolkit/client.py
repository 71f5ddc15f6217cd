"""Sending a compiled return to the registry: POST /api/v1/returns, retried safely."""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from registry_toolkit import __version__
from registry_toolkit.compiler import payload_bytes
from registry_toolkit.samples import SamplePeriod
from schemas.clients import CLIENT_HEADER, toolkit_client

API_BASE = "/api/v1"
RETURNS_PATH = API_BASE + "/returns"
PERIODS_PATH = API_BASE + "/periods"
# Names the toolkit and its version: the registry records the return's source as toolkit.
CLIENT_HEADERS = {CLIENT_HEADER: toolkit_client(__version__),
                  "User-Agent": toolkit_client(__version__)}
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 60.0


@dataclass(frozen=True)
class Answer:
    """The registry's answer to a submission."""

    status: int
    body: dict
    attempts: int

    @property
    def replayed(self) -> bool:
        """Tell whether the registry recognised an earlier identical submission."""
        return bool(self.body.get("replayed"))


class RegistryRefused(Exception):
    """The registry answered with a client error: the return or the token is wrong."""

    def __init__(self, status: int, body: dict):
        self.status = status
        self.body = body
        super().__init__(f"the registry refused the return ({status})")


class RegistryUnreachable(Exception):
    """No usable answer after every retry: connection failures or server errors."""

    def __init__(self, attempts: int, reason: str):
        self.attempts = attempts
        self.reason = reason
        super().__init__(f"no answer from the registry after {attempts} attempt(s): {reason}")


def canonical_digest(payload: dict) -> str:
    """SHA-256 of the canonical JSON form of a payload (sorted keys, no spaces)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def idempotency_key(payload: dict) -> str:
    """Derive the Idempotency-Key from the payload, so a retry replays the same version."""
    return f"toolkit-{canonical_digest(payload)}"


def registry_root(url: str) -> str:
    """Return the registry's root from its root URL or its API base (.../api/v1)."""
    return url.rstrip("/").removesuffix(API_BASE).rstrip("/")


def returns_url(url: str) -> str:
    """Return the submission endpoint of the registry at url (its root or its API base)."""
    return registry_root(url) + RETURNS_PATH


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry: waits of wait, 2 x wait, 4 x wait..."""

    retries: int = 3
    wait: float = 1.0
    timeout: float = 30.0


def submit(base_url: str, token: str, payload: dict, policy: RetryPolicy | None = None,
           sleep: Callable[[float], None] = time.sleep,
           on_retry: Callable[[int, str, float], None] | None = None) -> Answer:
    """Send the return; retry connection failures and 5xx; raise on refusal or no answer."""
    policy = policy or RetryPolicy()
    request = _request(base_url, token, payload)
    reason = ""
    for attempt in range(1, policy.retries + 2):
        outcome = _attempt(request, policy.timeout)
        if isinstance(outcome, Answer):
            return Answer(outcome.status, outcome.body, attempt)
        reason, retry_after = outcome
        if attempt <= policy.retries:
            pause = min(retry_after or policy.wait * 2 ** (attempt - 1), MAX_WAIT)
            if on_retry:
                on_retry(attempt, reason, pause)
            sleep(pause)
    raise RegistryUnreachable(policy.retries + 1, reason)


def _request(base_url: str, token: str, payload: dict) -> urllib.request.Request:
    return urllib.request.Request(
        returns_url(base_url), data=payload_bytes(payload), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Accept": "application/json", "Idempotency-Key": idempotency_key(payload),
                 **CLIENT_HEADERS},
    )


def _attempt(request: urllib.request.Request, timeout: float) -> Answer | tuple[str, float]:
    """Return the answer, or (why it failed, seconds the server asked to wait) to retry."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, _json(response.read()), 1)
    except urllib.error.HTTPError as error:
        body = _json(error.read())
        if error.code not in RETRIED_STATUSES:
            raise RegistryRefused(error.code, body) from None
        return f"HTTP {error.code} {_message(body)}".strip(), _retry_after(error)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        return _network_reason(error), 0.0


def _json(raw: bytes) -> dict:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"error": {"code": "not_json", "message": raw[:200].decode("utf-8", "replace")}}
    return body if isinstance(body, dict) else {"body": body}


def _retry_after(error: urllib.error.HTTPError) -> float:
    value = error.headers.get("Retry-After", "") if error.headers else ""
    return float(value) if value.isdigit() else 0.0


def _network_reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason) or type(error).__name__


def _message(body: dict) -> str:
    error = body.get("error")
    return str(error.get("message", "")) if isinstance(error, dict) else ""


def registry_period(url: str, code: str | None = None, timeout: float = 30.0,
                    now: datetime | None = None) -> SamplePeriod:
    """The registry's period called code, or (without a code) the one open now.

    Reads the public list of periods (GET /api/v1/periods); raises RegistryUnreachable
    when there is no answer and LookupError when no period fits.
    """
    request = urllib.request.Request(registry_root(url) + PERIODS_PATH,
                                     headers={"Accept": "application/json", **CLIENT_HEADERS})
    outcome = _attempt(request, timeout)
    if not isinstance(outcome, Answer):
        raise RegistryUnreachable(1, outcome[0])
    periods = outcome.body.get("body")
    if not isinstance(periods, list):
        raise RegistryUnreachable(1, f"{registry_root(url) + PERIODS_PATH} did not answer "
                                  "with a list of periods")
    found = _choose_period(periods, code, now or datetime.now(UTC))
    return SamplePeriod(found["code"], date.fromisoformat(found["starts_on"]),
                        date.fromisoformat(found["ends_on"]))


def _choose_period(periods: list[dict], code: str | None, now: datetime) -> dict:
    codes = ", ".join(period["code"] for period in periods) or "none"
    if code is not None:
        for period in periods:
            if period["code"] == code:
                return period
        raise LookupError(f"it has no period {code!r} (its periods: {codes})")
    open_now = [period for period in periods
                if datetime.fromisoformat(period["opens_at"]) <= now
                <= datetime.fromisoformat(period["closes_at"])]
    if not open_now:
        raise LookupError(f"none of its periods is open now (its periods: {codes}); "
                          "choose one with --period")
    return max(open_now, key=lambda period: period["starts_on"])  # the newest


def describe_refusal(refusal: RegistryRefused) -> list[str]:
    """Turn the registry's {"error": {code, message, fields}} into readable lines."""
    error = refusal.body.get("error") if isinstance(refusal.body.get("error"), dict) else {}
    code = error.get("code", "error")
    lines = [f"The registry refused the return (HTTP {refusal.status}, {code}): "
             f"{error.get('message', 'no message')}"]
    for path, messages in (error.get("fields") or {}).items():
        items = messages if isinstance(messages, list) else [messages]
        lines.extend(f"  {path}: {message}" for message in items)
    return lines
