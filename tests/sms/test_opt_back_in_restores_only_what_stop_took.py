"""Finding 1 of the outside review (issue 10): a re-opt-in by text restores only what that number's own STOP
took away, and a bare "YES" is an opt-in only as the answer to the question we asked that number.

Consent is specific to a purpose and to whom it was given, and "as easy to withdraw as to give" (NHS England,
*IPS for severe mental illness: guidance for ICSs* (2023), 'Integrating IPS and maximising referrals'): a START
must never turn a refusal, a consent never given, or a withdrawal made another way into a consent.
"""

from __future__ import annotations

from consent import SMS_PROMOTIONS
from referral_service.storage.consents import current_consent, phone_subject, record_consent
from referral_service.storage.tokens import create_token

from .conftest import row
from .test_webhooks import signed

PHONE = "+447700900151"
SHEFFIELD, BIRMINGHAM = "sheffield-ips-smi", "birmingham-ips-smi"


def allowed(db, service, phone=PHONE):
    return current_consent(db, phone_subject(phone), SMS_PROMOTIONS, service).allowed


def text(app, client, body, sid):
    response = signed(app, client, "/sms/inbound", {"From": PHONE, "Body": body, "MessageSid": sid})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def refused_for_birmingham_granted_for_sheffield(import_rows):
    import_rows([row("S1", "07700 900151")], service_id=SHEFFIELD)
    import_rows([row("B1", "07700 900151", postcode="B1 1AA", consent="refused")], service_id=BIRMINGHAM, name="b.csv")


def birmingham_preview(client, db):
    token = create_token(db, "service", BIRMINGHAM)[1]
    auth = {"Authorization": f"Bearer {token}"}
    body = {"service_id": BIRMINGHAM, "name": "Winter", "template": "Hi {first_name}, {service_name} can help: {link}",
            "audience": {"postcode_prefixes": ["B"]}}
    campaign = client.post("/api/v1/campaigns", json=body, headers=auth).json
    return client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=auth).json


def test_yes_after_stop_restores_sheffield_but_never_the_birmingham_refusal(app, client, db, import_rows):
    refused_for_birmingham_granted_for_sheffield(import_rows)
    stop_reply = text(app, client, "STOP", "SM-F1-1")
    assert "YES" in stop_reply  # the question a later bare YES answers
    assert not allowed(db, SHEFFIELD) and not allowed(db, BIRMINGHAM)

    reply = text(app, client, "YES", "SM-F1-2")

    assert allowed(db, SHEFFIELD)
    assert not allowed(db, BIRMINGHAM)
    assert "Sheffield IPS Employment Service" in reply and "Birmingham" not in reply
    preview = birmingham_preview(client, db)
    assert preview["recipients"] == 0
    assert all(s["phone"] != PHONE for s in preview.get("sample", []) if "phone" in s)


def test_start_and_unstop_restore_only_what_the_stop_withdrew(app, client, db, import_rows):
    refused_for_birmingham_granted_for_sheffield(import_rows)
    text(app, client, "stop", "SM-F1-3")
    text(app, client, " Unstop ", "SM-F1-4")
    assert allowed(db, SHEFFIELD) and not allowed(db, BIRMINGHAM)
    text(app, client, "STOP", "SM-F1-5")
    text(app, client, "START", "SM-F1-6")
    assert allowed(db, SHEFFIELD) and not allowed(db, BIRMINGHAM)


def test_a_second_stop_does_not_forget_what_the_first_one_withdrew(app, client, db, import_rows):
    refused_for_birmingham_granted_for_sheffield(import_rows)
    text(app, client, "STOP", "SM-F1-7")
    text(app, client, "END", "SM-F1-8")
    text(app, client, "START", "SM-F1-9")
    assert allowed(db, SHEFFIELD) and not allowed(db, BIRMINGHAM)


def test_start_never_grants_a_service_that_never_had_consent(app, client, db, import_rows):
    import_rows([row("B1", "07700 900151", postcode="B1 1AA", consent="")], service_id=BIRMINGHAM, name="b.csv")
    text(app, client, "STOP", "SM-F1-10")
    reply = text(app, client, "START", "SM-F1-11")
    assert not allowed(db, BIRMINGHAM)
    assert "not agreed" in reply


def test_a_withdrawal_on_the_web_after_the_stop_is_not_undone_by_start(app, client, db, import_rows):
    refused_for_birmingham_granted_for_sheffield(import_rows)
    text(app, client, "STOP", "SM-F1-12")
    with db.conn:
        record_consent(db, subject=phone_subject(PHONE), purpose=SMS_PROMOTIONS, decision="withdrawn", method="api",
                       recorded_by="self", wording_version="2024-1", wording_text="withdrawn on the web",
                       service_id=SHEFFIELD)
    text(app, client, "START", "SM-F1-13")
    assert not allowed(db, SHEFFIELD) and not allowed(db, BIRMINGHAM)


def test_a_bare_yes_that_answers_no_question_of_ours_is_an_ordinary_reply(app, client, db, import_rows):
    import_rows([row("B1", "07700 900151", postcode="B1 1AA", consent="refused")], service_id=BIRMINGHAM, name="b.csv")
    text(app, client, "YES", "SM-F1-14")
    assert not allowed(db, BIRMINGHAM)
    stored = db.execute("select kind, body from sms_inbound where message_sid = 'SM-F1-14'").fetchone()
    assert tuple(stored) == ("other", "YES")


def test_the_stop_records_which_services_it_withdrew(app, client, db, import_rows):
    refused_for_birmingham_granted_for_sheffield(import_rows)
    text(app, client, "STOP", "SM-F1-15")
    from referral_service.storage.consents import consent_history

    stop = [r for r in consent_history(db, phone_subject(PHONE)) if r["method"] == "sms_keyword"][-1]
    assert stop["decision"] == "withdrawn" and stop["service_scope"] == "*"
    assert stop["evidence"]["withdrew_services"] == [SHEFFIELD]
