"""Response schemas for the eligibility decision (for the OpenAPI document)."""

from functools import lru_cache

import marshmallow as ma
from marshmallow import fields

from ..schemas import facts_schema_class

_ONLY_UNWRAP_HOOK = [False]


@lru_cache(maxsize=1)
def eligibility_request_schema_class() -> type[ma.Schema]:
    """The facts, sent flat (``{"age": 34}``) or wrapped as ``/referrals`` takes them (``{"facts": {"age": 34}}``)."""

    class EligibilityRequest(facts_schema_class()):
        @ma.pre_load
        def _unwrap_facts(self, data, **kwargs):
            if not isinstance(data, dict) or "facts" not in data:
                return data
            if len(data) != 1:
                raise ma.ValidationError({"facts": ['Send the facts flat, or all of them inside "facts": not both.']})
            if not isinstance(data["facts"], dict):
                raise ma.ValidationError({"facts": ['Must be an object of facts, like {"age": 34}.']})
            return data["facts"]

        def load(self, data, *, many=None, partial=None, unknown=None):
            # The usual request (every name a fact, every value acceptable) is read field by field with the
            # same fields; anything else, including every error, goes through marshmallow's whole load.
            if many is None and partial is None and _ONLY_UNWRAP_HOOK[0]:
                plain = self._load_plain(data)
                if plain is not None:
                    return plain
            return super().load(data, many=many, partial=partial, unknown=unknown)

        def _load_plain(self, data) -> dict | None:
            """What ``load`` returns for well-formed facts, without the schema-level machinery (the per-request
            error store, hook dispatch and unknown-field pass cost more than the facts themselves); None if
            the data is anything but well-formed facts."""
            if type(data) is not dict:
                return None
            if "facts" in data:
                if len(data) != 1 or type(data["facts"]) is not dict:
                    return None
                data = data["facts"]
            fields_by_name = self.load_fields
            if not data.keys() <= fields_by_name.keys():
                return None
            loaded = {}
            try:
                for name, field in fields_by_name.items():  # marshmallow's order: the fields' own
                    if name in data:
                        loaded[name] = field.deserialize(data[name], name, data)
            except ma.ValidationError:
                return None
            return loaded

    # The plain path stands in for the whole load only while unwrapping "facts" is the schema's one hook.
    _ONLY_UNWRAP_HOOK[0] = {k: [h[0] for h in v] for k, v in EligibilityRequest._hooks.items() if v} == {
        "pre_load": ["_unwrap_facts"]}
    EligibilityRequest.__doc__ = ('The facts, flat or inside "facts" (as POST /api/v1/referrals takes them). '
                                  "Every fact is optional: a missing fact is unknown, never false.")
    return EligibilityRequest


class ReasonSchema(ma.Schema):
    criterion = fields.String(required=True)
    title = fields.String()
    outcome = fields.String(required=True, metadata={"enum": ["met", "not_met", "unknown"]})
    explanation = fields.String(required=True)
    clinician_explanation = fields.String(metadata={"description": "The same outcome worded for a clinician about "
                                                                   "their patient (as /check shows it)"})
    source = fields.String(required=True)


class ServiceSchema(ma.Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    provider = fields.String()
    phone = fields.String(required=True)
    website = fields.String(required=True)
    accepts_self_referral = fields.Boolean(required=True)
    area = fields.String()
    sample_data = fields.Boolean()


class ServiceToCallSchema(ma.Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)


class ReferralRouteSchema(ma.Schema):
    self_referral = fields.Boolean(required=True, metadata={"description": "A local service takes self-referrals"})
    access_route = fields.String(required=True)
    how = fields.String(required=True, metadata={"description": "How to be referred, in words a person can act on"})
    call = fields.List(fields.Nested(ServiceToCallSchema), required=True)


class PathwayDecisionSchema(ma.Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    short_name = fields.String()
    status = fields.String(required=True, metadata={"enum": ["eligible", "not_eligible", "needs_information"]})
    decided_by = fields.List(fields.String())
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    missing = fields.List(fields.String(), required=True)
    summary = fields.String()
    access_route = fields.String(required=True)
    access_route_source = fields.String()
    length = fields.String()
    availability = fields.String()
    clinician_summary = fields.String(metadata={"description": "The summary worded for a clinician (/check)"})
    clinician_access_route = fields.String(metadata={"description": "The access route worded for a clinician (/check)"})
    services = fields.List(fields.Nested(ServiceSchema), required=True)
    available_locally = fields.Boolean(allow_none=True, required=True)
    referral_route = fields.Nested(ReferralRouteSchema, allow_none=True, metadata={
        "description": "How to reach the local services found (null when none was found): self-referral, or the "
                       "access route and the phone to call"})


class NextQuestionSchema(ma.Schema):
    fact = fields.String(required=True)
    text = fields.String(required=True)
    settles = fields.List(fields.String())
    type = fields.String()
    options = fields.List(fields.String())


class SignpostSchema(ma.Schema):
    id = fields.String()
    name = fields.String(required=True)
    description = fields.String()
    website = fields.String()
    phone = fields.String()
    source = fields.String()


class OverlapSchema(ma.Schema):
    pathways = fields.List(fields.String())
    explanation = fields.String()


class DecisionSchema(ma.Schema):
    ruleset_version = fields.String(required=True)
    ruleset_hash = fields.String()
    pathways = fields.List(fields.Nested(PathwayDecisionSchema), required=True)
    overlap = fields.Nested(OverlapSchema, allow_none=True)
    next_question = fields.Nested(NextQuestionSchema, allow_none=True, required=True)
    signposting = fields.List(fields.Nested(SignpostSchema), required=True)
    facts = fields.Dict()
