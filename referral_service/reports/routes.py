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


class OutcomeQuerySchema(ma.Schema):
    financial_year = fields.String(load_default=None, metadata={
        "description": "April to March, like 2024/25; the current financial year if left out", "example": "2024/25"})
    service_id = fields.String(load_default=None, metadata={"description": "Admins: one service only"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))

    @ma.validates("financial_year")
    def _year(self, value, **kwargs):
        try:
            financial_year.parse(value)
        except financial_year.BadFinancialYear as error:
            raise ma.ValidationError(str(error)) from None


class SustainmentSchema(OpenSchema):
    over_16_hours = fields.Raw()
    under_16_hours = fields.Raw()


class OutcomeReportSchema(OpenSchema):
    financial_year = fields.String(required=True)
    service_id = fields.String(allow_none=True)
    referrals = fields.Integer()
    accessed = fields.Integer()
    engaged = fields.Integer()
    job_starts = fields.Integer()
    people_into_work = fields.Integer()
    sustained_13_weeks = fields.Nested(SustainmentSchema)
    sustained_26_weeks = fields.Nested(SustainmentSchema)
    sustained_52_weeks = fields.Nested(SustainmentSchema)
    into_work_rate = fields.Float(allow_none=True)
    benchmarks = fields.Dict()
    by_ethnicity = fields.Dict(metadata={"description": "The same figures per ethnic category; 1 to 4 shown as *"})
    target = fields.Dict(allow_none=True)


def outcome_report_for(db, service_id: str | None, year_label: str) -> dict:
    """The outcomes report for one service (or all), as of today, with the service's access target."""
    from ..storage import outcomes as outcome_storage
    from ..storage import staff
    from . import outcomes
    from .financial_year import today

    year = financial_year.parse(year_label)
    rows = referrals.for_outcomes(db, service_id=service_id)
    milestones, jobs = outcome_storage.for_references(db, [row["reference"] for row in rows])
    body = {"financial_year": year.label, "service_id": service_id,
            **outcomes.report(outcomes.people_from(rows, milestones, jobs), year, today())}
    body["financial_year"] = year.label
    target = staff.target(db, service_id, year.label) if service_id else None
    body["target"] = None if target is None else {
        "accesses": target, "accessed_to_date": body["accessed"],
        "share_achieved": round(body["accessed"] / target, 4) if target else None,
    }
    return body


@blp.route("/reports/outcomes", methods=["GET"])
@require_role("service", "admin")
@blp.arguments(OutcomeQuerySchema, location="query", as_kwargs=False)
@blp.alt_response(400, schema=ErrorResponseSchema)
@blp.alt_response(401, schema=ErrorResponseSchema)
@blp.alt_response(403, schema=ErrorResponseSchema)
@blp.alt_response(404, schema=ErrorResponseSchema)
@blp.response(200, OutcomeReportSchema)
@blp.doc(responses={"200": {"description": "The figures, as JSON or CSV", "content": {
    "application/json": {"schema": OutcomeReportSchema},
    "text/csv": {"schema": {"type": "string"}},
}}})
def outcome_report(query: dict):
    """IPS outcomes for a financial year: referrals, accesses, engaged, job starts, people into work and
    13/26/52-week sustainments (over / under 16 hours), each counted in the year it happened; the same by
    ethnic category with counts of 1 to 4 shown as "*"; the into-work rate beside its benchmarks.

    A service token sees its own service; an admin all, or one with ``service_id``.
    """
    from rules import default_engine

    from ..errors import NotFound

    principal = current_principal()
    service_id = query["service_id"]
    if principal.role == "service":
        if service_id is not None and service_id != principal.service_id:
            raise NotFound("No service with that id that you can see.")
        service_id = principal.service_id
    elif service_id is not None and default_engine().ruleset.directory.service(service_id) is None:
        raise NotFound("No service with that id.")
    db = get_db()
    from .financial_year import today

    year = query["financial_year"] or financial_year.of(today()).label
    body = outcome_report_for(db, service_id, year)
    audit.record(db, actor=principal.token_id, role=principal.role, action="report.outcomes", service_id=service_id)
    wants_csv = query["format"] == "csv" or request.accept_mimetypes.best == "text/csv"
    if not wants_csv:
        return jsonify(body)
    from .outcomes import csv_rows

    filename = f"ips-outcomes-{body['financial_year'].replace('/', '-')}.csv"
    return Response(
        to_csv(("financial_year", "breakdown", "group", "measure", "value"),
               [(body["financial_year"], *row) for row in csv_rows(body)]),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
