"""A separate rasa-sdk action server records chat safety events in the referral service over HTTP
(bot.client.HttpReferralClient → POST /api/v1/safety-events with the bot auth token), so the service can
follow the person up as it does for the embedded chat (issue 9 §3; CONTRACT.md "Risk first, on every channel")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.client import HttpReferralClient, safety_event_body
from bot.engine.domain import load_domain
from referral_service import create_app
from referral_service.db import connect_for
from referral_service.storage.tokens import create_token

from ..live_server import LiveServer, free_port
from ..processes import wait_for_http

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="module")
def action_server(service):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REFERRAL_SERVICE_URL": service.url,
           "BOT_AUTH_TOKEN": service.env["BOT_AUTH_TOKEN"]}
    process = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/health", what="the rasa-sdk action server", process=process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _admin_events(service: LiveServer) -> list[dict]:
    app = create_app({"DATABASE_PATH": service.database_path, "BOT_AUTH_TOKEN": "unused"})
    db = connect_for(app)
    try:
        secret = create_token(db, "admin")[1]
    finally:
        db.close()
    request = urllib.request.Request(service.url + "/api/v1/safety-events", headers={"Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["safety_events"]


def test_the_crisis_action_in_a_separate_action_server_records_the_event(service, action_server):
    slots = {name: None for name in load_domain()["slots"]} | {
        "risk_category": "suicidal_thoughts", "risk_reason": "kill myself", "campaign_service_id": "sheffield-ips-smi"}
    tracker = {"sender_id": "web-action-server", "slots": slots,
               "latest_message": {"text": "i want to kill myself tonight", "intent": {"name": "inform", "confidence": 1.0},
                                  "entities": []},
               "events": [], "paused": False, "followup_action": None, "active_loop": {"name": "eligibility_form"},
               "latest_action_name": "action_listen"}
    body = json.dumps({"next_action": "action_crisis_support", "sender_id": "web-action-server", "tracker": tracker,
                       "domain": load_domain(), "version": "3.21.1"}).encode()
    request = urllib.request.Request(action_server + "/webhook", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        result = json.loads(response.read())
    assert [r.get("response") for r in result["responses"]] == ["utter_crisis"]
    events = [e for e in _admin_events(service) if e["sender_id"] == "web-action-server"]
    assert [(e["channel"], e["risk_level"], e["category"], e["text"], e["service_id"]) for e in events] == [
        ("chat", "urgent", "suicidal_thoughts", "i want to kill myself tonight", "sheffield-ips-smi")]


def test_the_http_client_keeps_the_event_even_when_a_field_would_be_refused(service):
    client = HttpReferralClient(service.url)
    os.environ["BOT_AUTH_TOKEN"], saved = service.env["BOT_AUTH_TOKEN"], os.environ.get("BOT_AUTH_TOKEN")
    try:
        # A long outpouring, and a phone slot not in E.164 form: the words are cut, the phone left out.
        client.record_safety_event({"channel": "chat", "risk_level": "check", "category": None, "sender_id": "web-long",
                                    "text": "whats the point " * 400, "phone": "0121 496 0123", "service_ids": [None]})
    finally:
        os.environ.pop("BOT_AUTH_TOKEN") if saved is None else os.environ.__setitem__("BOT_AUTH_TOKEN", saved)
    event = next(e for e in _admin_events(service) if e["sender_id"] == "web-long")
    assert len(event["text"]) == 4000 and event["text"].startswith("whats the point") and event["phone"] is None


def test_the_http_client_is_refused_without_the_token(service):
    client = HttpReferralClient(service.url)
    saved = os.environ.pop("BOT_AUTH_TOKEN", None)
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            client.record_safety_event({"channel": "chat", "risk_level": "urgent", "category": "self_harm", "text": "x"})
    finally:
        if saved is not None:
            os.environ["BOT_AUTH_TOKEN"] = saved
    assert refused.value.code == 401


def test_the_body_sent_has_only_the_fields_the_endpoint_takes():
    body = safety_event_body({"channel": "chat", "risk_level": "urgent", "category": "self_harm", "text": "help",
                              "conversation_id": "abc", "phone": "+447700900123", "service_ids": ["b", "a", "a"]})
    assert body == {"channel": "chat", "risk_level": "urgent", "category": "self_harm", "text": "help",
                    "phone": "+447700900123", "service_ids": ["a", "b"]}
