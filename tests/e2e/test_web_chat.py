"""The web chat and the no-JavaScript form in headless Chromium (Playwright), with axe-core at WCAG 2.2 AA.

Needs Debian's chromium at /usr/bin/chromium (`make browser` installs it). Not skipped without it:
a missing browser is a failure, so CI can never pass without running this test.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from referral_service import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def live_url(tmp_path_factory):
    app = create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path_factory.mktemp("e2e") / "e2e.db"),
                      "BOT_AUTH_TOKEN": "test-bot-token", "RATELIMIT_ENABLED": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Debian chromium is missing: run `make browser` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def assert_no_axe_violations(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    violations = results.response["violations"]
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def bot_says(page, text: str) -> None:
    page.locator(".chat__message--bot", has_text=text).last.wait_for(timeout=15000)


def test_a_whole_self_referral_in_the_web_chat_by_keyboard_and_buttons(browser, live_url):
    page = browser.new_page(viewport={"width": 375, "height": 800})  # phone width
    page.set_default_timeout(15000)
    page.goto(live_url + "/?campaign=spring-2026&service=sheffield-ips-smi")
    bot_says(page, "What would you like help with?")
    assert page.locator("#chat-log[aria-live='polite']").count() == 1
    assert page.locator("a[href='/self-referral']").count() >= 1
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Finding a job").click()
    bot_says(page, "What do you get support with?")
    page.get_by_role("button", name="Bipolar disorder").click()
    for _ in range(8):
        page.wait_for_timeout(100)
        last = page.locator(".chat__message--bot").last.inner_text()
        if "How old" in last:
            answer = "I'm 29"
        elif "drug or alcohol" in last:
            answer = "no"
        elif "postcode" in last:
            answer = "S10 2TN"
        elif "send your details" in last:
            break
        else:
            page.wait_for_timeout(300)
            continue
        page.get_by_label("Type your message").fill(answer)
        page.keyboard.press("Enter")  # free text, by keyboard
        page.locator(".chat__message--user", has_text=answer).last.wait_for()
        page.wait_for_function("document.querySelectorAll('.chat__message--bot').length > 0")
        page.wait_for_timeout(300)
    bot_says(page, "send your details")
    page.get_by_role("button", name="Yes please").click()
    bot_says(page, "Is it OK to share this")
    page.get_by_role("button", name="Yes, share my details").focus()
    page.keyboard.press("Enter")
    bot_says(page, "What is your first name?")
    page.get_by_label("Type your message").fill("Sam")
    page.get_by_role("button", name="Send").click()
    bot_says(page, "What phone number")
    page.get_by_label("Type your message").fill("07700 900123")
    page.keyboard.press("Enter")
    bot_says(page, "separate choice")
    page.get_by_role("button", name="No texts, thanks").click()
    bot_says(page, "Your reference number is")
    text = page.locator(".chat__message--bot").last.inner_text()
    assert re.search(r"reference number is [A-Z0-9-]{6,16}", text)
    assert_no_axe_violations(page)
    page.close()


# The no-JavaScript self-referral form has its own browser test: tests/e2e/test_self_referral_form.py.
