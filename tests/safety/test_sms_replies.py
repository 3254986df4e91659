"""SMS replies at risk (issue 9, CONTRACT.md "Risk first, on every channel"): every inbound text is checked
before any keyword; a text at risk is answered with the crisis lines (999 or A&E, NHS 111 option 2,
Samaritans 116 123, text SHOUT to 85258), appears in GET /api/v1/sms/replies with its risk_level, and is
a safety event for the service(s) that texted the number, with the phone and the words."""

from __future__ import annotations

import logging

import pytest
from twilio.request_validator import RequestValidator

from consent import SMS_PROMOTIONS
from referral_service.db import connect_for, transaction
from referral_service.storage import outbox
from referral_service.storage.consents import current_consent, phone_subject
from referral_service.storage.tokens import create_token

BASE = "http://127.0.0.1:5000"
PHONE = "+447700900101"
CRISIS_LINES = ("999", "A&E", "111", "option 2", "116 123", "SHOUT", "85258")


@pytest.fixture
def db(app):
    database = connect_for(app)
    yield database
    database.close()


def signed(app, client, body, phone=PHONE, sid="SM1"):
    data = {"From": phone, "Body": body, "MessageSid": sid}
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(BASE + "/sms/inbound", data)
    return client.post("/sms/inbound", data=data, headers={"X-Twilio-Signature": signature})


def texted(db, phone=PHONE, service="sheffield-ips-smi", campaign="CMP-1"):
    """The service sent this number a promotion (it reached the provider)."""
    with transaction(db):
        outbox.enqueue(db, [{"campaign_id": campaign, "owner_service_id": service, "service_id": service, "contact_id": 1,
                             "phone_e164": phone, "body": "Hi", "segments": 1}], outbox.iso())
        db.execute("update sms_outbox set status = 'sent' where phone_e164 = ? and service_id = ?", [phone, service])


def bearer(db, role, service=None):
    return {"Authorization": f"Bearer {create_token(db, role, service)[1]}"}


def test_i_want_to_kill_myself_gets_the_crisis_lines_not_the_auto_reply(app, client, db):
    texted(db)
    response = signed(app, client, "i want to kill myself")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    for line in CRISIS_LINES:
        assert line in text.replace("&amp;", "&"), line
    assert "not read straight away" not in text


def test_the_reply_carries_its_risk_level_in_the_service_replies_list(app, client, db):
    texted(db)
    signed(app, client, "i want to kill myself", sid="SM1")
    signed(app, client, "whats the point in living", sid="SM2")
    signed(app, client, "what time do you open", sid="SM3")
    replies = client.get("/api/v1/sms/replies", headers=bearer(db, "service", "sheffield-ips-smi")).json["replies"]
    levels = {r["body"]: r["risk_level"] for r in replies}
    assert levels == {"i want to kill myself": "urgent", "whats the point in living": "check", "what time do you open": None}
    everyone = client.get("/api/v1/sms/replies", headers=bearer(db, "admin")).json["replies"]
    assert {r["risk_level"] for r in everyone} == {"urgent", "check", None}


def test_a_text_at_risk_is_a_safety_event_for_the_service_that_texted_the_number(app, client, db):
    texted(db)
    signed(app, client, "i want to kill myself")
    events = client.get("/api/v1/safety-events", headers=bearer(db, "service", "sheffield-ips-smi")).json
    assert events["count"] == 1
    event = events["safety_events"][0]
    assert event["channel"] == "sms" and event["risk_level"] == "urgent" and event["category"] == "suicidal_thoughts"
    assert event["phone"] == PHONE and event["text"] == "i want to kill myself"
    assert event["service_id"] == "sheffield-ips-smi" and event["reviewed"] is False
    # Another service does not see it.
    other = client.get("/api/v1/safety-events", headers=bearer(db, "service", "birmingham-ips-smi")).json
    assert other["count"] == 0


def test_every_service_that_texted_the_number_gets_its_own_event(app, client, db):
    texted(db, service="sheffield-ips-smi", campaign="CMP-S")
    texted(db, service="birmingham-ips-smi", campaign="CMP-B")
    signed(app, client, "ive been saving up my tablets")
    for service in ("sheffield-ips-smi", "birmingham-ips-smi"):
        events = client.get("/api/v1/safety-events", headers=bearer(db, "service", service)).json["safety_events"]
        assert [(e["service_id"], e["category"]) for e in events] == [(service, "plan_or_means")]


def test_a_number_no_service_texted_is_for_admins_only(app, client, db):
    response = signed(app, client, "this is goodbye", phone="+447700900999")
    assert "116 123" in response.get_data(as_text=True)
    assert client.get("/api/v1/safety-events", headers=bearer(db, "service", "sheffield-ips-smi")).json["count"] == 0
    events = client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["safety_events"]
    assert [(e["service_id"], e["phone"], e["category"]) for e in events] == [(None, "+447700900999", "farewell")]


def test_stop_still_withdraws_consent_and_is_not_a_safety_event(app, client, db):
    texted(db)
    with transaction(db):
        from referral_service.storage.consents import record_consent
        record_consent(db, subject=phone_subject(PHONE), purpose=SMS_PROMOTIONS, decision="granted", method="paper",
                       recorded_by="test", wording_version="t", wording_text="t", service_id="sheffield-ips-smi")
    response = signed(app, client, "STOP")
    assert "no more texts" in response.get_data(as_text=True)
    assert not current_consent(db, phone_subject(PHONE), SMS_PROMOTIONS, "sheffield-ips-smi").allowed
    assert client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["count"] == 0


@pytest.mark.parametrize("body", ["STOP i want to die", "stop texting me i want to kill myself", "END it all tonight"])
def test_a_text_at_risk_with_stop_words_still_gets_crisis_help(app, client, db, body):
    texted(db)
    text = signed(app, client, body).get_data(as_text=True)
    assert "116 123" in text and "85258" in text
    assert client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["count"] == 1


def test_twilio_retrying_the_webhook_records_one_event(app, client, db):
    texted(db)
    for _ in range(3):
        assert "116 123" in signed(app, client, "i want to die", sid="SM-RETRY").get_data(as_text=True)
    assert client.get("/api/v1/safety-events", headers=bearer(db, "admin")).json["count"] == 1


def test_the_words_and_the_phone_never_reach_the_logs(app, client, db, caplog):
    texted(db)
    with caplog.at_level(logging.DEBUG):
        signed(app, client, "im going to jump off the bridge tonight")
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "bridge" not in logged and "900101" not in logged
