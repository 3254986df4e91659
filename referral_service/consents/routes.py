"""Consent for a referral's person: read current state and history, record a decision, withdraw.

- ``GET  /api/v1/referrals/<ref>/consents`` (service: own, admin, the referring clinician)
- ``POST /api/v1/referrals/<ref>/consents`` — e.g. the separate consent to contact the treatment team,
  recorded by the service after a self-referral; a withdrawal is ``decision: withdrawn``.
- ``POST /api/v1/consents/withdraw`` (public) — the person withdraws with their reference and phone
  number: as easy to withdraw as to give.
- ``POST /api/v1/consents/confirm`` (public) — the person confirms, by the same route, a grant a service
  recorded for them after they had withdrawn: until then their own withdrawal stays in force.

A service records a grant only with evidence that the person gave it: how (a fixed list), who recorded it,
when the person gave it, and the standard wording version they were shown (consent/wording.py) — never
wording the service writes itself.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

import marshmallow as ma
from flask import jsonify
from marshmallow import fields, validate

from consent import DECISIONS, GRANTED, PURPOSES, WITHDRAWN, purposes, wording
from consent.records import GIVEN_TO_SERVICE_METHODS

from ..api import Blueprint
from ..auth import current_principal, require_role
from ..db import get_db, write_transaction
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import limiter, public_limit
from ..referrals import service
from ..referrals.references import ALPHABET, RANDOM_LENGTH, normalise_reference
from ..referrals.schemas import PhoneField
from ..schemas import ErrorResponseSchema, OpenSchema
from ..storage import audit, consents, referrals

blp = Blueprint("consents", __name__, url_prefix="/api/v1",
                description="Consent: specific to a purpose, recorded with what the person was told, easy to withdraw.")


# A reference as we issue them (prefix letters, a dash, the random part without look-alikes): anything else typed
# into the public form (a phone number, a name) is refused before it can reach a record or the audit log.
PUBLIC_REFERENCE = re.compile(rf"^[A-Z]{{1,4}}-[{ALPHABET}]{{{RANDOM_LENGTH}}}$")
_GRANT_NEEDS = {
    "given_at": "Required when recording a grant: when the person gave their consent.",
    "recorded_by": "Required when recording a grant: who recorded it (name or role of the member of staff).",
    "wording_version": "Required when recording a grant: the standard wording version the person was shown.",
}


class ConsentDecisionSchema(ma.Schema):
    """A decision the person made, recorded by a service or clinician, with the evidence of it.

    Unknown fields are refused: there is no ``wording_text``, the record keeps the standard text of the version.
    """

    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    method = fields.String(required=True, validate=validate.OneOf(GIVEN_TO_SERVICE_METHODS),
                           metadata={"description": "How the person gave or refused it to the service"})
    given_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "When the person gave it (ISO 8601 with offset); required for a grant, not in the future"})
    recorded_by = fields.String(load_default=None, validate=validate.Length(min=1, max=120), metadata={
        "description": "Who recorded it (name or role of the member of staff); required for a grant"})
    wording_version = fields.String(load_default=None, validate=validate.Length(max=40), metadata={
        "description": "The standard wording version the person was shown (consent/wording.py); required for a grant"})

    @ma.validates_schema
    def _evidence_for_a_grant(self, data: dict, **kwargs) -> None:
        problems: dict[str, list[str]] = {}
        if data.get("decision") == GRANTED:
            problems.update({name: [why] for name, why in _GRANT_NEEDS.items() if not data.get(name)})
        if data.get("given_at") and data["given_at"] > datetime.now(UTC):
            problems["given_at"] = ["Must not be in the future."]
        version = data.get("wording_version")
        if version and data.get("purpose") in PURPOSES and wording(data["purpose"], version) is None:
            problems["wording_version"] = ["Not a standard wording version for this purpose."]
        if problems:
            raise ma.ValidationError(problems)


class WithdrawSchema(ma.Schema):
    reference = fields.String(required=True, validate=validate.Length(min=6, max=16))
    phone = PhoneField(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))

    @ma.validates("reference")
    def _reference_shape(self, value: str, **kwargs) -> None:
        if not PUBLIC_REFERENCE.match(normalise_reference(value)):
            raise ma.ValidationError("Enter the reference we gave you, like IS-7K3D9Q.")


def _subject(referral: dict, purpose: str) -> str:
    if purposes.get(purpose).subject == purposes.PHONE:
        if not referral["phone_e164"]:
            raise Conflict("There is no phone number on this referral any more.")
        return consents.phone_subject(referral["phone_e164"])
    return consents.referral_subject(referral["reference"])


def _state(db, referral: dict) -> dict:
    current = {}
    for purpose in PURPOSES:
        if purposes.get(purpose).subject == purposes.PHONE and not referral["phone_e164"]:
            continue
        subject = _subject(referral, purpose)
        answer = consents.current_consent(db, subject, purpose, referral["service_id"])
        pending = consents.pending_confirmation(db, subject, purpose, referral["service_id"])
        current[purpose] = {"allowed": answer.allowed, "reason": answer.reason,
                            "decision": answer.record.decision if answer.record else None,
                            "awaiting_person_confirmation": pending is not None}
        if pending is not None:
            current[purpose]["reason"] += (" A grant recorded since by the service waits for the person to confirm it "
                                           "with their reference and phone number.")
    history = consents.consent_history(db, consents.referral_subject(referral["reference"]))
    if referral["phone_e164"]:
        history += [r for r in consents.consent_history(db, consents.phone_subject(referral["phone_e164"]))
                    if r["service_scope"] in ("*", referral["service_id"])]
    for record in history:
        # The API names the referral, not the phone number, as the subject.
        record["subject"] = "phone" if record["subject"].startswith("phone:") else record["subject"]
    history.sort(key=lambda r: (r["recorded_at"], r["id"]))
    return {"reference": referral["reference"], "service_id": referral["service_id"], "current": current,
            "history": history}


class ConsentStateSchema(OpenSchema):
    reference = fields.String(required=True)
    service_id = fields.String(allow_none=True)
    current = fields.Raw()
    history = fields.List(fields.Dict())


class WithdrawnSchema(OpenSchema):
    reference = fields.String(required=True)
    purpose = fields.String(required=True)
    decision = fields.String(required=True)


@blp.route("/referrals/<reference>/consents", methods=["GET"])
@require_role("service", "admin", "clinician")
@blp.alt_response(401, schema=ErrorResponseSchema)
@blp.alt_response(403, schema=ErrorResponseSchema)
@blp.alt_response(404, schema=ErrorResponseSchema)
@blp.response(200, ConsentStateSchema)
def read_consents(reference: str):
    """The person's current consent per purpose (with a reason) and the full history."""
    principal = current_principal()
    db = get_db()
    referral = service.load_for(db, normalise_reference(reference), principal, "consent.read")
    audit.record(db, actor=principal.token_id, role=principal.role, action="consent.read",
                 target=referral["reference"], service_id=referral["service_id"])
    return jsonify(_state(db, referral))


