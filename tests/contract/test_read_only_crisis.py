"""'Risk first, on every channel … before anything else' (CONTRACT.md) holds in read-only maintenance
(DATABASE_READ_ONLY=true, issue 10 finding 5) too: nothing may be saved, but a person at risk still gets the
crisis help on the chat, the no-JS form and by text."""

from __future__ import annotations

import pytest

from referral_service import create_app

from .conftest import CRISIS_LINES, signed_sms

WORDS = "i want to kill myself tonight"


@pytest.fixture
def maintenance(app):
    return create_app({"TESTING": True, "DATABASE_PATH": app.config["DATABASE_PATH"], "BOT_AUTH_TOKEN": "test-bot-token",
                       "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
                       "DATABASE_READ_ONLY": True})


def test_reads_still_work_and_healthz_says_writes_are_off(maintenance):
    health = maintenance.test_client().get("/healthz")
    assert health.get_json().get("writes") is False


def test_the_chat_still_gives_the_crisis_help(maintenance):
    response = maintenance.test_client().post("/webhooks/rest/webhook", json={"sender": "ro-1", "message": WORDS})
    replies = response.get_json() if response.status_code == 200 else []
    text = " ".join(m.get("text") or "" for m in replies)
    for line in CRISIS_LINES:
        assert line in text, f"{response.status_code}: {str(response.get_json())[:160]}"


def test_a_text_still_gets_the_crisis_lines(maintenance):
    client = maintenance.test_client()
    response = signed_sms(maintenance, client, WORDS, "+447700900889", "SM" + "9" * 32)
    text = response.get_data(as_text=True).replace("&amp;", "&")
    for line in CRISIS_LINES:
        assert line in text, f"{response.status_code}: {text[:160]}"


def test_the_form_still_gives_the_crisis_help(maintenance):
    client = maintenance.test_client()
    client.get("/self-referral/start")
    response = client.post("/self-referral/anything-else", data={"anything-else": WORDS})
    assert response.headers["Location"].endswith("/self-referral/urgent-help")
    assert "116 123" in client.get("/self-referral/urgent-help").get_data(as_text=True)
