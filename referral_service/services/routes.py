"""/api/v1/services/<id>/{staff,caseload,targets} — a service's staff, caseloads and contract targets.

A service token sees only its own service (another service's id is a 404, so its existence is not
revealed); an admin any; clinicians none (403).
"""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask import jsonify
from marshmallow import fields, validate

from rules import default_engine

from ..api import Blueprint
from ..auth import current_principal, require_role
from ..db import get_db
from ..errors import Forbidden, NotFound
from ..referrals.when import PastDate
from ..reports import financial_year
from ..reports.financial_year import today
from ..schemas import ErrorResponseSchema, OpenSchema
from ..storage import audit, staff
from . import staffing

blp = Blueprint("services", __name__, url_prefix="/api/v1",
                description="A service's staff, caseloads with fidelity warnings, and contract targets.")


class StaffSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(staff.ROLES))


class CaseloadQuerySchema(ma.Schema):
    as_of = PastDate(load_default=None, metadata={"description": "The date to compute the caseload on (default today)"})


class TargetSchema(ma.Schema):
    financial_year = fields.String(required=True, metadata={"example": "2024/25"})
    accesses = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000))

    @ma.validates("financial_year")
    def _year(self, value, **kwargs):
        try:
            financial_year.parse(value)
        except financial_year.BadFinancialYear as error:
            raise ma.ValidationError(str(error)) from None


class TargetQuerySchema(ma.Schema):
    financial_year = fields.String(load_default=None)


class StaffMemberSchema(OpenSchema):
    id = fields.String(required=True)
    service_id = fields.String()
    name = fields.String()
    role = fields.String()


class CaseloadSchema(OpenSchema):
    staff = fields.List(fields.Dict(), required=True)
    retention_share = fields.Float(allow_none=True)
    retention_share_limit = fields.Float(allow_none=True)
    warnings = fields.List(fields.String())


def _errors(view):
    for code, why in ((400, "Bad input"), (401, "No valid token"), (403, "The token's role does not allow this"),
                      (404, "No such service that you can see")):
        view = blp.alt_response(code, schema=ErrorResponseSchema, description=why)(view)
    return view


def _service_for(service_id: str) -> str:
    """The service id if this caller may see it; 404 otherwise."""
    principal = current_principal()
    if default_engine().ruleset.directory.service(service_id) is None or (
            principal.role == "service" and not principal.may_see_service(service_id)):
        raise NotFound("No service with that id that you can see.")
    return service_id


@blp.route("/services/<service_id>/staff", methods=["POST"])
@require_role("service", "admin")
@blp.arguments(StaffSchema, location="json", as_kwargs=False)
@blp.response(201, StaffMemberSchema)
@_errors
def add_staff(data: dict, service_id: str):
    """Add an employment specialist or team leader to the service."""
    principal = current_principal()
    member = staffing.add_staff(get_db(), _service_for(service_id), data["name"], data["role"],
                                actor=principal.token_id, role_of_actor=principal.role)
    response = jsonify(member)
    response.status_code = 201
    return response


@blp.route("/services/<service_id>/staff", methods=["GET"])
@require_role("service", "admin")
@blp.response(200, OpenSchema)
@_errors
def list_staff(service_id: str):
    """The service's staff."""
    return jsonify({"staff": staff.list_staff(get_db(), _service_for(service_id))})


@blp.route("/services/<service_id>/caseload", methods=["GET"])
@require_role("service", "admin")
@blp.arguments(CaseloadQuerySchema, location="query", as_kwargs=False)
@blp.response(200, CaseloadSchema)
@_errors
def service_caseload(query: dict, service_id: str):
    """Active caseload per member of staff (engaged, with a contact in the last 4 weeks) and its IPS fidelity
    score; the in-work share against the pathway's limit; review prompts (9 months looking for work, 4 months
    in work), days to the first face-to-face employer contact, team leader ratio — as warnings; and the
    service's access target for the financial year against its accesses to date."""
    principal = current_principal()
    db = get_db()
    service_id = _service_for(service_id)
    as_of: date = query["as_of"] or today()
    body = staffing.service_caseload(db, service_id, as_of)
    audit.record(db, actor=principal.token_id, role=principal.role, action="service.caseload", service_id=service_id)
    return jsonify(body)


@blp.route("/services/<service_id>/targets", methods=["PUT"])
@require_role("admin", "service")
@blp.arguments(TargetSchema, location="json", as_kwargs=False)
@blp.response(200, OpenSchema)
@_errors
def set_target(data: dict, service_id: str):
    """Set the service's contracted number of accesses for a financial year (admins: the commissioner's setting)."""
    principal = current_principal()
    service_id = _service_for(service_id)
    if principal.role != "admin":
        raise Forbidden("Targets are set by the commissioner (an admin token); the service can read them.")
    return jsonify(staffing.set_target(get_db(), service_id, data["financial_year"], data["accesses"],
                                       actor=principal.token_id, role=principal.role))


@blp.route("/services/<service_id>/targets", methods=["GET"])
@require_role("admin", "service")
@blp.arguments(TargetQuerySchema, location="query", as_kwargs=False)
@blp.response(200, OpenSchema)
@_errors
def get_target(query: dict, service_id: str):
    """The service's access target and accesses to date for a financial year (default: this one)."""
    service_id = _service_for(service_id)
    try:
        year = financial_year.parse(query["financial_year"]) if query["financial_year"] else financial_year.of(today())
    except financial_year.BadFinancialYear as error:
        from ..errors import ValidationFailed

        raise ValidationFailed(fields={"query.financial_year": [str(error)]}) from None
    as_of = min(today(), year.last_day)
    body = staffing.service_caseload(get_db(), service_id, as_of)["access_target"]
    return jsonify({"service_id": service_id, **body, "financial_year": year.label})
