"""/api/v1/safety-events — the messages a service must follow up: what the person wrote, on which channel,
how much risk the check found, and whether the service has reviewed it.

A service token sees its own service's events; an admin sees every event (an event no service can be
tied to is for admins only); clinicians get 403. Every list and review is audited (ids only). The
person's words and phone number are in the response body, never in a log line.
"""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify
from marshmallow import fields, validate

from ..api import Blueprint
from ..auth import current_principal, require_role
from ..db import get_db, write_transaction
from ..errors import NotFound
from ..schemas import ErrorResponseSchema, OpenSchema
from ..storage import audit, safety_events

blp = Blueprint("safety_events", __name__, url_prefix="/api/v1",
                description="Safety events: messages at risk on any channel, for the service to follow up.")

_ERRORS = {
    400: "Bad query",
    401: "No valid bearer token",
    403: "The token's role does not allow this (clinicians cannot list safety events)",
    404: "No such safety event that you can see",
}


def _errors(*codes):
    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, schema=ErrorResponseSchema, description=_ERRORS[code])(view)
        return view
    return decorate


class SafetyEventQuerySchema(ma.Schema):
    reviewed = fields.Boolean(load_default=None, allow_none=True,
                              metadata={"description": "true: reviewed only; false: still to follow up"})
    service_id = fields.String(load_default=None, metadata={"description": "Admins: one service only"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))


class SafetyEventSchema(OpenSchema):
    id = fields.String(required=True, metadata={"example": "se_1f2e3d4c5b6a7980"})
    channel = fields.String(required=True, metadata={"enum": list(safety_events.CHANNELS)})
    risk_level = fields.String(required=True, metadata={"enum": list(safety_events.LEVELS)})
    category = fields.String(allow_none=True, metadata={
        "description": "suicidal_thoughts, passive_suicidal_thoughts, plan_or_means, farewell, self_harm or harm_to_others"})
    reason = fields.String(allow_none=True, metadata={"description": "The lexicon entry that matched, or 'classifier'"})
    text = fields.String(allow_none=True, metadata={"description": "The person's own words"})
    phone = fields.String(allow_none=True, metadata={"description": "E.164, when known (SMS replies)"})
    service_id = fields.String(allow_none=True)
    sender_id = fields.String(allow_none=True, metadata={"description": "The web chat conversation, when from the chat"})
    reference = fields.String(allow_none=True, metadata={"description": "A referral reference, when there is one"})
    created_at = fields.String(required=True)
    reviewed = fields.Boolean(required=True)
    reviewed_at = fields.String(allow_none=True)
    reviewed_by = fields.String(allow_none=True, metadata={"description": "The token id that marked it reviewed"})


class SafetyEventListSchema(OpenSchema):
    safety_events = fields.List(fields.Nested(SafetyEventSchema), required=True)
    count = fields.Integer(required=True)


@blp.route("/safety-events", methods=["GET"])
@require_role("service", "admin")
@blp.arguments(SafetyEventQuerySchema, location="query", as_kwargs=False)
@_errors(400, 401, 403)
@blp.response(200, SafetyEventListSchema)
def list_safety_events(query: dict):
    """Safety events, newest first: a service sees its own, an admin all (or one service's)."""
    principal = current_principal()
    db = get_db()
    service_id = principal.service_id if principal.role == "service" else query["service_id"]
    rows = safety_events.list_events(db, service_id=service_id, reviewed=query["reviewed"], limit=query["limit"])
    audit.record(db, actor=principal.token_id, role=principal.role, action="safety_event.list",
                 service_id=service_id, outcome=f"ok:{len(rows)}")
    return jsonify({"safety_events": rows, "count": len(rows)})


@blp.route("/safety-events/<event_id>/review", methods=["POST"])
@require_role("service", "admin")
@_errors(401, 403, 404)
@blp.response(200, SafetyEventSchema)
def review_safety_event(event_id: str):
    """Mark a safety event followed up (idempotent: the first review's time and reviewer stand)."""
    principal = current_principal()
    db = get_db()
    event = safety_events.get_event(db, event_id[:64])
    if event is None or not _may_see(principal, event):
        raise NotFound("No such safety event.")
    with write_transaction(db):
        event = safety_events.mark_reviewed(db, event["id"], principal.token_id)
        audit.record(db, actor=principal.token_id, role=principal.role, action="safety_event.review",
                     target=event["id"], service_id=event["service_id"])
    return jsonify(event)


def _may_see(principal, event: dict) -> bool:
    # An event tied to no service is for admins only.
    if principal.role == "admin":
        return True
    return event["service_id"] is not None and principal.may_see_service(event["service_id"])
