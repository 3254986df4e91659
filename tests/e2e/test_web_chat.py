"""The web chat and the no-JavaScript form in headless Chromium (Playwright), with axe-core at WCAG 2.2 AA.

Needs Debian's chromium at /usr/bin/chromium (`make browser` installs it). Not skipped without it:
a missing browser is a failure, so CI can never pass without running this test.

No test waits a fixed time: each waits on what the page shows (a message, a button, the chat marking a sent
message ``data-sent`` once its reply is on screen), with a generous ceiling (60 s) so that a busy 2-core
machine is slow, never a failure.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .browser import TIMEOUT_MS, assert_no_axe_violations

# A message the person sent whose reply is on screen (chat.js marks it once the bot's answer is shown).
ANSWERED = ".chat__message--user[data-sent='true']"


def new_page(browser, width: int, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


def bot_says(page, text: str) -> None:
    page.locator(".chat__message--bot", has_text=text).last.wait_for()


def answered(page) -> int:
    return page.locator(ANSWERED).count()


def until_answered(page, before: int) -> None:
    """Wait until the message just sent has its reply on screen (one more answered message than ``before``)."""
    expect(page.locator(ANSWERED)).to_have_count(before + 1)


def say(page, text: str, *, send_button: bool = False) -> None:
    """Type a message (Enter, or the Send button) and wait for the bot's reply to be shown."""
    before = answered(page)
    page.get_by_label("Type your message").fill(text)
    if send_button:
        page.get_by_role("button", name="Send").click()
    else:
        page.keyboard.press("Enter")  # free text, by keyboard
    until_answered(page, before)


def press(page, name: str) -> None:
    """Press a quick reply and wait for the bot's reply to be shown."""
    before = answered(page)
    page.get_by_role("button", name=name).click()
    until_answered(page, before)


def tick_and_continue(page, *titles: str) -> None:
    """The conditions question: tick boxes (several at once), then Continue."""
    for title in titles:
        page.get_by_label(title, exact=True).check()
    press(page, "Continue")


def test_a_whole_self_referral_in_the_web_chat_by_keyboard_and_buttons(browser, live_url):
    page = new_page(browser, 375, 800)  # phone width
    page.goto(live_url + "/?campaign=spring-2026&service=sheffield-ips-smi")
    bot_says(page, "What would you like help with?")
    assert "text message" in page.locator(".chat__message--bot").first.inner_text()  # arrived from a text's link
    assert page.locator(".chat__message--user").count() == 0  # no fake "You: Hello"
    assert page.locator("#chat-log[aria-live='polite']").count() == 1
    assert page.locator("a[href='/self-referral']").count() >= 1
    assert page.locator("#chat-log a[href='tel:03069990123']").count() >= 1  # the phone route is a link
    assert_no_axe_violations(page)

    press(page, "Finding a job")
    assert page.evaluate("document.activeElement.id") == "chat-input"  # not lost when the buttons go
    bot_says(page, "Which of these health conditions do you live with?")
    tick_and_continue(page, "Bipolar disorder")
    expect(page.locator(".chat__message--user", has_text="Bipolar disorder")).to_have_count(1)
    # Answer whatever is asked next, in free text, until the service is offered (the rules choose the order).
    answers = {"How old": "I'm 29", "drug or alcohol": "no", "postcode": "S10 2TN"}
    for _ in range(len(answers) + 1):
        last = page.locator(".chat__message--bot").last.inner_text()
        if "send your details" in last:
            break
        answer = next((a for question, a in answers.items() if question in last), None)
        assert answer is not None, f"an unexpected question: {last!r}"
        say(page, answer)
        assert page.evaluate("document.activeElement.id") == "chat-input"  # focus stays in the message box
    bot_says(page, "send your details")
    press(page, "Yes please")
    bot_says(page, "Is it OK to share this")
    before = answered(page)
    page.get_by_role("button", name="Yes, share my details").focus()
    page.keyboard.press("Enter")
    until_answered(page, before)
    bot_says(page, "What is your first name?")
    say(page, "Sam", send_button=True)
    bot_says(page, "What phone number")
    say(page, "07700 900123")
    bot_says(page, "separate choice")
    press(page, "No texts, thanks")
    bot_says(page, "Your reference number is")
    text = page.locator(".chat__message--bot").last.inner_text()
    match = re.search(r"reference number is ([A-Z0-9-]{6,16})", text)
    assert match
    reference = page.locator(".chat__message--confirmation strong.chat__reference")
    assert reference.inner_text() == match.group(1)  # emphasised, and said once
    assert text.count(match.group(1)) == 1
    assert_no_axe_violations(page)
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_crisis_help_is_an_urgent_card_with_links_to_call_or_text(browser, live_url, width):
    """CONTRACT.md "Risk first": the crisis help at once, looking urgent, each number a link."""
    page = new_page(browser, width)
    page.goto(live_url + "/")
    bot_says(page, "What would you like help with?")
    press(page, "Finding a job")
    bot_says(page, "Which of these health conditions do you live with?")
    say(page, "i want to kill myself")
    card = page.locator(".chat__urgent").last
    card.wait_for()
    assert "Get help now" in card.locator("h3").inner_text()
    background = card.locator("h3").evaluate("h => getComputedStyle(h).backgroundColor")
    assert background == "rgb(213, 40, 27)"  # NHS emergency red
    for href in ("tel:999", "tel:111", "tel:116123", "sms:85258&body=SHOUT"):
        assert card.locator(f"a[href='{href}']").count() >= 1, href
    assert_no_axe_violations(page)
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_reload_shows_the_conversation_and_go_back_asks_the_last_question_again(browser, live_url, width):
    page = new_page(browser, width)
    page.goto(live_url + "/")
    bot_says(page, "What would you like help with?")
    press(page, "Finding a job")
    bot_says(page, "Which of these health conditions do you live with?")
    tick_and_continue(page, "Anxiety", "A physical health condition")
    expect(page.locator(".chat__message--user", has_text="Anxiety, A physical health condition")).to_have_count(1)
    bot_says(page, "How old are you?")
    say(page, "34")
    before = page.locator(".chat__message").all_inner_texts()

    page.reload()
    # The history comes back in one go: wait until all of it is shown, then compare.
    expect(page.locator(".chat__message")).to_have_count(len(before))
    after = page.locator(".chat__message").all_inner_texts()
    assert after == before  # the same conversation, not a new one
    assert not any("Hello" == t.replace("You:", "").strip() for t in after)  # no fake Hello

    say(page, "go back")
    bot_says(page, "go back")
    assert "How old are you?" in page.locator(".chat__message--bot").last.inner_text()
    assert page.evaluate("document.activeElement.id") == "chat-input"
    assert_no_axe_violations(page)
    page.close()


# The no-JavaScript self-referral form has its own browser test: tests/e2e/test_self_referral_form.py.
