"""/api/v1/referrals — create (self or clinician), list, read, workflow, contacts, FHIR."""

from __future__ import annotations

from flask import jsonify, request

from ..api import Blueprint
from ..auth import current_principal, optional_principal, require_role
from ..db import get_db, write_transaction
from ..errors import Conflict
from ..extensions import exempt_from_public_limits, limiter, public_limit
from ..schemas import ErrorResponseSchema
from ..storage import audit, referrals
from . import service
from .references import normalise_reference
from .schemas import (
    ContactSchema,
    FhirBundleSchema,
    ListQuerySchema,
    ReferralCreatedSchema,
    ReferralDetailViewSchema,
    ReferralListSchema,
    ReferralRequestSchema,
    ReferralSummaryViewSchema,
    StatusChangeSchema,
)

blp = Blueprint("referrals", __name__, url_prefix="/api/v1",
                description="Referrals: self-referral with consent, clinician referral, and the service's workflow.")

_ERRORS = {
    400: "Bad input, or no consent to share with the service",
    401: "No valid token",
    403: "The token's role does not allow this",
    404: "No such referral that you can see",
}


def _errors(*codes):
    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, schema=ErrorResponseSchema, description=_ERRORS.get(code, ""))(view)
        return view
    return decorate


@blp.route("/referrals", methods=["POST"])
# Public self-referral is rate limited per address; token holders are not (they are accountable).
@limiter.limit(public_limit("self_referral"), exempt_when=exempt_from_public_limits)
@blp.arguments(ReferralRequestSchema, location="json", as_kwargs=False)
@blp.response(201, ReferralCreatedSchema)
@_errors(400, 401, 403)
@blp.alt_response(409, schema=ErrorResponseSchema, description="Idempotency-Key reused for a different request")
@blp.alt_response(422, schema=ErrorResponseSchema,
                  description="Not eligible (with reasons), no local service, or self-referral not accepted")
@blp.alt_response(429, schema=ErrorResponseSchema, description="Too many requests")
def create_referral(data: dict):
    """Make a referral.

    Without a token it is a self-referral (public, needs `consents.share_with_service: true`); with a
    clinician token, a clinician referral. Send an `Idempotency-Key` header to make retries safe:
    the same key returns the same answer and never creates a second referral.
    """
    principal = optional_principal()
    created = service.create_referral(get_db(), data, principal, request.headers.get("Idempotency-Key"))
    response = jsonify(created.body)
    response.status_code = 201
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.route("/referrals", methods=["GET"])
@require_role("service", "admin", "clinician")
@blp.arguments(ListQuerySchema, location="query", as_kwargs=False)
@_errors(400, 401, 403)
@blp.response(200, ReferralListSchema)
def list_referrals(query: dict):
    """List referrals, newest first: a service sees its own, a clinician those they made, an admin all."""
    principal = current_principal()
    db = get_db()
    service_id = principal.service_id if principal.role == "service" else query["service_id"]
    referrer = principal.token_id if principal.role == "clinician" else None
    rows = referrals.list_referrals(db, service_id=service_id, status=query["status"], referrer_token_id=referrer,
                                    limit=query["limit"], offset=query["offset"])
    audit.record(db, actor=principal.token_id, role=principal.role, action="referral.list",
                 service_id=service_id, outcome=f"ok:{len(rows)}")
    return jsonify({"referrals": [service.view(db, r, detail=False) for r in rows], "count": len(rows)})


@blp.route("/referrals/<reference>", methods=["GET"])
@require_role("service", "admin", "clinician")
@_errors(401, 403, 404)
@blp.response(200, ReferralDetailViewSchema)
def get_referral(reference: str):
    """Read one referral (404 for another service's referral)."""
    principal = current_principal()
    db = get_db()
    referral = service.load_for(db, normalise_reference(reference), principal, "referral.read")
    audit.record(db, actor=principal.token_id, role=principal.role, action="referral.read",
                 target=referral["reference"], service_id=referral["service_id"])
    return jsonify(service.view(db, referral, detail=True))


