"""The contract server (tests/national/contract_server.py) and the app configured for it."""

from __future__ import annotations

import pytest

from tests.national.contract_server import ContractServer


@pytest.fixture
def national(app):
    """A fresh contract server; the app's NATIONAL_* settings point at it. Every request and
    answer of the test must have matched the API's description."""
    server = ContractServer().start()
    saved = {key: app.config.get(key) for key in server.config()}
    app.config.update(server.config())
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)
    assert server.violations == []


@pytest.fixture
def run_sync(app):
    """`flask register sync-national` with arguments; returns the click result."""

    def _run(*args: str):
        runner = app.test_cli_runner()
        return runner.invoke(args=["register", "sync-national", *args])

    return _run