@blp.route("/referrals/<reference>/consents", methods=["POST"])
@require_role("service", "admin", "clinician")
@blp.arguments(ConsentDecisionSchema, location="json", as_kwargs=False)
@blp.alt_response(400, schema=ErrorResponseSchema)
@blp.alt_response(401, schema=ErrorResponseSchema)
@blp.alt_response(403, schema=ErrorResponseSchema)
@blp.alt_response(404, schema=ErrorResponseSchema)
@blp.alt_response(409, schema=ErrorResponseSchema)
@blp.response(201, ConsentStateSchema)
def record_decision(data: dict, reference: str):
    """Record a consent decision the person made (granted, refused or withdrawn) with the evidence of it.

    A grant needs how the person gave it (``method``), who recorded it (``recorded_by``), when the person gave it
    (``given_at``) and the standard wording version they were shown (``wording_version``). A grant recorded after
    the person's own withdrawal waits for the person to confirm it (``POST /api/v1/consents/confirm``).
    Without ``wording_version`` a refusal or withdrawal keeps the current standard wording.
    """
    principal = current_principal()
    db = get_db()
    shown = _wording(data)
    referral = service.load_for_change(db, normalise_reference(reference), principal, "consent.record")
    evidence = {"given_at": (data["given_at"] or datetime.now(UTC)).astimezone(UTC).isoformat(),
                "recorded_by_staff": data["recorded_by"], "recorded_with_token": principal.token_id}
    with write_transaction(db):
        consents.record_consent(
            db, subject=_subject(referral, data["purpose"]), purpose=data["purpose"], decision=data["decision"],
            method=data["method"], recorded_by=principal.token_id, wording_version=shown.version,
            wording_text=shown.text, service_id=referral["service_id"], referral_reference=referral["reference"],
            evidence=evidence,
        )
        audit.record(db, actor=principal.token_id, role=principal.role,
                     action=f"consent.record:{data['purpose']}:{data['decision']}",
                     target=referral["reference"], service_id=referral["service_id"])
    response = jsonify(_state(db, referral))
    response.status_code = 201
    return response


