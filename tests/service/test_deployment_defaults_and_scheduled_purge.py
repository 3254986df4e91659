"""Finding 6 of the outside review (issue 10): no default secret ships or starts outside development, the SMS
sandbox is for development only, and abandoned chats are purged on a schedule the app runs itself."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from referral_service import create_app
from referral_service.config import from_environment
from referral_service.db import connect_for

DOCKER = Path(__file__).resolve().parents[2] / "docker"
GOOD = {"BOT_AUTH_TOKEN": "a-long-random-bot-token-0123456789", "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32}


def _app(tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "deploy.db"), "RATELIMIT_ENABLED": False,
                       "PUBLIC_BASE_URL": "https://referrals.example.org", **config})


# --- docker/compose.yaml ----------------------------------------------------------------------------------

def _compose_files():
    return sorted(DOCKER.glob("compose*.yaml"))


def test_compose_ships_no_default_or_public_secret():
    for path in _compose_files():
        text = path.read_text()
        for secret in ("change-me", "changeme", "sandbox-auth-token"):
            assert secret not in text, (path.name, secret)


def test_compose_publishes_nothing_on_every_interface_and_the_sandbox_only_for_development():
    base = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert "sms-sandbox" not in base["services"], "the sandbox is development-only: not in the base file"
    assert base["services"]["app"]["environment"]["ENVIRONMENT"] == "production"
    for path in _compose_files():
        for name, service in yaml.safe_load(path.read_text())["services"].items():
            for port in service.get("ports", []):
                assert str(port).startswith("127.0.0.1:"), (path.name, name, port)
            if name == "sms-sandbox":
                assert path.name != "compose.yaml"
    dev = yaml.safe_load((DOCKER / "compose.dev.yaml").read_text())
    assert dev["services"]["app"]["environment"]["ENVIRONMENT"] == "development"


# --- which environment, and what production refuses --------------------------------------------------------

def test_a_laptop_is_development_and_a_public_address_is_production_unless_said_otherwise():
    assert from_environment({})["ENVIRONMENT"] == "development"
    assert from_environment({"PUBLIC_BASE_URL": "http://localhost:8000"})["ENVIRONMENT"] == "development"
    assert from_environment({"PUBLIC_BASE_URL": "https://referrals.example.org"})["ENVIRONMENT"] == "production"
    assert from_environment({"ENVIRONMENT": "production"})["ENVIRONMENT"] == "production"
    with pytest.raises(ValueError, match="ENVIRONMENT"):
        from_environment({"ENVIRONMENT": "staging-ish"})


@pytest.mark.parametrize("setting,value", [
    ("BOT_AUTH_TOKEN", "change-me"), ("BOT_AUTH_TOKEN", ""), ("BOT_AUTH_TOKEN", "x7Kp2"),
    ("TWILIO_AUTH_TOKEN", "sandbox-auth-token"), ("TWILIO_AUTH_TOKEN", ""),
    ("TWILIO_ACCOUNT_SID", "AC" + "0" * 32),
])
def test_the_app_refuses_to_start_in_production_with_a_default_or_empty_secret(tmp_path, setting, value):
    with pytest.raises(RuntimeError, match=setting) as refused:
        _app(tmp_path, ENVIRONMENT="production", **{**GOOD, setting: value})
    assert value not in str(refused.value) or not value  # the message names the setting, never its value


def test_the_app_starts_in_production_with_real_secrets_and_in_development_with_the_defaults(tmp_path):
    assert _app(tmp_path, ENVIRONMENT="production", **GOOD).config["ENVIRONMENT"] == "production"
    assert _app(tmp_path, ENVIRONMENT="development", BOT_AUTH_TOKEN="change-me").config["ENVIRONMENT"] == "development"


def test_the_sms_sandbox_will_not_start_outside_development(tmp_path):
    from referral_service.sms.embedded import start_sandbox

    app = _app(tmp_path, ENVIRONMENT="production", **GOOD)
    with app.app_context():  # as the referral-service command group runs every command
        result = app.test_cli_runner().invoke(args=["sms-sandbox", "--port", "0"])
    assert result.exit_code != 0 and "development" in result.output
    with pytest.raises(RuntimeError, match="development"):
        start_sandbox(app.config, "127.0.0.1", 0)


# --- abandoned chats purged on a schedule ------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _chats(app, *senders, days_idle: float):
    db = connect_for(app)
    moment = time.time() - days_idle * 86400
    with db.transaction():
        for sender in senders:
            db.execute("insert into conversations (sender_id, tracker, created_at, updated_at) values (?, ?, ?, ?)",
                       [sender, json.dumps({"slots": {"first_name": "Alex"}}), moment, moment])
    db.close()


def _senders(app) -> set[str]:
    db = connect_for(app)
    try:
        return {row[0] for row in db.execute("select sender_id from conversations").fetchall()}
    finally:
        db.close()


def _request(client):
    response = client.get("/healthz")
    response.close()  # the purge runs once the answer has been sent


def test_abandoned_chats_are_purged_on_a_schedule_the_app_runs_itself(tmp_path):
    clock = Clock()
    app = _app(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:5000", CHAT_PURGE_INTERVAL_MINUTES=60,
               CHAT_PURGE_CLOCK=clock)
    client = app.test_client()
    _chats(app, "abandoned-1", days_idle=3)
    _chats(app, "today", days_idle=0.01)
    _request(client)
    assert _senders(app) == {"today"}  # the first request after start runs it

    _chats(app, "abandoned-2", days_idle=3)
    clock.now += 59 * 60
    _request(client)
    assert "abandoned-2" in _senders(app)  # at most once an interval

    clock.now += 2 * 60
    _request(client)
    assert _senders(app) == {"today"}


def test_the_scheduled_purge_can_be_turned_off_and_never_runs_in_read_only_mode(tmp_path):
    app = _app(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:5000", CHAT_PURGE_INTERVAL_MINUTES=0)
    _chats(app, "abandoned", days_idle=3)
    _request(app.test_client())
    assert _senders(app) == {"abandoned"}
    read_only = _app(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:5000", DATABASE_READ_ONLY=True)
    response = read_only.test_client().get("/api/v1/eligibility")
    response.close()
    assert _senders(app) == {"abandoned"}
