"""Finding 3 of the outside review (issue 10): after a person withdraws consent to share, the service cannot give
itself access back. A service records a grant only with evidence the person gave it (how, who recorded it, when,
the standard wording version — never its own words), and the person's own withdrawal wins over a grant recorded
by the service alone until the person confirms it through the same reference-and-phone route they withdrew by.

Consent is "recorded with who/when/how/what the person was told, and as easy to withdraw as to give" (NHS England,
*IPS for severe mental illness: guidance for ICSs* (2023), 'Integrating IPS and maximising referrals').
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consent import purposes

from .referral_helpers import make_token, refer

PHONE = "+44 7700 900123"  # the phone in referral_helpers.PERSON


def _service(app):
    return make_token(app, "service", "sheffield-ips-smi")[1]


def _withdraw(client, reference, purpose="share_with_service"):
    response = client.post("/api/v1/consents/withdraw", json={"reference": reference, "phone": PHONE, "purpose": purpose})
    assert response.status_code == 200


def _grant(client, headers, reference, **changes):
    body = {"purpose": "share_with_service", "decision": "granted", "method": "phone",
            "given_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(), "recorded_by": "Employment specialist 4",
            "wording_version": "2024-1"}
    body.update(changes)
    return client.post(f"/api/v1/referrals/{reference}/consents", headers=headers, json=body)


def _sharing(client, headers, reference):
    return client.get(f"/api/v1/referrals/{reference}", headers=headers).get_json()


def test_a_service_cannot_restore_its_own_access_with_wording_it_writes_itself(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    _withdraw(client, reference)
    response = client.post(f"/api/v1/referrals/{reference}/consents", headers=headers, json={
        "purpose": "share_with_service", "decision": "granted", "method": "api",
        "wording_text": "You said we could keep your details."})
    assert response.status_code == 400
    assert _sharing(client, headers, reference)["person"] is None


def test_a_grant_needs_how_when_who_and_a_standard_wording_version(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    for missing in ("given_at", "recorded_by", "wording_version"):
        body = {k: v for k, v in {"given_at": datetime.now(UTC).isoformat(), "recorded_by": "ES 4",
                                  "wording_version": "2024-1"}.items() if k != missing}
        response = client.post(
            f"/api/v1/referrals/{reference}/consents", headers=headers,
            json={"purpose": "contact_treatment_team", "decision": "granted", "method": "phone", **body})
        assert response.status_code == 400 and missing in response.get_json()["error"]["fields"], missing
    assert _grant(client, headers, reference, method="api").status_code == 400
    assert _grant(client, headers, reference, wording_version="our-own-1").status_code == 400
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert _grant(client, headers, reference, given_at=future).status_code == 400


def test_the_persons_withdrawal_wins_over_a_grant_the_service_recorded_alone(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    _withdraw(client, reference)
    response = _grant(client, headers, reference)
    assert response.status_code == 201
    state = response.get_json()["current"]["share_with_service"]
    assert state["allowed"] is False and state["awaiting_person_confirmation"] is True
    body = _sharing(client, headers, reference)
    assert body["sharing"]["allowed"] is False and body["person"] is None


def test_the_person_confirms_the_services_grant_through_the_route_they_withdrew_by(app, client):
    reference = refer(client)["reference"]
    headers = _service(app)
    _withdraw(client, reference)
    _grant(client, headers, reference)
    wrong = client.post("/api/v1/consents/confirm",
                        json={"reference": reference, "phone": "07700 900999", "purpose": "share_with_service"})
    assert wrong.status_code == 404
    assert _sharing(client, headers, reference)["person"] is None
    confirmed = client.post("/api/v1/consents/confirm",
                            json={"reference": reference, "phone": PHONE, "purpose": "share_with_service"})
    assert confirmed.status_code == 200 and confirmed.get_json()["decision"] == "granted"
    assert _sharing(client, headers, reference)["sharing"]["allowed"] is True
    history = client.get(f"/api/v1/referrals/{reference}/consents", headers=headers).get_json()["history"]
    last = [h for h in history if h["purpose"] == "share_with_service"][-1]
    assert last["recorded_by"] == "self" and last["wording_version"] == "2024-1"


def test_there_is_nothing_to_confirm_without_a_grant_the_service_recorded(app, client):
    reference = refer(client)["reference"]
    _withdraw(client, reference)
    response = client.post("/api/v1/consents/confirm",
                           json={"reference": reference, "phone": PHONE, "purpose": "share_with_service"})
    assert response.status_code == 409
    assert _sharing(client, _service(app), reference)["person"] is None


def test_a_service_grant_with_evidence_counts_where_the_person_had_not_withdrawn(app, client):
    # The separate consent to contact the treatment team is the service's to seek (000 'Integrating IPS').
    reference = refer(client)["reference"]
    headers = _service(app)
    response = _grant(client, headers, reference, purpose="contact_treatment_team")
    assert response.status_code == 201
    assert response.get_json()["current"]["contact_treatment_team"]["allowed"] is True
    history = response.get_json()["history"]
    record = [h for h in history if h["purpose"] == "contact_treatment_team"][-1]
    assert record["evidence"]["given_at"] and record["evidence"]["recorded_by_staff"] == "Employment specialist 4"


def test_consent_purposes_are_data_with_their_subject_and_wording():
    assert purposes.get("sms_promotions").subject == "phone"
    assert purposes.get("share_with_service").subject == "referral"
    assert purposes.get("share_with_service").asked_at_referral is True
    assert purposes.get("contact_treatment_team").asked_at_referral is False
    for purpose in purposes.ALL:
        assert purpose.current_wording().text
