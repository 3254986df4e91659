"""Marshmallow schemas for the bot channel (Rasa REST channel and tracker, CONTRACT.md)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

MAX_MESSAGE_CHARS = 2000


class WebhookMetadataSchema(ma.Schema):
    campaign = fields.String(load_default=None, validate=validate.Length(max=64))
    service = fields.String(load_default=None, validate=validate.Length(max=64))

    class Meta:
        unknown = ma.EXCLUDE


class WebhookMessageSchema(ma.Schema):
    sender = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.:\-]{1,100}$",
                                                                    error="Use 1-100 letters, digits, '_', '.', ':' or '-'."))
    message = fields.String(required=True, metadata={"description": f"At most {MAX_MESSAGE_CHARS} characters"})
    metadata = fields.Nested(WebhookMetadataSchema, load_default=dict)

    class Meta:
        unknown = ma.EXCLUDE


class ButtonSchema(ma.Schema):
    title = fields.String()
    payload = fields.String()


class BotMessageSchema(ma.Schema):
    recipient_id = fields.String()
    text = fields.String()
    buttons = fields.List(fields.Nested(ButtonSchema))
    custom = fields.Dict(metadata={"description": "How the web chat shows the message, e.g. {\"kind\": \"urgent\"} (the "
                                                  "crisis card), {\"kind\": \"multiple_choice\"} (tick boxes)"})


class TrackerQuerySchema(ma.Schema):
    token = fields.String(load_default=None)


class IntentSchema(ma.Schema):
    name = fields.String(allow_none=True)
    confidence = fields.Float()


class LatestMessageSchema(ma.Schema):
    text = fields.String(allow_none=True)
    intent = fields.Nested(IntentSchema)


class ActiveLoopSchema(ma.Schema):
    name = fields.String(allow_none=True)


class TrackerSchema(ma.Schema):
    sender_id = fields.String()
    slots = fields.Dict()
    latest_message = fields.Nested(LatestMessageSchema)
    active_loop = fields.Nested(ActiveLoopSchema)
