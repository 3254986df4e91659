"""Marshmallow schemas for the referral payloads (one per payload)."""

from __future__ import annotations

import re

import marshmallow as ma
import phonenumbers
from marshmallow import fields, validate

from consent import METHODS

from ..schemas import OpenSchema, facts_schema_class
from ..storage.referrals import CONTACT_CHANNELS, CONTACT_WITH, SOURCES, STATUSES
from .when import OccurredAt

SUMMARY_MAX = 2000
# Ofcom's drama range: reserved, so phonenumbers calls it invalid, but sample and test data use it.
_DRAMA_MOBILE = re.compile(r"7700900\d{3}")


def normalise_phone(value: str) -> str:
    """A UK (or international, with +) phone number in E.164; ValidationError if it is not a number."""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        raise ma.ValidationError("Enter a phone number, like 07700 900123.") from None
    drama = number.country_code == 44 and bool(_DRAMA_MOBILE.fullmatch(str(number.national_number)))
    if not (phonenumbers.is_valid_number(number) or drama):
        raise ma.ValidationError("Enter a valid phone number, like 07700 900123.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return normalise_phone(super()._deserialize(value, attr, data, **kwargs))


class PersonSchema(ma.Schema):
    first_name = fields.String(validate=validate.Length(min=1, max=60), load_default=None,
                               metadata={"description": "What the service should call the person"})
    phone = PhoneField(required=True, metadata={"description": "How the service will contact the person",
                                                 "example": "07700 900123"})


class ReferralConsentsSchema(ma.Schema):
    share_with_service = fields.Boolean(load_default=None, metadata={
        "description": "Required and true: the person agrees to share what they told us with the service"})
    sms_promotions = fields.Boolean(load_default=None, metadata={
        "description": "Optional: the person agrees to occasional texts about employment support"})
    contact_treatment_team = fields.Boolean(load_default=None, metadata={
        "description": "Clinician referrals only: the service asks a self-referrer separately"})


class ReferralRequestSchema(ma.Schema):
    pathway = fields.String(required=True, metadata={"example": "ips_smi"})
    facts = fields.Nested(facts_schema_class(), load_default=dict)
    person = fields.Nested(PersonSchema, required=True)
    consents = fields.Nested(ReferralConsentsSchema, required=True)
    service_id = fields.String(load_default=None, validate=validate.Length(max=100))
    source = fields.String(load_default=None, validate=validate.OneOf(SOURCES))
    campaign_id = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    summary = fields.String(load_default=None, validate=validate.Length(max=SUMMARY_MAX), metadata={
        "description": "A short free-text summary for the employment specialist"})
    consent_method = fields.String(load_default=None, validate=validate.OneOf(METHODS))
    consent_wording_version = fields.String(load_default=None, validate=validate.Length(max=40))
    answers_in_own_words = fields.Dict(
        keys=fields.String(validate=validate.Length(max=60)), values=fields.String(validate=validate.Length(max=200)),
        load_default=None, validate=validate.Length(max=30), metadata={
            "description": "The person's own words beside each fact they typed, e.g. {\"conditions\": \"back pain\"} "
                           "(kept with the facts as `_words`)"})


class ServiceSummarySchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    phone = fields.String()
    website = fields.String()


class ReferralCreatedSchema(ma.Schema):
    reference = fields.String(required=True)
    pathway = fields.String(required=True)
    status = fields.String(required=True)
    service = fields.Nested(ServiceSummarySchema, required=True)
    next_steps = fields.String(required=True)
    source = fields.String()


class StatusChangeSchema(ma.Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    occurred_at = OccurredAt(load_default=None, metadata={
        "description": "When it happened (ISO date or date-time with offset); defaults to now. For "
                       "first_appointment_attended with no access recorded yet, this is the access date.",
        "example": "2024-04-02T10:00:00+01:00"})


class ContactSchema(ma.Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CONTACT_CHANNELS), metadata={
        "description": "face_to_face, video, phone and talk_type are direct contacts (they can be the access); "
                       "sms, email and letter never are"})
    occurred_at = OccurredAt(load_default=None, metadata={
        "description": "When the contact happened: an ISO date or a date-time with offset (UK time if none); "
                       "defaults to now; never in the future", "example": "2024-04-02T10:00:00+01:00"})
    agreed_to_start = fields.Boolean(load_default=None, metadata={
        "description": "The person agreed to start at this contact: the first direct contact with agreement is "
                       "the access (MHSDS). Left out: it counts only once the referral is accepted."})
    contact_with = fields.String(data_key="with", load_default="person", validate=validate.OneOf(CONTACT_WITH),
                                 metadata={"description": "person (default) or employer: a contact with an employer "
                                                          "about the person's job search (never an access)"})


class ListQuerySchema(ma.Schema):
    service_id = fields.String(load_default=None, metadata={"description": "Admins: one service only"})
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000_000))


class ReferralSummaryViewSchema(OpenSchema):
    reference = fields.String(required=True)
    pathway = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    source = fields.String(allow_none=True)
    campaign_id = fields.String(allow_none=True)
    service = fields.Nested(ServiceSummarySchema)
    eligibility_status = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String(allow_none=True)
    accessed_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    anonymised = fields.Boolean()
    assigned_staff_id = fields.String(allow_none=True)


class ReferralDetailViewSchema(ReferralSummaryViewSchema):
    sharing = fields.Dict(allow_none=True)
    person = fields.Dict(allow_none=True)
    facts = fields.Dict(allow_none=True)
    summary = fields.String(allow_none=True)
    referrer = fields.Dict(allow_none=True)
    events = fields.List(fields.Dict())
    consents = fields.Raw(allow_none=True)
    outcomes = fields.Dict(metadata={"description": "Milestones, engagement and jobs after access"})


class ReferralListSchema(OpenSchema):
    referrals = fields.List(fields.Nested(ReferralSummaryViewSchema), required=True)
    count = fields.Integer(required=True)


class ContactRecordedSchema(OpenSchema):
    reference = fields.String()


class FhirBundleSchema(OpenSchema):
    resourceType = fields.String(required=True, metadata={"enum": ["Bundle"]})  # noqa: N815 - FHIR's name
    type = fields.String()
    entry = fields.List(fields.Dict())
