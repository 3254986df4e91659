"""/api/v1/referrals/<reference>/{milestones,jobs,assign,outcomes} — what happens after access."""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify
from marshmallow import fields, validate

from ..api import Blueprint
from ..auth import current_principal, require_role
from ..db import get_db
from ..schemas import ErrorResponseSchema, OpenSchema
from ..storage.outcomes import MILESTONES
from . import after_access, service
from .references import normalise_reference
from .when import PastDate

blp = Blueprint("referral_outcomes", __name__, url_prefix="/api/v1",
                description="After access: milestones (engagement), jobs and sustainments, assignment to staff.")


class MilestoneSchema(ma.Schema):
    type = fields.String(required=True, validate=validate.OneOf(MILESTONES), metadata={
        "description": "vocational_profile or action_plan: engaged once both are complete"})
    on = PastDate(required=True, metadata={"description": "The date it was completed (ISO)", "example": "2024-05-01"})


class JobStartSchema(ma.Schema):
    started_on = PastDate(required=True, metadata={"description": "First day of paid work", "example": "2024-06-03"})
    hours_per_week = fields.Float(required=True, validate=validate.Range(
        min=0, min_inclusive=False, max=after_access.MAX_HOURS_PER_WEEK), metadata={"example": 20})
    employer = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class JobEndSchema(ma.Schema):
    ended_on = PastDate(required=True, metadata={"description": "Last day in the job", "example": "2024-12-20"})


class AssignSchema(ma.Schema):
    staff_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class OutcomeViewSchema(OpenSchema):
    reference = fields.String()
    milestones = fields.Dict()
    engaged = fields.Boolean()
    engaged_on = fields.String(allow_none=True)
    jobs = fields.List(fields.Dict())


class JobViewSchema(OpenSchema):
    id = fields.String(required=True)
    started_on = fields.String()
    hours_per_week = fields.Float()
    employer = fields.String(allow_none=True)
    ended_on = fields.String(allow_none=True)
    hours_band = fields.String()
    sustained = fields.Dict()


def _errors(view):
    for code, why in ((400, "Bad input"), (401, "No valid token"), (403, "The token's role does not allow this"),
                      (404, "No such referral (or job) that you can see"), (409, "The referral's state does not allow it")):
        view = blp.alt_response(code, schema=ErrorResponseSchema, description=why)(view)
    return view


def _load(reference: str, action: str) -> dict:
    return service.load_for_change(get_db(), normalise_reference(reference), current_principal(), action)


@blp.route("/referrals/<reference>/milestones", methods=["POST"])
@require_role("service", "admin")
@blp.arguments(MilestoneSchema, location="json", as_kwargs=False)
@blp.response(201, OutcomeViewSchema)
@blp.alt_response(200, schema=OutcomeViewSchema, description="The date of a milestone recorded before was corrected")
@_errors
def record_milestone(data: dict, reference: str):
    """Record a completed vocational profile or action plan. Engaged once both exist (on the later date).

    201 when new; 200 when it corrects the date of one recorded before.
    """
    principal = current_principal()
    referral = _load(reference, "referral.milestone")
    body, created = after_access.record_milestone(get_db(), referral, data["type"], data["on"],
                                                  actor=principal.token_id, role=principal.role)
    response = jsonify(body)
    response.status_code = 201 if created else 200
    return response


@blp.route("/referrals/<reference>/outcomes", methods=["GET"])
@require_role("service", "admin")
@blp.response(200, OutcomeViewSchema)
@_errors
def referral_outcomes(reference: str):
    """The referral's milestones, engagement and jobs with the sustainment points each has reached."""
    referral = service.load_for(get_db(), normalise_reference(reference), current_principal(), "referral.outcomes")
    return jsonify(after_access.outcome_view(get_db(), referral))


@blp.route("/referrals/<reference>/jobs", methods=["POST"])
@require_role("service", "admin")
@blp.arguments(JobStartSchema, location="json", as_kwargs=False)
@blp.response(201, JobViewSchema)
@_errors
def start_job(data: dict, reference: str):
    """Record a job start: paid competitive work of at least a day (every job counts, first and later)."""
    principal = current_principal()
    referral = _load(reference, "referral.job")
    job = after_access.start_job(get_db(), referral, started_on=data["started_on"],
                                 hours_per_week=data["hours_per_week"], employer=data["employer"],
                                 actor=principal.token_id, role=principal.role)
    response = jsonify(job)
    response.status_code = 201
    return response


@blp.route("/referrals/<reference>/jobs/<job_id>/end", methods=["POST"])
@require_role("service", "admin")
@blp.arguments(JobEndSchema, location="json", as_kwargs=False)
@blp.response(200, JobViewSchema)
@_errors
def end_job(data: dict, reference: str, job_id: str):
    """Record the last day of a job; its sustainments are then counted to that day."""
    principal = current_principal()
    referral = _load(reference, "referral.job")
    return jsonify(after_access.end_job(get_db(), referral, job_id, ended_on=data["ended_on"],
                                        actor=principal.token_id, role=principal.role))


@blp.route("/referrals/<reference>/assign", methods=["POST"])
@require_role("service", "admin")
@blp.arguments(AssignSchema, location="json", as_kwargs=False)
@blp.response(200, OpenSchema)
@_errors
def assign(data: dict, reference: str):
    """Assign the referral to an employment specialist (or team leader) of its own service."""
    principal = current_principal()
    db = get_db()
    referral = _load(reference, "referral.assign")
    updated = after_access.assign(db, referral, data["staff_id"], actor=principal.token_id, role=principal.role)
    return jsonify(service.view(db, updated, detail=False))
