"""GET /api/v1/referrals/<ref>/fhir: a FHIR R4 Bundle that validates with fhir.resources.R4B."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

from .referral_helpers import make_token, refer


def _resources(bundle: dict) -> dict[str, dict]:
    return {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}


def test_referral_as_a_valid_r4_bundle_with_a_bars_shaped_service_request(app, client):
    reference = refer(client, summary="Keen on warehouse work.")["reference"]
    headers = make_token(app, "service", "sheffield-ips-smi")[1]
    response = client.get(f"/api/v1/referrals/{reference}/fhir", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = response.get_json()
    Bundle.model_validate(bundle)  # raises if not valid R4B
    resources = _resources(bundle)
    assert set(resources) == {"Patient", "Organization", "ServiceRequest", "Consent", "QuestionnaireResponse"}
    request = resources["ServiceRequest"]
    assert request["intent"] == "plan" and request["status"] == "active"
    assert request["category"][0]["coding"][0]["code"] == "3457005"
    assert request["authoredOn"] and request["subject"]["reference"].startswith("urn:uuid:")
    assert request["requester"]["display"] == "Self-referral"
    assert request["performer"][0]["display"] == "Sheffield IPS Employment Service"
    assert [r["coding"][0]["code"] for r in request["reasonCode"]] == ["psychosis"]
    assert request["identifier"][0]["value"] == reference
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert request["supportingInfo"][0]["reference"] in urls
    patient = resources["Patient"]
    assert patient["name"] == [{"given": ["Alex"]}] and patient["telecom"][0]["value"] == "+447700900123"
    assert resources["Consent"]["status"] == "active" and resources["Consent"]["provision"]["type"] == "permit"
    answers = {i["linkId"]: i["answer"] for i in resources["QuestionnaireResponse"]["item"]}
    assert answers["wants_paid_work"] == [{"valueBoolean": True}] and answers["age"] == [{"valueInteger": 30}]


def test_clinician_referral_names_the_requester_not_the_patient(app, client):
    headers = make_token(app, "clinician")[1]
    reference = refer(client, headers=headers, source="gp")["reference"]
    bundle = client.get(f"/api/v1/referrals/{reference}/fhir", headers=headers).get_json()
    requester = _resources(bundle)["ServiceRequest"]["requester"]
    assert "reference" not in requester and requester["display"] == "gp referral"


def test_after_withdrawal_the_bundle_carries_no_personal_details(app, client):
    reference = refer(client)["reference"]
    client.post("/api/v1/consents/withdraw",
                json={"reference": reference, "phone": "07700900123", "purpose": "share_with_service"})
    headers = make_token(app, "admin")[1]
    bundle = client.get(f"/api/v1/referrals/{reference}/fhir", headers=headers).get_json()
    Bundle.model_validate(bundle)
    resources = _resources(bundle)
    assert "QuestionnaireResponse" not in resources
    assert set(resources["Patient"]) == {"resourceType", "id"}
    assert resources["Consent"]["status"] == "inactive" and resources["Consent"]["provision"]["type"] == "deny"
    assert "Alex" not in str(bundle) and "7700" not in str(bundle)
