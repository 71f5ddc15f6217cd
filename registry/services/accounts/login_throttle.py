"""Throttle password guessing: a few failed logins per address and account, then a pause."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginThrottle:
    """Counts failed logins per (address, email) in a sliding window.

    Kept in process memory: each gunicorn worker throttles on its own, so the effective
    limit is `max_failures` × workers per window — still enough to stop guessing.
    """

    def __init__(self, max_failures: int = 5, window_seconds: float = 900):
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked_for(self, address: str, email: str, now: float | None = None) -> float:
        """Seconds until this pair may try again (0 when it may try now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._prune(address, email.lower(), now)
            if len(failures) < self.max_failures:
                return 0.0
            return max(0.0, failures[0] + self.window - now)

    def record_failure(self, address: str, email: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._prune(address, email.lower(), now).append(now)

    def reset(self, address: str, email: str) -> None:
        with self._lock:
            self._failures.pop((address, email.lower()), None)

    def _prune(self, address: str, email: str, now: float) -> deque[float]:
        failures = self._failures[(address, email)]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
