"""Spot checks of the first-round CONTRACT.md names most likely disturbed this session: eligibility's shape
and errors, referral create / read / 404 / idempotency / consent / 422, the reference's shape, FHIR, the
referral report, the tracker's shape and /healthz."""

from __future__ import annotations

import re

import pytest

from .conftest import BIRMINGHAM_SMI, SHEFFIELD_SMI, Chat, referral, token

IDS = {"ips_smi", "ips_dna", "ips_primary_care", "talking_therapies_ea"}


def eligibility(client, facts, **kwargs):
    return client.post("/api/v1/eligibility", json=facts, **kwargs)


def test_eligibility_shape_for_a_birmingham_person_with_anxiety(client):
    response = eligibility(client, {"age": 31, "postcode": "b5 4bu", "conditions": ["anxiety"], "wants_paid_work": True,
                                    "employment_status": "in_work_off_sick"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"ruleset_version", "pathways", "next_question", "signposting"}
    assert {p["id"] for p in body["pathways"]} == IDS
    for p in body["pathways"]:
        assert set(p) >= {"id", "name", "status", "reasons", "missing", "access_route", "services", "available_locally"}
        assert p["status"] in ("eligible", "not_eligible", "needs_information")
        assert p["available_locally"] in (True, False, None)
        for r in p["reasons"]:
            assert set(r) >= {"criterion", "outcome", "explanation", "source"} and r["outcome"] in ("met", "not_met", "unknown")
        for s in p["services"]:
            assert set(s) >= {"id", "name", "phone", "website", "accepts_self_referral"}
        if p["status"] == "needs_information":
            assert p["missing"]
    assert body["next_question"] is None or set(body["next_question"]) >= {"fact", "text"}


def test_an_empty_body_needs_information_never_not_eligible(client):
    body = eligibility(client, {}).get_json()
    assert {p["status"] for p in body["pathways"]} == {"needs_information"}
    assert body["next_question"]["fact"]


def test_cornwall_has_no_primary_care_service_but_eligibility_does_not_depend_on_it(client):
    body = eligibility(client, {"age": 50, "postcode": "TR1 2HE", "conditions": ["physical_health"], "wants_paid_work": True,
                                "right_to_work_uk": True, "employment_status": "out_of_work", "talking_therapies": "none",
                                "in_secondary_mental_health_care": False, "drug_alcohol_treatment": False,
                                "other_dwp_employment_programme": False}).get_json()
    primary = next(p for p in body["pathways"] if p["id"] == "ips_primary_care")
    assert primary["services"] == [] and primary["available_locally"] is False
    assert primary["status"] in ("eligible", "needs_information")


@pytest.mark.parametrize("bad, field", [
    ({"age": "thirty"}, "age"), ({"age": 130}, "age"), ({"postcode": "ZZ99 ZZZ ZZ"}, "postcode"),
    ({"employment_status": "retired"}, "employment_status"), ({"conditions": ["flu"]}, "conditions"),
    ({"talking_therapies": True}, "talking_therapies"),
])
def test_bad_facts_are_400_with_the_error_shape(client, bad, field):
    response = eligibility(client, bad)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message", "fields"} and field in str(error["fields"])


def test_malformed_and_oversized_bodies(client):
    for raw in ("{not json", "[1, 2]", '"text"'):
        response = client.post("/api/v1/eligibility", data=raw, content_type="application/json")
        assert response.status_code == 400 and "error" in response.get_json(), raw
    huge = '{"postcode": "' + "S" * (70 * 1024) + '"}'
    response = client.post("/api/v1/eligibility", data=huge, content_type="application/json")
    assert response.status_code == 413 and "error" in response.get_json()


REFERENCE = re.compile(r"^[A-Z0-9-]{6,16}$")


def test_a_self_referral_is_created_read_and_kept_from_other_services(app, client):
    created = referral(client, phone="07700 900701")
    assert set(created) >= {"reference", "pathway", "status", "service", "next_steps"}
    assert set(created["service"]) >= {"id", "name", "phone", "website"}
    assert created["service"]["id"] == SHEFFIELD_SMI
    ref = created["reference"]
    assert REFERENCE.match(ref)
    random_part = ref.split("-")[-1]
    assert not set(random_part) & set("O0I1L"), ref
    ours, theirs = token(app, "service", SHEFFIELD_SMI), token(app, "service", BIRMINGHAM_SMI)
    assert client.get(f"/api/v1/referrals/{ref}", headers=ours).status_code == 200
    assert client.get(f"/api/v1/referrals/{ref}", headers=theirs).status_code == 404
    assert client.get(f"/api/v1/referrals/{ref}").status_code == 401
    listed = client.get("/api/v1/referrals", headers=theirs).get_json()
    assert ref not in str(listed)
    assert ref in str(client.get("/api/v1/referrals", headers=ours).get_json())
    fhir = client.get(f"/api/v1/referrals/{ref}/fhir", headers=ours).get_json()
    assert fhir["resourceType"] == "Bundle"
    assert any(e.get("resource", {}).get("resourceType") == "ServiceRequest" for e in fhir["entry"])
    counts = client.get("/api/v1/reports/referrals", headers=ours)
    assert counts.status_code == 200


def test_the_same_idempotency_key_gives_the_same_body(client):
    body = {"pathway": "ips_smi", "facts": {"age": 45, "postcode": "S8 0ZZ", "conditions": ["personality_disorder"],
                                             "wants_paid_work": True},
            "person": {"first_name": "Nico", "phone": "+447700900711"}, "consents": {"share_with_service": True}}
    first = client.post("/api/v1/referrals", json=body, headers={"Idempotency-Key": "k-acceptance-711"})
    second = client.post("/api/v1/referrals", json=body, headers={"Idempotency-Key": "k-acceptance-711"})
    assert first.status_code == 201 and second.status_code in (200, 201)
    assert first.get_json() == second.get_json()


def test_no_share_consent_is_400_and_nothing_stored(app, client):
    admin = token(app, "admin")
    before = client.get("/api/v1/referrals", headers=admin).get_json()["count"]
    for consents in ({"share_with_service": False}, {}, {"sms_promotions": True}):
        response = client.post("/api/v1/referrals", json={
            "pathway": "ips_smi", "facts": {"age": 45, "postcode": "S8 0ZZ", "conditions": ["psychosis"]},
            "person": {"first_name": "Nico", "phone": "+447700900712"}, "consents": consents})
        assert response.status_code == 400, consents
    assert client.get("/api/v1/referrals", headers=admin).get_json()["count"] == before


def test_a_pathway_the_facts_rule_out_is_422_with_reasons(client):
    response = client.post("/api/v1/referrals", json={
        "pathway": "ips_smi", "facts": {"age": 45, "postcode": "S8 0ZZ", "conditions": ["psychosis"], "wants_paid_work": False},
        "person": {"first_name": "Nico", "phone": "+447700900713"}, "consents": {"share_with_service": True}})
    assert response.status_code == 422
    assert "wants_paid_work" in str(response.get_json())


def test_a_clinician_referral_with_a_token(app, client):
    created = referral(client, headers=token(app, "clinician"), phone="+447700900714")
    assert REFERENCE.match(created["reference"])


def test_tokens_create_prints_the_token_on_the_last_line(app, client):
    from .conftest import cli

    result = cli(app, ["tokens", "create", "--role", "service", "--service", BIRMINGHAM_SMI])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1].strip()
    response = client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_the_tracker_shape(client):
    person = Chat(client, "tracker-shape-1")
    person.say("hello there")
    person.say("i'd like a job")
    tracker = person.tracker()
    assert set(tracker) >= {"sender_id", "slots", "latest_message", "active_loop"}
    assert tracker["sender_id"] == "tracker-shape-1"
    assert set(tracker["latest_message"]) >= {"text", "intent"}
    assert set(tracker["latest_message"]["intent"]) >= {"name", "confidence"}
    assert tracker["latest_message"]["text"] == "i'd like a job"
    assert "name" in tracker["active_loop"]
    for slot in ("age", "postcode", "conditions", "requested_slot", "consent_share_with_service", "consent_sms",
                 "phone", "first_name", "referral_reference", "risk_level"):
        assert slot in tracker["slots"], slot
    for message in person.replies:
        assert set(message) >= {"recipient_id", "text"}


def test_bot_channel_rejects_a_bad_body_with_the_error_shape(client):
    for body in ({"sender": "x"}, {"message": "hi"}, [], {"sender": "x", "message": 5}):
        response = client.post("/webhooks/rest/webhook", json=body)
        assert response.status_code == 400, body
        assert "error" in response.get_json()


def test_healthz(client):
    assert client.get("/healthz").status_code == 200
