"""The same actions in a real rasa-sdk action server: ``python -m rasa_sdk --actions bot.actions``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.engine.domain import load_domain

from ..processes import wait_for_http

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def action_server():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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


def _call(url: str, action: str, slots: dict, events: list, intent: str = "inform", text: str = "") -> dict:
    tracker = {"sender_id": "server-test", "slots": {name: None for name in load_domain()["slots"]} | slots,
               "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
               "events": events, "paused": False, "followup_action": None, "active_loop": {"name": "eligibility_form"},
               "latest_action_name": "action_listen"}
    body = json.dumps({"next_action": action, "sender_id": "server-test", "tracker": tracker,
                       "domain": load_domain(), "version": "3.21.1"}).encode()
    request = urllib.request.Request(url + "/webhook", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_action_server_lists_our_actions(action_server):
    with urllib.request.urlopen(action_server + "/actions", timeout=10) as response:
        names = {a["name"] for a in json.loads(response.read())}
    assert {"validate_eligibility_form", "validate_referral_form", "action_check_eligibility",
            "action_submit_referral", "action_answer_faq", "action_crisis_support"} <= names


def test_the_action_server_validates_a_free_text_answer(action_server):
    result = _call(action_server, "validate_eligibility_form",
                   {"wants_paid_work": True, "conditions": ["psychosis"], "age": "I'm 34", "requested_slot": "age"},
                   [{"event": "user", "text": "I'm 34"}, {"event": "slot", "name": "age", "value": "I'm 34"}], text="I'm 34")
    slots = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert slots["age"] == 34
    assert slots["requested_slot"] == "drug_alcohol_treatment"


def test_the_action_server_explains_the_options(action_server):
    result = _call(action_server, "action_check_eligibility",
                   {"wants_paid_work": True, "conditions": ["psychosis"], "age": 34, "drug_alcohol_treatment": False,
                    "postcode": "S1 2AB"}, [])
    assert "IPS for severe mental illness" in " ".join(r.get("text") or "" for r in result["responses"])
    assert {"event": "followup", "name": "referral_form"}.items() <= next(
        e for e in result["events"] if e["event"] == "followup").items()
