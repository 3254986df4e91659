"""POST /api/v1/referrals: consent first, the rules decide, the directory routes, retries are safe."""

from __future__ import annotations

import re

import pytest

from referral_service.referrals.references import ALPHABET, new_reference

from .referral_helpers import SMI_FACTS, db_rows, make_token, refer, referral_body


def test_self_referral_gets_a_reference_the_local_service_and_what_happens_next(client):
    body = refer(client)
    assert set(body) >= {"reference", "pathway", "status", "service", "next_steps"}
    assert body["pathway"] == "ips_smi" and body["status"] == "received" and body["source"] == "self"
    assert body["service"] == {"id": "sheffield-ips-smi", "name": "Sheffield IPS Employment Service",
                               "phone": "0114 496 0001", "website": "https://sheffield-ips.example.org"}
    assert "contact you" in body["next_steps"]


def test_reference_is_short_and_has_no_look_alike_characters():
    for _ in range(500):
        reference = new_reference("ips_smi")
        assert re.fullmatch(r"[A-Z0-9-]{6,16}", reference)
        assert not set(reference.split("-", 1)[1]) & set("O0I1L")
    assert not set(ALPHABET) & set("O0I1L")


def test_birmingham_postcode_goes_to_the_birmingham_service(client):
    body = refer(client, facts={**SMI_FACTS, "postcode": "B1 1AA"})
    assert body["service"]["id"] != "sheffield-ips-smi" and "irmingham" in body["service"]["name"]


def test_without_consent_to_share_the_referral_is_refused_and_nothing_is_stored(app, client):
    for consents in ({"share_with_service": False}, {}, {"sms_promotions": True}):
        response = client.post("/api/v1/referrals", json=referral_body(consents=consents))
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert "consents.share_with_service" in error["fields"] and "agrees to share" in error["message"]
    assert db_rows(app, "select count(*) from referrals") == [(0,)]
    assert db_rows(app, "select count(*) from consent_records") == [(0,)]


def test_a_pathway_the_facts_rule_out_is_refused_with_the_reasons(app, client):
    facts = {**SMI_FACTS, "wants_paid_work": False}
    response = client.post("/api/v1/referrals", json=referral_body(facts=facts))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "not_eligible"
    assert [r["criterion"] for r in error["reasons"]] == ["wants_paid_work"]
    assert all(r["explanation"] and r["source"] for r in error["reasons"])
    assert db_rows(app, "select count(*) from referrals") == [(0,)]


def test_needs_information_is_accepted_because_the_service_will_ask(client):
    body = refer(client, facts={"conditions": ["psychosis"], "postcode": "S1 2AB"})
    assert body["status"] == "received"


def test_no_postcode_asks_for_one_and_signposts(client):
    facts = {k: v for k, v in SMI_FACTS.items() if k != "postcode"}
    response = client.post("/api/v1/referrals", json=referral_body(facts=facts))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "postcode_needed" and "postcode" in error["message"]
    assert error["access_route"] and error["signposting"]


def test_no_local_service_says_so_with_national_help(client):
    facts = {"conditions": ["anxiety"], "age": 40, "right_to_work_uk": True, "wants_paid_work": True,
             "other_dwp_employment_programme": False, "postcode": "TR1 1AA"}
    response = client.post("/api/v1/referrals", json=referral_body(pathway="ips_primary_care", facts=facts))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "no_local_service" and "no" in error["message"].lower()
    assert {"Access to Work", "Jobcentre Plus"} <= {s["name"] for s in error["signposting"]}


def test_self_referral_to_a_service_that_takes_none_explains_the_route(client):
    facts = {"conditions": ["anxiety"], "talking_therapies": "in_treatment", "postcode": "S1 2AB"}
    response = client.post("/api/v1/referrals", json=referral_body(pathway="talking_therapies_ea", facts=facts))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "self_referral_not_accepted"
    assert "Talking Therapies" in error["message"] and error["service"]["phone"]


