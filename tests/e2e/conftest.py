"""Fixtures for the browser tests: one headless chromium per module, and the app served on 127.0.0.1.

A missing chromium is a failure, never a skip (`make browser` installs it), so CI cannot pass without them.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from referral_service import create_app

from .browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Debian chromium is missing: run `make browser` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_url(tmp_path_factory):
    """The public app (chat, /self-referral) on a free port, on a fresh database."""
    app = create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path_factory.mktemp("e2e") / "e2e.db"),
                      "BOT_AUTH_TOKEN": "test-bot-token", "RATELIMIT_ENABLED": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
