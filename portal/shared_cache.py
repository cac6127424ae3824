"""The page cache in Redis, shared by every app server (CACHE_TYPE when REDIS_URL is set).

Flask-Caching's RedisCache, except that a Redis that does not answer is a cache miss and
not an error page: the public register is then rendered on every request, slower but
served. Connections time out after CACHE_REDIS_TIMEOUT seconds (default 1), so a Redis host
that drops packets cannot hold a request for the TCP timeout.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask
from flask_caching.backends.rediscache import RedisCache
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
_WARN_EVERY = 60.0  # seconds; one warning per process and minute, not one per request


class TolerantRedisCache(RedisCache):
    _warned_at = 0.0

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> TolerantRedisCache:
        timeout = float(config.get("CACHE_REDIS_TIMEOUT", 1))
        kwargs["host"] = Redis.from_url(
            config["CACHE_REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout
        )
        if config.get("CACHE_KEY_PREFIX"):
            kwargs["key_prefix"] = config["CACHE_KEY_PREFIX"]
        return cls(*args, **kwargs)

    def _unavailable(self, error: RedisError) -> None:
        now = time.monotonic()
        if now - TolerantRedisCache._warned_at >= _WARN_EVERY:
            TolerantRedisCache._warned_at = now
            log.warning("page cache: Redis does not answer; pages are rendered uncached: %s", error)

    def get(self, key: str) -> Any:
        try:
            return super().get(key)
        except RedisError as error:
            self._unavailable(error)
            return None

    def set(self, key: str, value: Any, timeout: int | None = None) -> Any:
        try:
            return super().set(key, value, timeout)
        except RedisError as error:
            self._unavailable(error)
            return False

    def delete(self, key: str) -> bool:
        try:
            return super().delete(key)
        except RedisError as error:
            self._unavailable(error)
            return False

    def clear(self) -> bool:
        try:
            return super().clear()
        except RedisError as error:
            self._unavailable(error)
            return False
