"""Twilio webhooks: signatures, STOP / START / HELP / anything else, and status callbacks."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from consent import SMS_PROMOTIONS
from referral_service.storage import outbox
from referral_service.storage.consents import current_consent, phone_subject

from .conftest import row

BASE = "http://127.0.0.1:5000"


def signed(app, client, path, data, token=None):
    validator = RequestValidator(token or app.config["TWILIO_AUTH_TOKEN"])
    signature = validator.compute_signature(BASE + path, data)
    return client.post(path, data=data, headers={"X-Twilio-Signature": signature})


def allowed(db, phone, service="sheffield-ips-smi"):
    return current_consent(db, phone_subject(phone), SMS_PROMOTIONS, service).allowed


def queue_one(db, phone="+447700900101"):
    now = outbox.iso()
    with db.conn:
        outbox.enqueue(db, [{"campaign_id": "CMP-X", "owner_service_id": "sheffield-ips-smi", "service_id": "sheffield-ips-smi",
                             "contact_id": 1, "phone_e164": phone, "body": "Hi", "segments": 1}], now)
    return db.execute("select max(id) from sms_outbox").fetchone()[0]


def test_a_bad_signature_is_refused_and_changes_nothing(app, client, db, import_rows):
    import_rows([row("R1", "07700 900101")])
    data = {"From": "+447700900101", "Body": "STOP", "MessageSid": "SM1"}
    response = signed(app, client, "/sms/inbound", data, token="not-the-token")
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert client.post("/sms/inbound", data=data).status_code == 403
    assert allowed(db, "+447700900101")
    assert db.execute("select count(*) from sms_inbound").fetchone()[0] == 0


def test_stop_in_any_case_withdraws_for_every_service_and_confirms(app, client, db, import_rows):
    import_rows([row("R1", "07700 900101")])
    import_rows([row("B1", "07700 900101", postcode="B1 1AA")], service_id="birmingham-ips-smi", name="b.csv")
    response = signed(app, client, "/sms/inbound", {"From": "+447700900101", "Body": "  sToP ", "MessageSid": "SM2"})
    assert response.status_code == 200 and "no more texts" in response.get_data(as_text=True)
    assert not allowed(db, "+447700900101") and not allowed(db, "+447700900101", "birmingham-ips-smi")


def test_a_sentence_containing_stop_is_not_an_opt_out_but_is_stored_and_answered(app, client, db, import_rows):
    import_rows([row("R1", "07700 900101")])
    response = signed(app, client, "/sms/inbound", {"From": "+447700900101", "Body": "please don't stop", "MessageSid": "SM3"})
    assert allowed(db, "+447700900101")
    text = response.get_data(as_text=True)
    assert "111" in text and "STOP" in text
    assert db.execute("select body from sms_inbound where kind = 'other'").fetchone()[0] == "please don't stop"


def test_start_after_stop_opts_back_in(app, client, db, import_rows):
    import_rows([row("R1", "07700 900101")])
    signed(app, client, "/sms/inbound", {"From": "+447700900101", "Body": "STOP", "MessageSid": "SM4"})
    assert not allowed(db, "+447700900101")
    signed(app, client, "/sms/inbound", {"From": "+447700900101", "Body": "unstop", "MessageSid": "SM5"})
    assert allowed(db, "+447700900101")


def test_help_says_who_is_texting_and_how_to_stop(app, client, db):
    queue_one(db)
    with db.conn:
        db.execute("update sms_outbox set status = 'delivered'")
    response = signed(app, client, "/sms/inbound", {"From": "+447700900101", "Body": "help", "MessageSid": "SM6"})
    text = response.get_data(as_text=True)
    assert "Sheffield IPS Employment Service" in text and "STOP" in text


def test_status_callbacks_move_forward_and_a_repeat_changes_nothing(app, client, db):
    outbox_id = queue_one(db)
    with db.conn:
        db.execute("update sms_outbox set status = 'sent', provider_message_id = 'SMabc' where id = ?", [outbox_id])
    path = f"/sms/status?outbox_id={outbox_id}"
    assert signed(app, client, path, {"MessageSid": "SMabc", "MessageStatus": "delivered"}).status_code == 200
    before = dict(outbox.get(db, outbox_id))
    signed(app, client, path, {"MessageSid": "SMabc", "MessageStatus": "delivered"})
    signed(app, client, path, {"MessageSid": "SMabc", "MessageStatus": "sent"})
    assert outbox.get(db, outbox_id) == before
    assert before["status"] == "delivered"


def test_a_status_callback_with_a_forged_query_string_is_refused(app, client, db):
    outbox_id = queue_one(db)
    data = {"MessageSid": "SMabc", "MessageStatus": "delivered"}
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        f"{BASE}/sms/status?outbox_id={outbox_id}", data)
    response = client.post(f"/sms/status?outbox_id={outbox_id + 1}", data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert outbox.get(db, outbox_id)["status"] == "queued"


def test_webhooks_and_campaign_endpoints_are_documented(client):
    paths = client.get("/openapi.json").json["paths"]
    assert "403" in paths["/sms/inbound"]["post"]["responses"]
    assert "403" in paths["/sms/status"]["post"]["responses"]
    for path in ("/api/v1/campaigns", "/api/v1/campaigns/{campaign_id}/preview", "/api/v1/campaigns/{campaign_id}/send"):
        assert path in paths


def test_the_report_page_asks_for_a_token_then_shows_a_chart(client, auth, service_token, import_rows):
    import_rows([row("R1", "07700 900101")])
    body = {"service_id": "sheffield-ips-smi", "name": "Page", "template": "{link}"}
    campaign = client.post("/api/v1/campaigns", json=body, headers=auth).json
    page = client.get(f"/sms/campaigns/{campaign['id']}/report")
    assert page.status_code == 200 and 'name="token"' in page.get_data(as_text=True)
    shown = client.post(f"/sms/campaigns/{campaign['id']}/report", data={"token": service_token}).get_data(as_text=True)
    assert "<svg" in shown and "Self-referrals it produced" in shown
    csv_text = client.get(f"/api/v1/campaigns/{campaign['id']}/report.csv", headers=auth).get_data(as_text=True)
    assert csv_text.startswith("campaign_id,measure,value")
