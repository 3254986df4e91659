"""POST /api/v1/eligibility — the explained, three-valued eligibility check (CONTRACT.md)."""

from __future__ import annotations

import orjson
from flask import current_app

from rules import default_engine

from ..api import Blueprint
from ..extensions import exempt_from_public_limits, limiter, public_limit
from ..schemas import ErrorResponseSchema
from .schemas import DecisionSchema, eligibility_request_schema_class

blp = Blueprint(
    "eligibility",
    __name__,
    url_prefix="/api/v1",
    description="Which employment-support pathways fit a person, and why.",
)


@blp.route("/eligibility", methods=["POST"])
@limiter.limit(public_limit("eligibility"), exempt_when=exempt_from_public_limits)
# A schema instance, made once: given the class, webargs would build a new schema (deep-copying every field) per request.
@blp.arguments(eligibility_request_schema_class()(), location="json", as_kwargs=False)
@blp.response(200, DecisionSchema)
@blp.alt_response(400, schema=ErrorResponseSchema, description="Bad input: wrong type, unknown value, bad postcode, not JSON")
@blp.alt_response(413, schema=ErrorResponseSchema, description="Body over 64 KiB")
@blp.alt_response(429, schema=ErrorResponseSchema, description="Too many requests")
def check_eligibility(facts: dict):
    """Check eligibility for all four pathways.

    Send the facts flat (`{"age": 34}`) or inside `facts` as `/referrals` takes them
    (`{"facts": {"age": 34}}`). Every fact is optional: a missing fact is unknown, never false. Each pathway says whether the
    person is eligible, not eligible (a known fact rules them out) or whether more information is
    needed (and which), with the criterion that decided it and its source in the guidance.
    """
    # orjson: the decision is several kilobytes of text; encoding it is a large part of the request with the
    # standard library's encoder. Same JSON (UTF-8, key order kept), with Flask's trailing newline.
    body = orjson.dumps(default_engine().evaluate(facts)) + b"\n"
    return current_app.response_class(body, mimetype="application/json")
