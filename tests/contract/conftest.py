"""Acceptance checks against /work/shared/CONTRACT.md, as the product's users meet it: black-box, through
the Flask test client and the CLI only (no internal functions but token creation, which CONTRACT.md offers
as `tokens create`). Wordings, personas and dates here are deliberately ones the feature tests do not use.
Synthetic people only: Ofcom drama numbers (+447700900xxx)."""

from __future__ import annotations

import itertools
import re

import pytest
from twilio.request_validator import RequestValidator

from referral_service.cli import main
from referral_service.db import connect_for
from referral_service.storage.tokens import create_token

BOT_TOKEN = "test-bot-token"
SHEFFIELD_SMI = "sheffield-ips-smi"
BIRMINGHAM_SMI = "birmingham-ips-smi"
CRISIS_LINES = ("999", "A&E", "111", "option 2", "116 123", "SHOUT", "85258")
_senders = itertools.count(1)


class Chat:
    """One person on the web chat (Rasa REST channel) and their tracker."""

    def __init__(self, client, sender: str):
        self.client = client
        self.sender = sender
        self.replies: list[dict] = []

    def say(self, message: str) -> list[dict]:
        response = self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": message})
        assert response.status_code == 200, (message, response.status_code, response.get_data(as_text=True)[:300])
        self.replies = response.get_json()
        assert isinstance(self.replies, list)
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.replies)

    @property
    def buttons(self) -> list[dict]:
        return [b for m in self.replies for b in (m.get("buttons") or [])]

    def tracker(self) -> dict:
        response = self.client.get(f"/conversations/{self.sender}/tracker?token={BOT_TOKEN}")
        assert response.status_code == 200
        return response.get_json()

    @property
    def slots(self) -> dict:
        return self.tracker()["slots"]

    @property
    def asked(self):
        return self.slots.get("requested_slot")

    @property
    def loop(self):
        return (self.tracker().get("active_loop") or {}).get("name")


@pytest.fixture
def chat(client):
    def start(prefix: str = "acceptance") -> Chat:
        return Chat(client, f"{prefix}-{next(_senders)}")
    return start


def token(app, role: str, service: str | None = None) -> dict:
    """Authorization headers for a new token (what `referral-service tokens create` makes)."""
    db = connect_for(app)
    try:
        return {"Authorization": f"Bearer {create_token(db, role, service)[1]}"}
    finally:
        db.conn.close()


def cli(app, args: list[str], stdin: str | None = None):
    """The `referral-service` console script, run against this app's database."""
    return app.test_cli_runner().invoke(main, args, input=stdin)


def signed_sms(app, client, body: str, phone: str, sid: str, path: str = "/sms/inbound"):
    """A Twilio webhook exactly as Twilio signs it (PUBLIC_BASE_URL + path, form params)."""
    data = {"From": phone, "To": "+447700900000", "Body": body, "MessageSid": sid, "AccountSid": "AC" + "0" * 32}
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(base + path, data)
    return client.post(path, data=data, headers={"X-Twilio-Signature": signature})


SMI_FACTS = {"age": 41, "postcode": "s11 8ny", "conditions": ["bipolar"], "wants_paid_work": True}


def referral(client, headers=None, facts=None, pathway="ips_smi", phone="+447700900417", name="Morgan", **extra):
    body = {"pathway": pathway, "facts": facts or dict(SMI_FACTS), "person": {"first_name": name, "phone": phone},
            "consents": {"share_with_service": True, "sms_promotions": False}, **extra}
    response = client.post("/api/v1/referrals", json=body, headers=headers or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def csrf_from(response) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"',
                      response.get_data(as_text=True))
    assert found, "the page has no csrf_token field"
    return found.group(1) or found.group(2)
