"""Marshmallow schemas shared across resources: the facts (built from rules/facts.yaml) and errors.

The facts schema is generated from the rules' vocabulary, so the API, the rules and the bot can
never disagree about a fact's name, type or allowed values; each field checks its value with the
vocabulary's own ``Fact.check``.
"""

from __future__ import annotations

from functools import lru_cache

import marshmallow as ma
from marshmallow import fields

from rules import default_engine
from rules.vocabulary import Fact


class _FactChecked:
    fact: Fact

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.fact.check(value)
        except ValueError as error:
            raise ma.ValidationError(str(error)) from None


class BooleanFact(_FactChecked, fields.Boolean):
    pass


class IntegerFact(_FactChecked, fields.Integer):
    pass


class StringFact(_FactChecked, fields.String):
    pass


class ListFact(_FactChecked, fields.List):
    def _deserialize(self, value, attr, data, **kwargs):
        return list(super()._deserialize(value, attr, data, **kwargs))


def fact_field(fact: Fact) -> fields.Field:
    """The marshmallow field for one fact, documented for OpenAPI."""
    meta = {"description": fact.label}
    if fact.type == "boolean":
        field = BooleanFact(allow_none=True, metadata=meta)
    elif fact.type == "integer":
        field = IntegerFact(allow_none=True, metadata={**meta, "minimum": fact.minimum, "maximum": fact.maximum})
    elif fact.type == "enum_list":
        field = ListFact(fields.String(metadata={"enum": list(fact.values)}), allow_none=True, metadata=meta)
    elif fact.type == "enum":
        field = StringFact(allow_none=True, metadata={**meta, "enum": list(fact.values)})
    elif fact.type == "postcode":
        field = StringFact(allow_none=True, metadata={**meta, "example": "S1 2AB"})
    else:
        field = StringFact(allow_none=True, metadata=meta)
    field.fact = fact
    return field


@lru_cache(maxsize=1)
def facts_schema_class() -> type[ma.Schema]:
    vocabulary = default_engine().vocabulary
    return ma.Schema.from_dict({name: fact_field(f) for name, f in vocabulary.facts.items()}, name="Facts")


class OpenSchema(ma.Schema):
    """Response documentation: the fields callers can rely on; more may be added (additionalProperties)."""

    class Meta:
        unknown = ma.INCLUDE


class ErrorDetailSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE  # some errors add context, e.g. the reasons a referral was refused

    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorResponseSchema(ma.Schema):
    """The one error shape (CONTRACT.md)."""

    error = fields.Nested(ErrorDetailSchema, required=True)
