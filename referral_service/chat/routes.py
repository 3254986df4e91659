"""POST /webhooks/rest/webhook (Rasa REST channel) and GET /conversations/<sender>/tracker; the web
chat page at / is in pages.py (a page, not API). The embedded assistant (bot.engine) runs in this
process; conversation state lives in SQLite (storage.conversations). Logs carry event names and
counts only, never text."""

from __future__ import annotations

import logging
import time

from flask import current_app, request

from bot.client import reset_client, use_client
from bot.engine import default_assistant
from bot.safety import assess_risk
from rules import default_engine

from ..api import Blueprint
from ..auth import bot_token_ok
from ..db import get_db, storage_error
from ..errors import ApiError, Unauthorized
from ..extensions import limiter, public_limit
from ..schemas import ErrorResponseSchema
from ..storage import conversations
from .client import InProcessReferralClient
from .schemas import MAX_MESSAGE_CHARS, BotMessageSchema, TrackerQuerySchema, TrackerSchema, WebhookMessageSchema

log = logging.getLogger(__name__)

blp = Blueprint("bot", __name__, description="The self-referral assistant (Rasa-compatible REST channel and tracker).")
CONTRACT_SLOTS = ("consent_share_with_service", "consent_sms", "phone", "first_name", "referral_reference",
                  "requested_slot", "risk_level")


class MessageTooLong(ApiError):
    status = 413
    code = "payload_too_large"
    message = f"The message is too long (at most {MAX_MESSAGE_CHARS} characters)."


@blp.record_once
def _warm_up(state) -> None:
    # Train the NLU and load the domain once, at start, not on the first person's message; and load the risk
    # lexicon (which checks itself) now, so a mis-edited lexicon file stops the start instead of every message.
    default_assistant()
    assess_risk("load the lexicon")


def _crisis_help_goes_on(error: Exception, text: str) -> None:
    """A database that cannot be read or written (maintenance, busy, full, down) answers 503 — except to a
    message at risk: the crisis help never waits for storage. Re-raises ``error`` unless it is a storage
    failure and ``text`` is at risk; then the turn goes on without the conversation being kept."""
    if storage_error(error) is None or not assess_risk(text).at_risk:
        raise error
    log.error("chat_crisis_help_without_storage", extra={"error_type": type(error).__name__})


def _ttl() -> float:
    return float(current_app.config.get("BOT_CONVERSATION_TTL_SECONDS", conversations.DEFAULT_TTL_SECONDS))


@blp.route("/webhooks/rest/webhook", methods=["POST"])
@limiter.limit(public_limit("bot"))
@blp.arguments(WebhookMessageSchema, location="json")
@blp.response(200, BotMessageSchema(many=True))
@blp.alt_response(400, schema=ErrorResponseSchema, description="Not JSON, or no sender or message")
@blp.alt_response(413, schema=ErrorResponseSchema, description="Body over 64 KiB, or message too long")
@blp.alt_response(429, schema=ErrorResponseSchema, description="Too many messages")
def webhook(data):
    """Send a message to the assistant; get its replies (Rasa REST channel format).

    A button's payload (``/intent{"slot": "value"}``) sent back as the message is understood.
    ``metadata.campaign`` and ``metadata.service`` come from a tracked link to the web chat."""
    text = data["message"]
    # Risk first, even for a message too long to read as an answer: someone pouring their heart out
    # at length gets the crisis help, never a "too long" error.
    if len(text) > MAX_MESSAGE_CHARS and not assess_risk(text).at_risk:
        raise MessageTooLong()
    started = time.perf_counter()
    assistant = default_assistant()
    db = get_db()
    sender = data["sender"]
    try:
        tracker = conversations.load(db, sender, _ttl()) or assistant.new_tracker(sender)
    except Exception as error:
        _crisis_help_goes_on(error, text)
        tracker = assistant.new_tracker(sender)
    client = current_app.config.get("BOT_REFERRAL_CLIENT") or InProcessReferralClient(current_app._get_current_object())
    token = use_client(client)
    try:
        tracker, messages = assistant.handle(tracker, text, data.get("metadata") or {})
    finally:
        reset_client(token)
    try:
        conversations.save(db, sender, tracker)
    except Exception as error:
        _crisis_help_goes_on(error, text)
    log.info("bot_turn", extra={"intent": (tracker["latest_message"].get("intent") or {}).get("name"),
                                "replies": len(messages), "active_loop": (tracker.get("active_loop") or {}).get("name"),
                                "ms": round((time.perf_counter() - started) * 1000, 1)})
    return messages


@blp.route("/conversations/<string:sender>/tracker", methods=["GET"])
@blp.arguments(TrackerQuerySchema, location="query")
@blp.response(200, TrackerSchema)
@blp.alt_response(401, schema=ErrorResponseSchema, description="No or wrong bot auth token")
def tracker(query, sender: str):
    """The conversation's state (Rasa HTTP API subset). Needs ``?token=`` (the bot auth token)."""
    if not bot_token_ok(query.get("token") or request.headers.get("Authorization", "").removeprefix("Bearer ").strip()):
        raise Unauthorized("The bot auth token is missing or wrong.")
    state = conversations.load(get_db(), sender, _ttl()) or default_assistant().new_tracker(sender)
    stored = state["slots"]
    slots = {name: stored.get(name) for name in default_engine().vocabulary.facts}
    slots.update({name: stored.get(name) for name in CONTRACT_SLOTS})
    slots.update({k: v for k, v in stored.items() if k not in slots})
    latest = state.get("latest_message") or {}
    return {
        "sender_id": sender,
        "slots": slots,
        "latest_message": {"text": latest.get("text"), "intent": latest.get("intent") or {"name": None, "confidence": 0.0}},
        "active_loop": {"name": (state.get("active_loop") or {}).get("name")},
    }