def _wording(data: dict):
    if data["wording_version"]:
        known = wording(data["purpose"], data["wording_version"])
        if known is None:  # the schema checks it; kept so no path can record words we never showed
            raise ValidationFailed(fields={"wording_version": ["Not a standard wording version for this purpose."]})
        return known
    return purposes.get(data["purpose"]).current_wording()


@blp.route("/consents/withdraw", methods=["POST"])
@limiter.limit(public_limit("consent_withdraw"))
@blp.arguments(WithdrawSchema, location="json", as_kwargs=False)
@blp.alt_response(400, schema=ErrorResponseSchema)
@blp.alt_response(404, schema=ErrorResponseSchema)
@blp.alt_response(429, schema=ErrorResponseSchema)
@blp.response(200, WithdrawnSchema)
def withdraw(data: dict):
    """The person withdraws a consent with their reference number and phone number. History is kept."""
    db = get_db()
    reference = normalise_reference(data["reference"])
    referral = _referral_for_person(db, reference, data["phone"], "consent.withdraw")
    with write_transaction(db):
        shown = purposes.get(data["purpose"]).current_wording()
        consents.record_consent(
            db, subject=_subject(referral, data["purpose"]), purpose=data["purpose"], decision=WITHDRAWN,
            method="api", recorded_by="self", wording_version=shown.version, wording_text=shown.text,
            service_id=referral["service_id"], referral_reference=reference,
            evidence={"route": "reference_and_phone"},
        )
        audit.record(db, actor=None, role=None, action=f"consent.withdraw:{data['purpose']}", target=reference,
                     service_id=referral["service_id"])
    return jsonify({"reference": reference, "purpose": data["purpose"], "decision": WITHDRAWN,
                    "message": "Done. We have recorded that you withdrew this consent. "
                               "Nothing you agreed to before has been deleted from our records of consent."})


def _referral_for_person(db, reference: str, phone: str, action: str) -> dict:
    """The referral whose reference and phone number the person gave; 404 (audited, reference only) otherwise."""
    referral = referrals.get_referral(db, reference)
    phone_matches = bool(referral and referral["phone_e164"] and hmac.compare_digest(referral["phone_e164"], phone))
    if not phone_matches:
        # The reference has been checked against the shape we issue, so it is not free text.
        audit.record(db, actor=None, role=None, action=action, target=reference, outcome="not_found")
        raise NotFound("We could not find a referral with that reference and phone number.")
    return referral


class ConfirmedSchema(OpenSchema):
    reference = fields.String(required=True)
    purpose = fields.String(required=True)
    decision = fields.String(required=True)


@blp.route("/consents/confirm", methods=["POST"])
@limiter.limit(public_limit("consent_confirm"))
@blp.arguments(WithdrawSchema, location="json", as_kwargs=False)
@blp.alt_response(400, schema=ErrorResponseSchema)
@blp.alt_response(404, schema=ErrorResponseSchema)
@blp.alt_response(409, schema=ErrorResponseSchema, description="Nothing is waiting for the person's confirmation")
@blp.alt_response(429, schema=ErrorResponseSchema)
@blp.response(200, ConfirmedSchema)
def confirm(data: dict):
    """The person confirms, with their reference and phone number, a consent a service recorded for them after they
    had withdrawn it. Until they do, their own withdrawal stays in force."""
    db = get_db()
    reference = normalise_reference(data["reference"])
    referral = _referral_for_person(db, reference, data["phone"], "consent.confirm")
    subject = _subject(referral, data["purpose"])
    with write_transaction(db):
        pending = consents.pending_confirmation(db, subject, data["purpose"], referral["service_id"])
        if pending is None:
            raise Conflict("There is no consent waiting for you to confirm. To give consent again, contact the service.")
        consents.record_consent(
            db, subject=subject, purpose=data["purpose"], decision=GRANTED, method="self_service", recorded_by="self",
            wording_version=pending["wording_version"], wording_text=pending["wording_text"],
            service_id=referral["service_id"], referral_reference=reference,
            evidence={"route": "reference_and_phone", "confirms_record": pending["id"]},
        )
        audit.record(db, actor=None, role=None, action=f"consent.confirm:{data['purpose']}", target=reference,
                     service_id=referral["service_id"])
    return jsonify({"reference": reference, "purpose": data["purpose"], "decision": GRANTED,
                    "message": "Done. We have recorded that you agreed to this again. You can withdraw it at any time."})
