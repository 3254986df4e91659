"""GET /api/v1/reports/referrals — counts by pathway, source, service, month, status and ethnicity.

A service token sees its own service only; an admin sees all (or one, with ``service_id``).
``?format=csv`` (or ``Accept: text/csv``) downloads the same counts as CSV.
"""

from __future__ import annotations

import re

import marshmallow as ma
from flask import Response, jsonify, request
from marshmallow import fields, validate

from ..api import Blueprint
from ..auth import current_principal, require_role
from ..db import get_db
from ..schemas import ErrorResponseSchema, OpenSchema
from ..storage import audit, referrals
from . import financial_year
from .csv_export import to_csv

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Referral counts for commissioners.")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ReportQuerySchema(ma.Schema):
    service_id = fields.String(load_default=None)
    since = fields.String(load_default=None, validate=validate.Regexp(_MONTH, error="Use YYYY-MM."))
    until = fields.String(load_default=None, validate=validate.Regexp(_MONTH, error="Use YYYY-MM."))
    financial_year = fields.String(load_default=None, metadata={
        "description": "A financial year like 2024/25 (April to March); instead of since/until"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))

    @ma.validates_schema
    def _financial_year(self, data, **kwargs):
        if data.get("financial_year") is None:
            return
        try:
            year = financial_year.parse(data["financial_year"])
        except financial_year.BadFinancialYear as error:
            raise ma.ValidationError(str(error), field_name="financial_year") from None
        if data.get("since") or data.get("until"):
            raise ma.ValidationError("Give a financial year or since/until, not both.", field_name="financial_year")
        data["since"], data["until"] = year.first_day.isoformat()[:7], year.last_day.isoformat()[:7]


class ReferralReportSchema(OpenSchema):
    service_id = fields.String(allow_none=True)
    since = fields.String(allow_none=True)
    until = fields.String(allow_none=True)
    financial_year = fields.String(allow_none=True)
    total = fields.Integer()
    accessed = fields.Integer()
    by = fields.Dict()


@blp.route("/reports/referrals", methods=["GET"])
@require_role("service", "admin")
@blp.arguments(ReportQuerySchema, location="query", as_kwargs=False)
@blp.alt_response(400, schema=ErrorResponseSchema)
@blp.alt_response(401, schema=ErrorResponseSchema)
@blp.alt_response(403, schema=ErrorResponseSchema)
@blp.response(200, ReferralReportSchema)
@blp.doc(responses={"200": {"description": "The counts, as JSON or CSV", "content": {
    "application/json": {"schema": ReferralReportSchema},
    "text/csv": {"schema": {"type": "string"}},
}}})
def referral_report(query: dict):
    """Counts of referrals (and accesses) by pathway, source, service, month, status and ethnic category.

    Referrals count in the month (or financial year, ``?financial_year=2024/25``) they were made;
    accesses in the month of the access itself.

    Ethnicity uses the NHS Data Dictionary ethnic category codes; ``not_recorded`` where none was given.
    """
    principal = current_principal()
    service_id = principal.service_id if principal.role == "service" else query["service_id"]
    db = get_db()
    counts = referrals.report_counts(db, service_id=service_id, since=query["since"], until=query["until"])
    audit.record(db, actor=principal.token_id, role=principal.role, action="report.referrals", service_id=service_id)
    body = {"service_id": service_id, "since": query["since"], "until": query["until"],
            "financial_year": query["financial_year"], **counts}
    wants_csv = query["format"] == "csv" or request.accept_mimetypes.best == "text/csv"
    if not wants_csv:
        return jsonify(body)
    rows = [("total", "all", counts["total"]), ("accessed", "all", counts["accessed"])]
    for dimension, values in counts["by"].items():
        rows.extend((dimension, value, count) for value, count in values.items())
    return Response(
        to_csv(("dimension", "value", "count"), rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="referrals-report.csv"'},
    )
