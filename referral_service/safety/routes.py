"""/api/v1/safety-events — the messages a service must follow up: what the person wrote, on which channel,
how much risk the check found, and whether the service has reviewed it.

A service token sees its own service's events; an admin sees every event (an event no service can be
tied to is for admins only); clinicians get 403. Every list and review is audited (ids only). The
person's words and phone number are in the response body, never in a log line.

A separate Rasa action server records a chat message at risk with ``POST /api/v1/safety-events`` and the
bot auth token (``bot.client.HttpReferralClient``); the embedded chat writes the same rows in process.
"""

from __future__ import annotations

import functools
import logging
import re

import marshmallow as ma
from flask import jsonify, request
from marshmallow import fields, validate

from rules import default_engine

from ..api import Blueprint
from ..auth import bot_token_ok, current_principal, require_role
from ..db import get_db, write_transaction
from ..errors import NotFound, Unauthorized
from ..extensions import limiter, public_limit
from ..schemas import ErrorResponseSchema, OpenSchema
from ..storage import audit, safety_events

log = logging.getLogger(__name__)

blp = Blueprint("safety_events", __name__, url_prefix="/api/v1",
                description="Safety events: messages at risk on any channel, for the service to follow up.")

_ERRORS = {
    400: "Bad query or body",
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


class NewSafetyEventSchema(ma.Schema):
    """A chat message at risk, as the bot's action server sends it (bot/actions/conversation.py)."""

    class Meta:
        unknown = ma.RAISE

    channel = fields.String(required=True, validate=validate.OneOf(["chat"]),
                            metadata={"description": "Only the chat's action server posts here; SMS replies and the "
                                                     "no-JS form record their events in the service itself"})
    risk_level = fields.String(required=True, validate=validate.OneOf(list(safety_events.LEVELS)))
    # Nullable: an event is never refused for want of a label (the words and the level are what matter).
    category = fields.String(required=True, allow_none=True, validate=validate.Regexp(r"^[a-z_]{1,64}$", error=(
        "Use the risk check's category, like suicidal_thoughts or self_harm.")), metadata={"example": "self_harm"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                           metadata={"description": "The lexicon entry that matched, or 'classifier'"})
    text = fields.String(required=True, validate=validate.Length(min=1, max=safety_events.MAX_TEXT),
                         metadata={"description": f"The person's own words (at most {safety_events.MAX_TEXT:,} characters)"})
    sender_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=128))
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+[1-9]\d{6,14}$", error="Enter the phone number in E.164 form, "
                                                                                  "like +447700900123."),
                          metadata={"example": "+447700900123"})
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    service_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                              validate=validate.Length(max=10),
                              metadata={"description": "The services the person is in touch with here: one event "
                                                       "each; none, one event for admins"})

    @ma.validates("service_ids")
    def _known_services(self, value: list[str], **_kwargs) -> None:
        directory = default_engine().ruleset.directory
        unknown = [s for s in value if directory.service(s) is None]
        if unknown:
            # The ids only: never the person's words in an error.
            raise ma.ValidationError("Unknown service: " + ", ".join(re.sub(r"[^\w\-]", "", s)[:64] for s in unknown))


class CreatedSafetyEventsSchema(OpenSchema):
    ids = fields.List(fields.String(), required=True, metadata={"example": ["se_1f2e3d4c5b6a7980"]})
    count = fields.Integer(required=True)


def _bot_only(view):
    """The bot auth token (BOT_AUTH_TOKEN, as a bearer token), checked before the body is read: 401 otherwise."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not bot_token_ok(value.strip()):
            raise Unauthorized("The bot auth token is missing or wrong.")
        return view(*args, **kwargs)

    return wrapper


@blp.route("/safety-events", methods=["POST"])
@limiter.limit(public_limit("bot"))
@_bot_only
@blp.arguments(NewSafetyEventSchema, as_kwargs=False)
@blp.doc(security=[{"bearer": []}], description=(
    "Record a chat message at risk for the service to follow up (the separate Rasa action server calls this). "
    "Needs the bot auth token (`BOT_AUTH_TOKEN`) as the bearer token, not an API token. One event is stored "
    "for each service in `service_ids`, or one for admins only when there is none."))
@_errors(400, 401)
@blp.response(201, CreatedSafetyEventsSchema)
def create_safety_event(body: dict):
    """Record a chat message at risk (bot auth token)."""
    db = get_db()
    with write_transaction(db):
        ids = safety_events.record_for_services(
            db, body["service_ids"], channel=body["channel"], risk_level=body["risk_level"], category=body["category"],
            text=body["text"], phone=body["phone"], sender_id=body["sender_id"], reference=body["reference"],
            reason=body["reason"])
        for event_id, service_id in zip(ids, sorted(set(body["service_ids"])) or [None], strict=True):
            audit.record(db, actor="bot", role="bot", action="safety_event.create", target=event_id, service_id=service_id)
    # Ids, channel and level only: never the words or the phone.
    log.info("safety_event_recorded", extra={"channel": body["channel"], "risk_level": body["risk_level"], "count": len(ids)})
    return jsonify({"ids": ids, "count": len(ids)}), 201


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