@blp.route("/referrals/<reference>/status", methods=["POST"])
@require_role("service", "admin")
@blp.arguments(StatusChangeSchema, location="json", as_kwargs=False)
@_errors(400, 401, 403, 404)
@blp.alt_response(409, schema=ErrorResponseSchema, description="The workflow does not allow this move")
@blp.response(200, ReferralSummaryViewSchema)
def change_status(data: dict, reference: str):
    """Move a referral along the workflow: received → (contacted →) accepted → first_appointment_attended,
    or declined / closed. Attending the first appointment records the access if none was recorded (MHSDS
    counts access at the first appointment attended once the person agreed); `occurred_at` dates it."""
    principal = current_principal()
    db = get_db()
    referral = service.load_for_change(db, normalise_reference(reference), principal, "referral.status")
    with write_transaction(db):
        try:
            referral = referrals.change_status(db, referral["reference"], data["status"], recorded_by=principal.token_id,
                                               occurred_at=data["occurred_at"])
        except referrals.TransitionNotAllowed as error:
            raise Conflict(str(error), extra={"reason": "transition_not_allowed"}) from None
        audit.record(db, actor=principal.token_id, role=principal.role, action=f"referral.status:{data['status']}",
                     target=referral["reference"], service_id=referral["service_id"])
    return jsonify(service.view(db, referral, detail=False))


@blp.route("/referrals/<reference>/contacts", methods=["POST"])
@require_role("service", "admin")
@blp.arguments(ContactSchema, location="json", as_kwargs=False)
@_errors(400, 401, 403, 404)
@blp.alt_response(409, schema=ErrorResponseSchema, description="The referral is finished")
@blp.response(200, ReferralSummaryViewSchema)
def record_contact(data: dict, reference: str):
    """Record a contact with the person (or an employer), its channel and when it happened.

    The access (MHSDS) is the first direct contact — face to face, video, phone or talk type, never SMS
    or email — at which the person agreed to start (`agreed_to_start`), or one after the referral was
    accepted, whatever order things were recorded in.
    """
    principal = current_principal()
    db = get_db()
    occurred_at = data["occurred_at"]
    referral = service.load_for_change(db, normalise_reference(reference), principal, "referral.contact")
    with write_transaction(db):
        try:
            referral, counted = referrals.record_contact(db, referral["reference"], data["channel"],
                                                         recorded_by=principal.token_id, occurred_at=occurred_at,
                                                         agreed_to_start=data["agreed_to_start"],
                                                         contact_with=data["contact_with"])
        except referrals.TransitionNotAllowed as error:
            raise Conflict(str(error), extra={"reason": "referral_finished"}) from None
        audit.record(db, actor=principal.token_id, role=principal.role, action=f"referral.contact:{data['channel']}",
                     target=referral["reference"], service_id=referral["service_id"])
    body = service.view(db, referral, detail=False)
    body["counted_as_access"] = counted
    return jsonify(body)


@blp.route("/referrals/<reference>/fhir", methods=["GET"])
@require_role("service", "admin", "clinician")
@_errors(401, 403, 404)
@blp.response(200, FhirBundleSchema, content_type="application/fhir+json")
def referral_fhir(reference: str):
    """The referral as a FHIR R4 Bundle: ServiceRequest, Patient, Organization, Consent, QuestionnaireResponse."""
    from rules import default_engine

    from .. import fhir
    from ..storage import consents

    principal = current_principal()
    db = get_db()
    referral = service.load_for(db, normalise_reference(reference), principal, "referral.fhir")
    sharing = service.sharing_allowed(db, referral)
    history = consents.consent_history(db, consents.referral_subject(referral["reference"]))
    bundle = fhir.referral_bundle(referral, sharing, history,
                                  default_engine().ruleset.directory.service(referral["service_id"]))
    audit.record(db, actor=principal.token_id, role=principal.role, action="referral.fhir",
                 target=referral["reference"], service_id=referral["service_id"])
    response = jsonify(bundle)
    response.mimetype = "application/fhir+json"
    return response
