"""Redis for the tests of shared state: TEST_REDIS_URL (CI starts a redis-server and sets it),
else redis://127.0.0.1:6379/15. When TEST_REDIS_URL is set a Redis that does not answer fails
the test; otherwise the test is skipped, visibly. Each test gets its own key prefixes and
queue name, so runs that share one Redis never see each other's counters or pages."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
from redis import Redis
from redis.exceptions import RedisError

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


@dataclass
class RedisSpace:
    url: str
    prefix: str

    @property
    def env(self) -> dict[str, str]:
        """Environment for a server or worker process that shares this space."""
        return {
            "REDIS_URL": self.url,
            "RATELIMIT_KEY_PREFIX": self.prefix + "limits",
            "CACHE_KEY_PREFIX": self.prefix + "cache:",
            "JOBS_QUEUE": self.prefix + "jobs",
        }

    def worker_env(self, database_url: str) -> dict[str, str]:
        """The whole environment of a `flask jobs worker` process on this space and the
        test database."""
        return {
            **os.environ,
            **self.env,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "worker-secret",
            "PORTAL_ENV": "production",
            "JSON_LOGS": "0",
            "LOG_LEVEL": "WARNING",
        }

    @property
    def config(self) -> dict[str, str]:
        """The same for an app in the test process (the job queue only)."""
        return {"REDIS_URL": self.url, "JOBS_QUEUE": self.prefix + "jobs"}

    def connection(self) -> Redis:
        return Redis.from_url(self.url)


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    try:
        Redis.from_url(url or DEFAULT_REDIS_URL, socket_connect_timeout=2).ping()
    except RedisError as error:
        if url:
            pytest.fail(f"TEST_REDIS_URL={url} does not answer: {error}")
        pytest.skip(f"Redis does not answer at {DEFAULT_REDIS_URL} (set TEST_REDIS_URL)")
    return url or DEFAULT_REDIS_URL


@pytest.fixture
def redis_space():
    space = RedisSpace(redis_url(), f"test-{uuid.uuid4().hex[:12]}-")
    yield space
    connection = space.connection()
    for key in connection.scan_iter(match=f"*{space.prefix}*", count=1000):
        connection.delete(key)
    connection.close()
