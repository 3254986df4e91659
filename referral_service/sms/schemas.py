"""Marshmallow schemas for the SMS campaign API (one per payload)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from rules import default_engine
from rules.postcodes import is_valid_prefix

from .templates import TemplateError, check_template


class AudienceSchema(ma.Schema):
    pathway = fields.String(load_default=None, allow_none=True,
                            metadata={"description": "Contacts the rules do not rule out for this pathway", "example": "ips_smi"})
    postcode_prefixes = fields.List(fields.String(), load_default=None, allow_none=True,
                                    metadata={"description": "Postcode areas (S) or districts (S1)", "example": ["S"]})

    @ma.validates("pathway")
    def _pathway(self, value, **_kwargs):
        if value is not None and value not in {p.id for p in default_engine().ruleset.pathways}:
            raise ma.ValidationError("Unknown pathway.")

    @ma.validates("postcode_prefixes")
    def _prefixes(self, value, **_kwargs):
        bad = [p for p in value or [] if not is_valid_prefix(p)]
        if bad:
            raise ma.ValidationError(f"Not a postcode area or district: {', '.join(bad)}")


class CampaignCreateSchema(ma.Schema):
    service_id = fields.String(required=True, metadata={"description": "A service id, or an area id for an area-wide "
                                                                        "campaign routed to each recipient's local service"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    template = fields.String(required=True, metadata={"example": "Hi {first_name}, {service_name} can help you find "
                                                                 "work: {link}"})
    audience = fields.Nested(AudienceSchema, load_default=dict)
    route_to_local_service = fields.Boolean(load_default=False)

    @ma.validates("template")
    def _template(self, value, **_kwargs):
        try:
            check_template(value)
        except TemplateError as error:
            raise ma.ValidationError(str(error)) from None


class CountsSchema(ma.Schema):
    queued = fields.Integer()
    sent = fields.Integer()
    delivered = fields.Integer()
    failed = fields.Integer()
    undelivered = fields.Integer()
    skipped = fields.Integer()


class CampaignSchema(ma.Schema):
    id = fields.String()
    service_id = fields.String()
    name = fields.String()
    template = fields.String()
    audience = fields.Dict()
    routed = fields.Boolean()
    status = fields.String(metadata={"enum": ["draft", "sending", "completed"]})
    created_at = fields.String()
    sent_at = fields.String(allow_none=True)
    recipients = fields.Integer(allow_none=True)
    counts = fields.Nested(CountsSchema)
    link = fields.String(metadata={"description": "The tracked web chat link (per local service when routed)"})


class CampaignListSchema(ma.Schema):
    campaigns = fields.List(fields.Nested(CampaignSchema))


class PreviewSchema(ma.Schema):
    recipients = fields.Integer()
    excluded = fields.Dict(keys=fields.String(), values=fields.Integer())
    segments_per_message = fields.Integer()
    encoding = fields.String()
    sample = fields.List(fields.Dict())


class SendAcceptedSchema(ma.Schema):
    id = fields.String()
    status = fields.String()
    queued = fields.Integer()


class ReportSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    status = fields.String()
    counts = fields.Nested(CountsSchema)
    recipients = fields.Integer(allow_none=True)
    opt_outs = fields.Integer()
    replies = fields.Integer()
    self_referrals = fields.Integer()
    conversion_rate = fields.Float(allow_none=True)
    segments = fields.Integer(metadata={"description": "Segments billed (messages that reached Twilio)"})
    skipped_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
