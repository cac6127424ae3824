"""Browser journeys: the app served on 127.0.0.1, driven by Debian's Chromium via Playwright.

Runs where /usr/bin/chromium exists; CI installs it and sets REQUIRE_BROWSER=1, so there a
missing browser fails instead of skipping. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import cache, db

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-output" / "screenshots"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    if CHROMIUM.exists() and AXE.exists():
        return
    reason = f"browser tests need {CHROMIUM} and {AXE} (make assets)"
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(reason + "; REQUIRE_BROWSER is set")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def live_app(app):
    """A second app on the test database, as a real server would run it (no SERVER_NAME)."""
    served = create_app(
        {
            "SECRET_KEY": "browser-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SESSION_COOKIE_SECURE": False,
            "JSON_LOGS": False,
            "LOG_LEVEL": "WARNING",
            "SITE_URL": "http://127.0.0.1",
        }
    )
    yield served
    with served.app_context():
        db.engine.dispose()  # its own pool: close every connection it opened


def _buffered(app):
    """Read each response whole and close it before werkzeug writes it.

    When the browser drops a connection mid-response, werkzeug's development server can
    raise before it closes the response, leaving a static file open (a ResourceWarning that
    the suite treats as an error). Production runs under gunicorn; this is the test server.
    """

    def serve(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return serve


@pytest.fixture(scope="session")
def portal_server(live_app):
    server = make_server("127.0.0.1", 0, _buffered(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, portal_server, request):
    # bypass_csp only lets the test inject axe-core; the app's own CSP stays as it is.
    context = browser.new_context(base_url=portal_server, bypass_csp=True, locale="nl-NL")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def demo_data(live_app):
    """The demo register, accounts and assessments, loaded through the real CLI."""
    with live_app.app_context():
        cache.clear()  # the previous test's database is gone; its ids come back
    result = live_app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page, label: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{label}: {json.dumps(violations, indent=1)}"


def login(page, email: str, password: str) -> None:
    page.goto("/intern/inloggen")
    page.get_by_label(re.compile("E-mail", re.I)).fill(email)
    page.get_by_label(re.compile("Wachtwoord", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("Inloggen", re.I)).click()
    page.wait_for_url(re.compile(r"/intern/?$"))


def logout(page) -> None:
    page.get_by_role("button", name=re.compile("Uitloggen", re.I)).click()
