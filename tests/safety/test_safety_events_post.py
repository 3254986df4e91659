"""POST /api/v1/safety-events: how a separate Rasa action server records a chat message at risk (issue 9,
CONTRACT.md "The conversation, safe and forgiving": the service has a duty to follow up, so the words and the
phone are kept for it). Only the bot auth token may post; the body is validated; the words and the phone are
in the stored event, never in a log line."""

from __future__ import annotations

import logging

import pytest

from referral_service.db import connect_for
from referral_service.storage.tokens import create_token

BOT = {"Authorization": "Bearer test-bot-token"}
EVENT = {"channel": "chat", "risk_level": "urgent", "category": "self_harm", "reason": "cutting",
         "text": "ive been cutting again tonight", "sender_id": "web-7f3a", "phone": "+447700900321",
         "reference": None, "service_ids": ["sheffield-ips-smi"]}


@pytest.fixture
def db(app):
    database = connect_for(app)
    yield database
    database.close()


def bearer(db, role, service=None):
    return {"Authorization": f"Bearer {create_token(db, role, service)[1]}"}


def test_the_bot_records_a_chat_message_at_risk_and_the_service_sees_it(client, db):
    response = client.post("/api/v1/safety-events", json=EVENT, headers=BOT)
    assert response.status_code == 201
    assert response.json["count"] == 1 and response.json["ids"][0].startswith("se_")
    listed = client.get("/api/v1/safety-events", headers=bearer(db, "service", "sheffield-ips-smi")).json["safety_events"]
    assert [(e["id"], e["channel"], e["risk_level"], e["category"], e["text"], e["phone"], e["sender_id"], e["reviewed"])
            for e in listed] == [(response.json["ids"][0], "chat", "urgent", "self_harm", "ive been cutting again tonight",
                                  "+447700900321", "web-7f3a", False)]
    # Another service does not see it.
    assert client.get("/api/v1/safety-events", headers=bearer(db, "service", "leeds-ips-smi")).json["count"] == 0


def test_one_event_for_each_service_in_touch_and_one_for_admins_when_there_is_none(client, db):
    both = client.post("/api/v1/safety-events", headers=BOT,
                       json={**EVENT, "service_ids": ["sheffield-ips-smi", "leeds-ips-smi"], "risk_level": "check"})
    assert both.status_code == 201 and both.json["count"] == 2
    nobody = client.post("/api/v1/safety-events", headers=BOT, json={**EVENT, "service_ids": [], "phone": None})
    assert nobody.status_code == 201 and nobody.json["count"] == 1
    admin = client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["safety_events"]
    assert sorted((e["service_id"] or "-", e["risk_level"]) for e in admin) == [
        ("-", "urgent"), ("leeds-ips-smi", "check"), ("sheffield-ips-smi", "check")]


def test_the_optional_fields_may_be_left_out_and_the_category_may_be_unknown(client, db):
    response = client.post("/api/v1/safety-events", headers=BOT,
                           json={"channel": "chat", "risk_level": "check", "category": None, "text": "whats the point"})
    assert response.status_code == 201
    event = client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["safety_events"][0]
    assert (event["text"], event["category"], event["phone"], event["service_id"]) == ("whats the point", None, None, None)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-bot-token"},
                                     {"Authorization": "Basic test-bot-token"}, {"Authorization": "Bearer "}])
def test_without_the_bot_token_it_is_401_and_nothing_is_stored(client, db, headers):
    response = client.post("/api/v1/safety-events", json=EVENT, headers=headers)
    assert response.status_code == 401 and set(response.json["error"]) == {"code", "message", "fields"}
    # Checked before the body is read: a bad body without the token is still a 401.
    assert client.post("/api/v1/safety-events", json={"x": 1}, headers=headers).status_code == 401
    assert client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["count"] == 0


def test_an_api_token_is_not_the_bot_token(client, db):
    for role, service in (("admin", None), ("service", "sheffield-ips-smi"), ("clinician", None)):
        assert client.post("/api/v1/safety-events", json=EVENT, headers=bearer(db, role, service)).status_code == 401


@pytest.mark.parametrize("change, field", [
    ({"channel": "sms"}, "channel"),
    ({"channel": None}, "channel"),
    ({"risk_level": "high"}, "risk_level"),
    ({"category": "Self Harm!"}, "category"),
    ({"text": ""}, "text"),
    ({"text": "x" * 4001}, "text"),
    ({"text": 42}, "text"),
    ({"phone": "07700 900321"}, "phone"),
    ({"service_ids": ["no-such-service"]}, "service_ids"),
    ({"service_ids": "sheffield-ips-smi"}, "service_ids"),
    ({"sender_id": "x" * 129}, "sender_id"),
    ({"unexpected": True}, "unexpected"),
])
def test_a_bad_body_is_a_400_naming_the_field(client, db, change, field):
    response = client.post("/api/v1/safety-events", json={**EVENT, **change}, headers=BOT)
    assert response.status_code == 400, response.json
    assert set(response.json["error"]) == {"code", "message", "fields"} and field in response.json["error"]["fields"]
    assert client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["count"] == 0


@pytest.mark.parametrize("missing", ["channel", "risk_level", "category", "text"])
def test_the_required_fields(client, missing):
    body = {k: v for k, v in EVENT.items() if k != missing}
    response = client.post("/api/v1/safety-events", json=body, headers=BOT)
    assert response.status_code == 400 and missing in response.json["error"]["fields"]


def test_a_body_that_is_not_json_is_refused_in_the_error_shape(client):
    response = client.post("/api/v1/safety-events", data="text=help", headers={**BOT, "Content-Type": "text/plain"})
    assert 400 <= response.status_code < 500 and set(response.json["error"]) == {"code", "message", "fields"}


def test_the_words_and_the_phone_are_never_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    assert client.post("/api/v1/safety-events", json=EVENT, headers=BOT).status_code == 201
    assert client.post("/api/v1/safety-events", json={**EVENT, "risk_level": "nope"}, headers=BOT).status_code == 400
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "safety_event_recorded" in logged
    assert "cutting again" not in logged and "7700900321" not in logged


def test_it_is_documented_with_the_bot_token_as_bearer(client):
    operation = client.get("/openapi.json").json["paths"]["/api/v1/safety-events"]["post"]
    assert operation["security"] == [{"bearer": []}]
    assert "BOT_AUTH_TOKEN" in operation["description"]
    assert {"201", "400", "401"} <= set(operation["responses"])
    schema = client.get("/openapi.json").json["components"]["schemas"]["NewSafetyEvent"]
    assert set(schema["required"]) == {"channel", "risk_level", "category", "text"}
    assert schema["properties"]["text"]["maxLength"] == 4000
