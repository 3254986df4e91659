"""A referral as a FHIR R4 Bundle (validated with ``fhir.resources.R4B``, wire-compatible with R4).

Shaped after the NHS Booking and Referral Standard's ServiceRequest: ``intent`` plan, ``category``
referral, ``authoredOn``, ``subject``, ``requester``, ``performer``, ``reasonCode``; with the Patient
(only what the person gave), the Consent to share, and a QuestionnaireResponse holding the facts as
``supportingInfo``. Once consent to share is withdrawn the person's details are left out.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from consent import SHARE_WITH_SERVICE
from rules import default_engine

SNOMED = "http://snomed.info/sct"
SYSTEM = "https://referral-service.example.org/fhir"
_UUID_NAMESPACE = uuid.UUID("6f1d2c1e-6b2a-4c39-9f57-1f6b9c1a2e10")
_REQUEST_STATUS = {
    "received": "active", "contacted": "active", "accepted": "active", "first_appointment_attended": "active",
    "declined": "revoked", "closed": "completed",
}
_CONSENT_STATUS = {"granted": "active", "refused": "rejected", "withdrawn": "inactive"}


def _urn(reference: str, kind: str) -> tuple[str, str]:
    identifier = str(uuid.uuid5(_UUID_NAMESPACE, f"{reference}/{kind}"))
    return identifier, f"urn:uuid:{identifier}"


def referral_bundle(referral: dict, sharing, consent_records: list[dict], service: Any | None) -> dict:
    """Build the Bundle as a JSON-ready dict; raise pydantic's ValidationError if it is not valid R4B."""
    ref = referral["reference"]
    shared = sharing.allowed and referral["anonymised_at"] is None
    patient_id, patient_url = _urn(ref, "patient")
    org_id, org_url = _urn(ref, "organization")
    request_id, request_url = _urn(ref, "servicerequest")
    qr_id, qr_url = _urn(ref, "questionnaireresponse")
    consent_id, consent_url = _urn(ref, "consent")
    engine = default_engine()
    pathway = engine.ruleset.pathway(referral["pathway"])
    facts = referral["facts"] if shared else {}

    patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if shared:
        if referral["first_name"]:
            patient["name"] = [{"given": [referral["first_name"]]}]
        if referral["phone_e164"]:
            patient["telecom"] = [{"system": "phone", "value": referral["phone_e164"]}]
        if facts.get("postcode"):
            patient["address"] = [{"postalCode": facts["postcode"]}]

    organization = {
        "resourceType": "Organization", "id": org_id,
        "identifier": [{"system": f"{SYSTEM}/service-id", "value": referral["service_id"]}],
        "name": service.name if service else referral["service_id"],
    }
    if service:
        organization["telecom"] = [{"system": "phone", "value": service.phone}, {"system": "url", "value": service.website}]

    if referral["referrer_role"]:
        requester = {"identifier": {"system": f"{SYSTEM}/token-id", "value": referral["referrer_token_id"]},
                     "display": f"{referral['source'].replace('_', ' ')} referral"}
    else:
        requester = {"reference": patient_url, "display": "Self-referral"}

    service_request: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": request_id,
        "identifier": [{"system": f"{SYSTEM}/referral-reference", "value": ref}],
        "status": _REQUEST_STATUS.get(referral["status"], "unknown"),
        "intent": "plan",
        "category": [{"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}],
        "code": {"coding": [{"system": f"{SYSTEM}/pathway", "code": referral["pathway"],
                             "display": pathway.name if pathway else referral["pathway"]}],
                 "text": pathway.name if pathway else referral["pathway"]},
        "subject": {"reference": patient_url},
        "authoredOn": referral["created_at"],
        "requester": requester,
        "performer": [{"reference": org_url, "display": organization["name"]}],
    }
    if shared and facts.get("conditions"):
        labels = engine.vocabulary.facts["conditions"]
        service_request["reasonCode"] = [
            {"coding": [{"system": f"{SYSTEM}/condition", "code": c}], "text": _value_label(labels, c)}
            for c in facts["conditions"]
        ]
    if shared and referral["summary"]:
        service_request["note"] = [{"text": referral["summary"]}]

    share_records = [r for r in consent_records if r["purpose"] == SHARE_WITH_SERVICE]
    latest = share_records[-1] if share_records else None
    consent = {
        "resourceType": "Consent", "id": consent_id,
        "status": _CONSENT_STATUS.get(latest["decision"], "inactive") if latest else "inactive",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
        "patient": {"reference": patient_url},
        "organization": [{"reference": org_url}],
        "policyRule": {"text": f"Share with the receiving service; wording version "
                               f"{latest['wording_version'] if latest else 'none'}"},
        "provision": {"type": "permit" if sharing.allowed else "deny"},
    }
    if latest:
        consent["dateTime"] = latest["recorded_at"]
    entries = [patient, organization, service_request, consent]
    if shared and facts:
        questionnaire_response = {
            "resourceType": "QuestionnaireResponse", "id": qr_id, "status": "completed",
            "subject": {"reference": patient_url}, "authored": referral["created_at"],
            "item": [_item(engine, name, value) for name, value in facts.items() if not name.startswith("_")],
        }
        service_request["supportingInfo"] = [{"reference": qr_url}]
        entries.append(questionnaire_response)
    urls = {patient_id: patient_url, org_id: org_url, request_id: request_url, qr_id: qr_url, consent_id: consent_url}
    bundle = {
        "resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
        "identifier": {"system": f"{SYSTEM}/referral-reference", "value": ref},
        "entry": [{"fullUrl": urls[e["id"]], "resource": e} for e in entries],
    }
    Bundle.model_validate(bundle)
    return bundle


def _value_label(fact, value) -> str:
    labels = getattr(fact, "value_labels", None) or {}
    return labels.get(value, str(value).replace("_", " "))


def _item(engine, name: str, value: Any) -> dict:
    fact = engine.vocabulary.facts.get(name)
    item: dict[str, Any] = {"linkId": name, "text": (fact.label if fact else name)}
    values = value if isinstance(value, list) else [value]
    answers = []
    for v in values:
        if isinstance(v, bool):
            answers.append({"valueBoolean": v})
        elif isinstance(v, int):
            answers.append({"valueInteger": v})
        else:
            answers.append({"valueString": str(v)})
    item["answer"] = answers
    return item