def test_chosen_service_must_run_the_pathway(client):
    response = client.post("/api/v1/referrals", json=referral_body(service_id="south-yorkshire-ips-primary-care"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "service_does_not_provide_pathway"
    response = client.post("/api/v1/referrals", json=referral_body(service_id="no-such-service"))
    assert response.status_code == 400 and "service_id" in response.get_json()["error"]["fields"]


def test_chosen_service_must_cover_the_postcode(client):
    response = client.post("/api/v1/referrals", json=referral_body(service_id="doncaster-ips-smi"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "service_does_not_cover_postcode"


def test_clinician_referral_records_the_referrer_and_may_say_gp(app, client):
    token_id, headers = make_token(app, "clinician")
    body = refer(client, headers=headers, source="gp")
    assert body["source"] == "gp"
    assert db_rows(app, "select referrer_token_id, referrer_role from referrals") == [(token_id, "clinician")]
    # A clinician referral may go to a service that takes no self-referrals.
    facts = {"conditions": ["anxiety"], "talking_therapies": "in_treatment", "postcode": "S1 2AB"}
    assert refer(client, headers=headers, pathway="talking_therapies_ea", facts=facts)["service"]["id"] == \
        "sheffield-talking-therapies-ea"


def _sheffield_campaign(app, client) -> str:
    _, headers = make_token(app, "service", "sheffield-ips-smi")
    body = {"service_id": "sheffield-ips-smi", "name": "Spring", "template": "Hi {first_name}: {link}"}
    return client.post("/api/v1/campaigns", json=body, headers=headers).get_json()["id"]


def test_sms_campaign_self_referral_keeps_the_campaign(app, client):
    campaign = _sheffield_campaign(app, client)
    body = refer(client, source="sms_campaign", campaign_id=campaign, summary="Wants part-time work in a shop.")
    assert body["source"] == "sms_campaign"
    assert db_rows(app, "select campaign_id, phone_e164, summary from referrals") == [
        (campaign, "+447700900123", "Wants part-time work in a shop.")]


@pytest.mark.parametrize(("changes", "field"), [
    ({"source": "clinician"}, "source"),
    ({"source": "friend"}, "source"),
    ({"summary": "x" * 2001}, "summary"),
    ({"person": {"first_name": "Alex", "phone": "not a phone"}}, "person.phone"),
    ({"person": {"first_name": "Alex"}}, "person.phone"),
    ({"pathway": "ips_everything"}, "pathway"),
    ({"facts": {"age": "thirty"}}, "facts.age"),
    ({"facts": {"postcode": "nowhere"}}, "facts.postcode"),
    ({"facts": {"ethnicity": "Q"}}, "facts.ethnicity"),
    ({"colour": "blue"}, "colour"),
    ({"consents": {"share_with_service": True, "contact_treatment_team": True}}, "consents.contact_treatment_team"),
    ({"campaign_id": "cmp_1", "source": "self"}, "campaign_id"),
])
def test_bad_input_gets_a_400_in_the_one_error_shape(app, client, changes, field):
    response = client.post("/api/v1/referrals", json=referral_body(**changes))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message", "fields"} and field in error["fields"], error
    assert db_rows(app, "select count(*) from referrals") == [(0,)]


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'{"pathway": NaN}', b"\xff\xfe"])
def test_malformed_bodies_get_a_400_never_a_500(client, raw):
    response = client.post("/api/v1/referrals", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_oversized_body_is_413(client):
    response = client.post("/api/v1/referrals", data=b'{"summary": "' + b"x" * 70000 + b'"}',
                           content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"


def test_service_and_admin_tokens_do_not_make_referrals(app, client):
    for role, service in (("service", "sheffield-ips-smi"), ("admin", None)):
        _, headers = make_token(app, role, service)
        assert client.post("/api/v1/referrals", json=referral_body(), headers=headers).status_code == 403


def test_a_revoked_or_unknown_token_is_401_not_a_silent_self_referral(client):
    response = client.post("/api/v1/referrals", json=referral_body(), headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_retry_with_the_same_key_returns_the_same_answer_and_one_referral(app, client):
    first = client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": "retry-1"})
    again = client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": "retry-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db_rows(app, "select count(*) from referrals") == [(1,)]


def test_same_key_with_a_different_request_is_a_clear_conflict(app, client):
    client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": "retry-2"})
    other = referral_body(summary="Something else")
    response = client.post("/api/v1/referrals", json=other, headers={"Idempotency-Key": "retry-2"})
    assert response.status_code == 409
    assert "different request" in response.get_json()["error"]["message"]
    assert db_rows(app, "select count(*) from referrals") == [(1,)]


def test_the_consent_given_is_recorded_with_the_wording_shown(app, client):
    body = refer(client, consents={"share_with_service": True, "sms_promotions": True})
    rows = db_rows(app, "select subject, purpose, decision, method, service_scope, wording_version, wording_text "
                        "from consent_records order by id")
    assert rows[0][:5] == (f"referral:{body['reference']}", "share_with_service", "granted", "web_chat",
                           "sheffield-ips-smi")
    assert rows[0][5] and "share" in rows[0][6]
    assert rows[1][:3] == ("phone:+447700900123", "sms_promotions", "granted")
