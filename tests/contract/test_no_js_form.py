"""CONTRACT.md "Risk first, on every channel" on the no-JS self-referral form's free text: a message at risk
goes to the crisis help (urgent) or the direct question (check) before it is read as an answer, a safe answer
goes back to the same page, everyday idioms carry on, and the event is listed for follow-up."""

from __future__ import annotations

import pytest

from .conftest import token

OWN_WORDS = "/self-referral/conditions-in-your-own-words"
ANYTHING_ELSE = "/self-referral/anything-else"


def started(client):
    assert client.get("/self-referral/start").status_code in (302, 303)
    return client


@pytest.mark.parametrize("page", [OWN_WORDS, ANYTHING_ELSE])
@pytest.mark.parametrize("words", ["anxiety n i keep thinkin about killin myself", "i slit my wrists last week",
                                   "been saving my tablets up to take them all"])
def test_urgent_words_go_straight_to_the_crisis_help(app, client, page, words):
    started(client)
    response = client.post(page, data={page.rsplit("/", 1)[1]: words})
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/self-referral/urgent-help"), \
        f"missed crisis on the form: {words!r} -> {response.status_code} {response.headers.get('Location')}"
    help_page = client.get("/self-referral/urgent-help").get_data(as_text=True)
    for line in ("999", "111", "116 123", "85258"):
        assert line in help_page
    assert 'href="tel:999"' in help_page or "tel:999" in help_page
    events = client.get("/api/v1/safety-events", headers=token(app, "admin")).get_json()["safety_events"]
    assert any(e.get("text") == words and e["risk_level"] == "urgent" for e in events)


def test_possible_risk_asks_directly_and_no_goes_back_to_the_same_page(client):
    started(client)
    words = "depression, some days i dont see the point in living"
    response = client.post(OWN_WORDS, data={"conditions-in-your-own-words": words})
    assert response.headers["Location"].endswith("/self-referral/are-you-safe")
    question = client.get("/self-referral/are-you-safe").get_data(as_text=True)
    assert "ending your life" in question and "116 123" in question
    back = client.post("/self-referral/are-you-safe", data={"safe": "no"})
    assert back.status_code in (302, 303) and back.headers["Location"].endswith(OWN_WORDS)
    page = client.get(OWN_WORDS).get_data(as_text=True)
    assert "dont see the point in living" in page  # what they typed is still there


@pytest.mark.parametrize("words", ["anxiety, and this job search is killing me", "will i loose my benefits if i work",
                                   "im dying to get back to work"])
def test_idioms_on_the_form_carry_on(client, words):
    started(client)
    response = client.post(ANYTHING_ELSE, data={"anything-else": words})
    location = response.headers.get("Location", "")
    assert "urgent-help" not in location and "are-you-safe" not in location, words
