"""Progressive delay for failed logins, per account and client address.

Flask-Limiter counts requests in fixed amounts per window; it has no growing wait. This
keeps two counters in the same storage it uses (memory, or Redis when configured, so every
worker sees them): the failures of one account from one address, and a lock whose lifetime
is the current wait. A correct password clears both, so the owner never waits for their
own earlier typos, and a stranger elsewhere cannot make the owner wait at all.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits.storage import MemoryStorage, Storage

log = logging.getLogger(__name__)
# Where the counters go while the shared storage (Redis) does not answer: per process, so a
# login still gets its delays instead of an error page. Flask-Limiter's own limits fall back
# the same way (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED).
_FALLBACK = MemoryStorage()


class _Tolerant:
    """The limiter's storage, or the process's memory while that storage fails."""

    def __init__(self, storage: Storage):
        self._storage = storage

    def _call(self, name: str, *args):
        try:
            return getattr(self._storage, name)(*args)
        except Exception as error:  # any storage failure: Redis down, a timeout
            log.warning(
                "login throttle storage failed (%s); counting in memory", type(error).__name__
            )
            return getattr(_FALLBACK, name)(*args)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def incr(self, key: str, expiry: int) -> int:
        return self._call("incr", key, expiry)

    def clear(self, key: str) -> None:
        self._call("clear", key)


def delay_after(failures: int, *, free: int, base: int, cap: int) -> int:
    """Seconds to wait after `failures` wrong passwords: 0 for the first `free`, then
    `base`, doubling with every further failure, never more than `cap`."""
    if failures <= free:
        return 0
    return min(cap, base * 2 ** min(failures - free - 1, 32))


@dataclass
class LoginThrottle:
    storage: Storage
    free_failures: int = 4
    base_delay: int = 10
    max_delay: int = 300
    window: int = 3600

    @classmethod
    def for_app(cls, storage: Storage) -> LoginThrottle:
        config = current_app.config
        return cls(
            _Tolerant(storage),
            free_failures=int(config["LOGIN_FREE_FAILURES"]),
            base_delay=max(1, int(config["LOGIN_DELAY_SECONDS"])),
            max_delay=max(1, int(config["LOGIN_MAX_DELAY_SECONDS"])),
            window=max(1, int(config["LOGIN_FAILURE_WINDOW_SECONDS"])),
        )

    @staticmethod
    def _pair(account: str, address: str) -> str:
        # Hashed, so an address or typed name never lands in Redis keys as written.
        return hashlib.sha256(f"{account}\n{address}".encode()).hexdigest()[:40]

    def retry_after(self, account: str, address: str) -> int:
        """Seconds this account must wait before trying again from this address (0: now)."""
        lock = "login-lock:" + self._pair(account, address)
        if self.storage.get(lock) <= 0:
            return 0
        return max(1, math.ceil(self.storage.get_expiry(lock) - time.time()))

    def failed(self, account: str, address: str) -> int:
        """Count a wrong password; returns the wait it causes (seconds, 0 for none)."""
        pair = self._pair(account, address)
        failures = self.storage.incr("login-failures:" + pair, self.window)
        wait = delay_after(
            failures, free=self.free_failures, base=self.base_delay, cap=self.max_delay
        )
        if wait:
            self.storage.clear("login-lock:" + pair)
            self.storage.incr("login-lock:" + pair, wait)
        return wait

    def succeeded(self, account: str, address: str) -> None:
        pair = self._pair(account, address)
        self.storage.clear("login-failures:" + pair)
        self.storage.clear("login-lock:" + pair)
