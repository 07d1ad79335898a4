"""Browser fixtures: the real app served over HTTP, driven by Debian's Chromium through Playwright.

The app runs in a background thread (werkzeug) against a migrated SQLite file, with CSRF
protection on as in production. Without ``/usr/bin/chromium`` the browser tests are skipped,
except under ``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
from flask import Flask
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from coachkit import create_app
from coachkit.extensions import db
from tests.conftest import IN_CI
from tests.conftest import PASSWORD
from tests.conftest import ROOT
from tests.conftest import _migrate
from tests.conftest import config_for
from tests.conftest import password_hash

CHROMIUM = Path(os.environ.get("COACHKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
ADMIN_EMAIL = "admin@example.com"
ADMIN_NAME = "Ada Admin"
# Playwright waits at most this long (ms) for an element or a navigation.
TIMEOUT_MS = 15_000


@dataclass
class LiveServer:
    url: str
    app: Flask
    errors: list[BaseException] = field(default_factory=list)
    admin_email: str = ADMIN_EMAIL
    admin_password: str = PASSWORD


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output; errors still reach the app's logger."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = f"Chromium not found at {CHROMIUM} (install Debian's 'chromium' package)"
        if IN_CI:
            pytest.fail(f"{reason}; the browser tests are required under CI=true")
        pytest.skip(reason)
    return str(CHROMIUM)


def _seed_admin(app: Flask) -> None:
    from coachkit.models import User

    with app.app_context():
        db.session.add(
            User(email=ADMIN_EMAIL, name=ADMIN_NAME, role="admin", language="en", password_hash=password_hash())
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def live_server(chromium_executable, tmp_path_factory):
    """The app on 127.0.0.1 with a free port, a fresh migrated SQLite file and CSRF on."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'coachkit-browser.sqlite'}"
    _migrate(url)
    app = create_app(config_for(url, WTF_CSRF_ENABLED=True))
    _seed_admin(app)
    server = LiveServer(url="", app=app)

    def record(sender, exception, **extra) -> None:
        server.errors.append(exception)

    got_request_exception.connect(record, app)
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    server.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, name="coachkit-live-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_server_errors(request):
    """Fail a browser test when the app raised an exception while serving it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    server: LiveServer = request.getfixturevalue("live_server")
    server.errors.clear()
    yield
    errors = list(server.errors)
    server.errors.clear()
    assert not errors, f"the app raised while serving this test: {errors!r}"


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def context(browser, live_server, request):
    """A fresh browser profile per test (own cookies), English unless the test switches."""
    ctx = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            for n, open_page in enumerate(ctx.pages):
                try:
                    open_page.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
                except Exception:  # a failed screenshot must not hide the real failure
                    pass
        ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()
