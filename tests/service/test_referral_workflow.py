"""The service's side: list and read its own referrals, move them on, record contacts and access."""

from __future__ import annotations

from .referral_helpers import SMI_FACTS, db_rows, make_token, refer


def _service(app):
    return make_token(app, "service", "sheffield-ips-smi")[1]


def test_a_service_lists_and_reads_its_own_referrals_with_the_details_shared(app, client):
    created = refer(client, summary="Would like work outdoors.")
    headers = _service(app)
    listing = client.get("/api/v1/referrals", headers=headers).get_json()
    assert [r["reference"] for r in listing["referrals"]] == [created["reference"]]
    body = client.get(f"/api/v1/referrals/{created['reference']}", headers=headers).get_json()
    assert body["person"] == {"first_name": "Alex", "phone": "+447700900123"}
    assert body["facts"]["conditions"] == ["psychosis"] and body["summary"] == "Would like work outdoors."
    assert body["sharing"]["allowed"] is True and body["status"] == "received"


def test_reference_is_found_whatever_the_case(app, client):
    created = refer(client)
    response = client.get(f"/api/v1/referrals/{created['reference'].lower()}", headers=_service(app))
    assert response.status_code == 200


def test_workflow_moves_forward_and_refuses_to_skip_back(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    for status in ("contacted", "accepted", "first_appointment_attended", "closed"):
        response = client.post(f"/api/v1/referrals/{reference}/status", json={"status": status}, headers=headers)
        assert response.status_code == 200 and response.get_json()["status"] == status
    response = client.post(f"/api/v1/referrals/{reference}/status", json={"status": "accepted"}, headers=headers)
    assert response.status_code == 409 and "closed" in response.get_json()["error"]["message"]
    bad = client.post(f"/api/v1/referrals/{reference}/status", json={"status": "lost"}, headers=headers)
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["fields"]


def test_a_referral_can_be_declined(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    response = client.post(f"/api/v1/referrals/{reference}/status", json={"status": "declined"}, headers=headers)
    assert response.get_json()["status"] == "declined" and response.get_json()["finished_at"]


def test_texts_and_emails_never_count_as_access(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    client.post(f"/api/v1/referrals/{reference}/status", json={"status": "accepted"}, headers=headers)
    for channel in ("sms", "email"):
        body = client.post(f"/api/v1/referrals/{reference}/contacts", json={"channel": channel}, headers=headers)
        assert body.get_json()["counted_as_access"] is False and body.get_json()["accessed_at"] is None


def test_access_is_the_first_clinical_contact_after_agreeing_to_take_part(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    # A phone call before the person has agreed to take part is a contact, not the access.
    early = client.post(f"/api/v1/referrals/{reference}/contacts", json={"channel": "phone"}, headers=headers)
    assert early.get_json()["counted_as_access"] is False and early.get_json()["status"] == "contacted"
    client.post(f"/api/v1/referrals/{reference}/status", json={"status": "accepted"}, headers=headers)
    first = client.post(f"/api/v1/referrals/{reference}/contacts",
                        json={"channel": "video", "occurred_at": "2024-04-02T10:00:00+00:00"}, headers=headers)
    assert first.get_json()["counted_as_access"] is True
    assert first.get_json()["accessed_at"].startswith("2024-04-02T10:00:00")
    second = client.post(f"/api/v1/referrals/{reference}/contacts", json={"channel": "face_to_face"}, headers=headers)
    assert second.get_json()["counted_as_access"] is False
    events = client.get(f"/api/v1/referrals/{reference}", headers=headers).get_json()["events"]
    assert [e["channel"] for e in events if e["kind"] == "contact"] == ["phone", "video", "face_to_face"]
    assert sum(e["counts_as_access"] for e in events) == 1


def test_service_records_separate_consent_to_contact_the_treatment_team(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    before = client.get(f"/api/v1/referrals/{reference}/consents", headers=headers).get_json()
    assert before["current"]["contact_treatment_team"]["allowed"] is False
    response = client.post(f"/api/v1/referrals/{reference}/consents", headers=headers,
                           json={"purpose": "contact_treatment_team", "decision": "granted", "method": "phone",
                                 "given_at": "2026-01-05T10:30:00+00:00", "recorded_by": "Employment specialist 2",
                                 "wording_version": "2024-1"})
    assert response.status_code == 201
    after = response.get_json()
    assert after["current"]["contact_treatment_team"]["allowed"] is True
    assert after["current"]["share_with_service"]["allowed"] is True
    assert {h["purpose"] for h in after["history"]} >= {"share_with_service", "contact_treatment_team"}


def test_withdrawing_consent_to_share_is_reflected_at_once(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    response = client.post("/api/v1/consents/withdraw",
                           json={"reference": reference, "phone": "+44 7700 900123", "purpose": "share_with_service"})
    assert response.status_code == 200 and response.get_json()["decision"] == "withdrawn"
    body = client.get(f"/api/v1/referrals/{reference}", headers=headers).get_json()
    assert body["sharing"]["allowed"] is False and "withdrew" in body["sharing"]["reason"]
    assert body["person"] is None and body["facts"] is None and body["summary"] is None
    history = client.get(f"/api/v1/referrals/{reference}/consents", headers=headers).get_json()["history"]
    assert [h["decision"] for h in history if h["purpose"] == "share_with_service"] == ["granted", "withdrawn"]


def test_withdrawal_needs_the_matching_phone_number(app, client):
    reference = refer(client)["reference"]
    response = client.post("/api/v1/consents/withdraw",
                           json={"reference": reference, "phone": "07700 900999", "purpose": "share_with_service"})
    assert response.status_code == 404
    assert db_rows(app, "select count(*) from consent_records where decision = 'withdrawn'") == [(0,)]


def test_sms_consent_can_be_withdrawn_by_the_service_for_the_person(app, client):
    reference = refer(client, consents={"share_with_service": True, "sms_promotions": True})["reference"]
    headers = _service(app)
    response = client.post(f"/api/v1/referrals/{reference}/consents", headers=headers,
                           json={"purpose": "sms_promotions", "decision": "withdrawn", "method": "paper"})
    assert response.get_json()["current"]["sms_promotions"]["allowed"] is False


def test_admin_can_filter_by_service(app, client):
    refer(client)
    refer(client, facts={**SMI_FACTS, "postcode": "B1 1AA"})
    _, headers = make_token(app, "admin")
    assert client.get("/api/v1/referrals", headers=headers).get_json()["count"] == 2
    assert client.get("/api/v1/referrals?service_id=sheffield-ips-smi", headers=headers).get_json()["count"] == 1
