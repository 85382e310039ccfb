"""Login throttling: a sliding window of failed attempts per username and per client address."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable


class LoginLimiter:
    def __init__(self, *, per_user: int = 5, per_address: int = 20, window_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user = per_user
        self.per_address = per_address
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        now = self.clock()
        with self._lock:
            waits = [
                self._wait(f"user:{username.lower()}", self.per_user, now),
                self._wait(f"addr:{address}", self.per_address, now),
            ]
        return max(waits)

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[f"user:{username.lower()}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)

    def _wait(self, key: str, limit: int, now: float) -> int:
        window = self._failures.get(key)
        if not window:
            return 0
        while window and now - window[0] >= self.window:
            window.popleft()
        if len(window) < limit:
            return 0
        return max(1, int(window[0] + self.window - now + 0.999))
