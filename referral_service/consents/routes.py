"""Consent for a referral's person: read current state and history, record a decision, withdraw.

- ``GET  /api/v1/referrals/<ref>/consents`` (service: own, admin, the referring clinician)
- ``POST /api/v1/referrals/<ref>/consents`` — e.g. the separate consent to contact the treatment team,
  recorded by the service after a self-referral; a withdrawal is ``decision: withdrawn``.
- ``POST /api/v1/consents/withdraw`` (public) — the person withdraws with their reference and phone
  number: as easy to withdraw as to give.
"""

from __future__ import annotations

import hmac

import marshmallow as ma
from flask import jsonify
from marshmallow import fields, validate

from consent import DECISIONS, METHODS, PURPOSES, SMS_PROMOTIONS, WITHDRAWN, current_wording, wording

from ..api import Blueprint
from ..auth import current_principal, require_role
from ..db import get_db, write_transaction
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import limiter, public_limit
from ..referrals import service
from ..referrals.references import normalise_reference
from ..referrals.schemas import PhoneField
from ..schemas import ErrorResponseSchema, OpenSchema
from ..storage import audit, consents, referrals

blp = Blueprint("consents", __name__, url_prefix="/api/v1",
                description="Consent: specific to a purpose, recorded with what the person was told, easy to withdraw.")


class ConsentDecisionSchema(ma.Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    wording_version = fields.String(load_default=None, validate=validate.Length(max=40))
    wording_text = fields.String(load_default=None, validate=validate.Length(max=4000))


class WithdrawSchema(ma.Schema):
    reference = fields.String(required=True, validate=validate.Length(min=6, max=16))
    phone = PhoneField(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))


def _subject(referral: dict, purpose: str) -> str:
    if purpose == SMS_PROMOTIONS:
        if not referral["phone_e164"]:
            raise Conflict("There is no phone number on this referral any more.")
        return consents.phone_subject(referral["phone_e164"])
    return consents.referral_subject(referral["reference"])


def _state(db, referral: dict) -> dict:
    current = {}
    for purpose in PURPOSES:
        if purpose == SMS_PROMOTIONS and not referral["phone_e164"]:
            continue
        answer = consents.current_consent(db, _subject(referral, purpose), purpose, referral["service_id"])
        current[purpose] = {"allowed": answer.allowed, "reason": answer.reason,
                            "decision": answer.record.decision if answer.record else None}
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
    """Record a consent decision the person made (granted, refused or withdrawn), with the wording shown.

    Without ``wording_text`` the current wording for the purpose (or the named ``wording_version``) is
    recorded as what the person was told.
    """
    principal = current_principal()
    db = get_db()
    shown = _wording(data)
    referral = service.load_for_change(db, normalise_reference(reference), principal, "consent.record")
    with write_transaction(db):
        consents.record_consent(
            db, subject=_subject(referral, data["purpose"]), purpose=data["purpose"], decision=data["decision"],
            method=data["method"], recorded_by=principal.token_id, wording_version=shown[0], wording_text=shown[1],
            service_id=referral["service_id"], referral_reference=referral["reference"],
        )
        audit.record(db, actor=principal.token_id, role=principal.role,
                     action=f"consent.record:{data['purpose']}:{data['decision']}",
                     target=referral["reference"], service_id=referral["service_id"])
    response = jsonify(_state(db, referral))
    response.status_code = 201
    return response


def _wording(data: dict) -> tuple[str, str]:
    if data["wording_text"]:
        return data["wording_version"] or "custom", data["wording_text"]
    if data["wording_version"]:
        known = wording(data["purpose"], data["wording_version"])
        if known is None:
            raise ValidationFailed(fields={"wording_version": ["Unknown version: send wording_text as well."]})
        return known.version, known.text
    current = current_wording(data["purpose"])
    return current.version, current.text


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
    referral = referrals.get_referral(db, reference)
    phone_matches = bool(referral and referral["phone_e164"]
                         and hmac.compare_digest(referral["phone_e164"], data["phone"]))
    if not phone_matches:
        audit.record(db, actor=None, role=None, action="consent.withdraw", target=reference, outcome="not_found")
        raise NotFound("We could not find a referral with that reference and phone number.")
    with write_transaction(db):
        shown = current_wording(data["purpose"])
        consents.record_consent(
            db, subject=_subject(referral, data["purpose"]), purpose=data["purpose"], decision=WITHDRAWN,
            method="api", recorded_by="self", wording_version=shown.version, wording_text=shown.text,
            service_id=referral["service_id"], referral_reference=reference,
        )
        audit.record(db, actor=None, role=None, action=f"consent.withdraw:{data['purpose']}", target=reference,
                     service_id=referral["service_id"])
    return jsonify({"reference": reference, "purpose": data["purpose"], "decision": WITHDRAWN,
                    "message": "Done. We have recorded that you withdrew this consent. "
                               "Nothing you agreed to before has been deleted from our records of consent."})
