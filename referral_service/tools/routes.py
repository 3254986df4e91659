"""POST /api/v1/tools/outcomes-target and /api/v1/tools/workforce — public commissioner tools.

Public (no token) and limited per address like every other public route (the default page limit).
"""

from __future__ import annotations

from flask import jsonify

from ..api import Blueprint
from ..schemas import ErrorResponseSchema, OpenSchema
from . import calculator
from .schemas import OutcomesTargetSchema, WorkforceSchema

blp = Blueprint("tools", __name__, url_prefix="/api/v1",
                description="Commissioner tools: the IPS outcomes target calculator and workforce planner.")


@blp.route("/tools/outcomes-target", methods=["POST"])
@blp.arguments(OutcomesTargetSchema, location="json", as_kwargs=False)
@blp.response(200, OpenSchema)
@blp.alt_response(400, schema=ErrorResponseSchema, description="Bad input")
@blp.alt_response(429, schema=ErrorResponseSchema, description="Too many requests")
def outcomes_target(inputs: calculator.Inputs):
    """Outcome targets implied by a contract: employment specialists funded per year, and per quarter the
    referrals, clients engaged, job starts and 13/26/52-week sustainments over / under 16 hours.

    With no inputs it gives the example printed in IPS Grow, *Growing IPS in the UK* (2018).
    """
    return jsonify(calculator.calculate(inputs))


@blp.route("/tools/workforce", methods=["POST"])
@blp.arguments(WorkforceSchema, location="json", as_kwargs=False)
@blp.response(200, OpenSchema)
@blp.alt_response(400, schema=ErrorResponseSchema, description="Bad input")
@blp.alt_response(429, schema=ErrorResponseSchema, description="Too many requests")
def workforce(data: dict):
    """Employment specialists (1 per ~42,000 people), team leaders (1 per ~6) and clients a year (40–50 each)."""
    return jsonify(calculator.workforce(data["population"]))
