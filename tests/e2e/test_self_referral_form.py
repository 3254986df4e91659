"""The no-JavaScript self-referral in headless Chromium (Playwright), with axe-core at WCAG 2.2 AA, at a
phone width (390 px) and a desktop width (1280 px).

The pages load no script; axe needs JavaScript, so it stays on in the browser. Needs Debian's chromium at
/usr/bin/chromium (`make browser`); a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import re

import pytest

from .browser import TIMEOUT_MS, assert_no_axe_violations

WIDTHS = {"phone": 390, "desktop": 1280}


def assert_accessible(page) -> None:
    assert page.locator("script").count() == 0, "the form must work with no JavaScript at all"
    assert_no_axe_violations(page)


def continue_(page) -> None:
    page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_a_whole_self_referral_with_no_javascript(browser, live_url, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_url + "/self-referral")
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()

    page.get_by_role("heading", level=1, name="Do you want help to find a paid job").wait_for()
    continue_(page)  # no answer: an error summary, an "Error: " title, focusable link to the field
    page.locator("#error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.locator("#error-summary a").click()
    assert page.evaluate("document.activeElement.id") == "wants_paid_work-yes"
    page.get_by_label("Yes").check()
    continue_(page)

    page.get_by_label("Bipolar disorder").check()
    assert_accessible(page)
    continue_(page)
    page.get_by_label(re.compile("In your own words")).fill("mood swings")
    continue_(page)
    page.get_by_role("link", name="Back").click()  # the back link returns to the page before
    assert page.get_by_label(re.compile("In your own words")).input_value() == "mood swings"
    continue_(page)
    page.get_by_label("No", exact=True).check()  # drug or alcohol treatment
    continue_(page)
    page.get_by_label("How old are you?").fill("29")
    assert_accessible(page)
    continue_(page)
    page.get_by_label("What is your postcode?").fill("ZZ99 9ZZ")
    continue_(page)
    page.get_by_text("Enter a real postcode, like S1 2AB").first.wait_for()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("What is your postcode?").fill("S10 2TN")
    continue_(page)
    continue_(page)  # nothing else to add

    page.get_by_role("heading", level=1, name="Check your answers").wait_for()
    assert page.get_by_role("link", name="Change age").count() == 1
    assert_accessible(page)
    page.get_by_role("button", name="See the support that fits").click()

    page.get_by_role("heading", name="Support that fits you").wait_for()
    assert page.locator("#fits").count() == 1
    assert_accessible(page)
    page.get_by_label(re.compile("IPS for severe mental illness, from Sheffield")).check()
    continue_(page)

    page.get_by_text("Is it OK to share this with Sheffield IPS Employment Service?").wait_for()
    assert_accessible(page)
    page.get_by_label("Yes, share my details").check()
    continue_(page)
    page.get_by_label("Your first name").fill("Sam")
    page.get_by_label("Phone number").fill("07700 900456")
    assert_accessible(page)
    continue_(page)
    page.get_by_label("No texts, thanks").check()
    assert_accessible(page)
    continue_(page)
    page.get_by_role("button", name="Send my details").click()

    panel = page.locator(".nhsuk-panel")
    panel.wait_for()
    assert re.fullmatch(r"[A-Z0-9-]{6,16}", page.locator("#reference").inner_text())
    assert_accessible(page)
    context.close()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_words_at_risk_show_the_crisis_card_with_links_to_call_and_text(browser, live_url, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_url + "/self-referral/start")
    page.get_by_label("Yes").check()
    continue_(page)
    page.get_by_label("Depression", exact=True).check()
    continue_(page)
    page.get_by_label(re.compile("In your own words")).fill("i dont wanna be here anymore")
    continue_(page)
    page.get_by_role("heading", level=1, name=re.compile("Are you thinking about ending your life")).wait_for()
    assert page.locator("a[href='tel:116123']").count() == 1
    assert_accessible(page)
    page.get_by_label("Yes, I am").check()
    continue_(page)
    card = page.locator("#crisis")
    card.wait_for()
    for href in ("tel:999", "tel:111", "tel:116123", "sms:85258?body=SHOUT"):
        assert card.locator(f"a[href='{href}']").count() == 1, href
    assert_accessible(page)
    page.get_by_role("button", name="I'm safe, carry on").click()
    assert page.get_by_label(re.compile("In your own words")).input_value() == "i dont wanna be here anymore"
    context.close()
