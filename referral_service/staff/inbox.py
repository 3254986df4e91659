"""The service's pages: GET /inbox (its referrals) and GET /referrals/<reference> with its actions as forms.

Every read and change goes through the same service-layer and storage functions as the JSON API, with
the signed-in member of staff as the principal: a service sees only its own referrals (another's is
a 404), every read and change is audited, and the workflow's rules live in one place.
"""

from __future__ import annotations

import math

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for

from rules import default_engine

from ..db import get_db, write_transaction
from ..errors import DOMAIN_STATUS, Conflict, DomainError, ValidationFailed
from ..referrals import after_access, service
from ..referrals.outcome_routes import AssignSchema, JobEndSchema, JobStartSchema, MilestoneSchema
from ..referrals.references import normalise_reference
from ..referrals.schemas import ContactSchema, StatusChangeSchema
from ..storage import audit, consents, inbox, referrals, staff
from . import csrf, error_pages
from .sessions import current_user, require_staff

bp = Blueprint("staff_inbox", __name__)
bp.before_request(csrf.check)
error_pages.html_errors(bp)

PAGE_SIZE = 25
MILESTONE_LABELS = {"vocational_profile": "Vocational profile", "action_plan": "Action plan"}
TABS = (("all", "All"), ("received", "New"), ("contacted", "Contacted"), ("accepted", "Accepted"),
        ("first_appointment_attended", "Started"), ("declined", "Declined"), ("closed", "Closed"))


def _scope():
    """(service id, referrer) the signed-in member of staff may list: a service its own, a clinician theirs."""
    user = current_user()
    if user.role == "service":
        return user.service_id, None
    if user.role == "clinician":
        return None, user.id
    return (request.args.get("service") or None), None


@bp.route("/inbox")
@require_staff("service", "admin")
def inbox_page():
    return _list_page("staff/inbox.html", "referral.list")


@bp.route("/my-referrals")
@require_staff("clinician")
def my_referrals():
    return _list_page("staff/my_referrals.html", "referral.list")


def _list_page(template: str, action: str):
    user = current_user()
    db = get_db()
    service_id, referrer = _scope()
    status = request.args.get("status", "all")
    if status not in dict(TABS):
        status = "all"
    search = normalise_reference(request.args.get("q", "")) if request.args.get("q", "").strip() else ""
    search = "".join(ch for ch in search if ch.isalnum() or ch == "-")[:16]
    counts = inbox.status_counts(db, service_id=service_id, referrer_token_id=referrer, reference_search=search or None)
    total = sum(counts.values()) if status == "all" else counts.get(status, 0)
    pages_count = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages_count)
    rows = inbox.search(db, service_id=service_id, referrer_token_id=referrer,
                        status=None if status == "all" else status, reference_search=search or None,
                        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    audit.record(db, actor=user.id, role=user.role, action=action, service_id=service_id, outcome=f"ok:{len(rows)}")
    tabs = [{"id": key, "label": label, "count": sum(counts.values()) if key == "all" else counts.get(key, 0)}
            for key, label in TABS]
    services = default_engine().ruleset.directory.services if user.role == "admin" else []
    return render_template(template, rows=rows, tabs=tabs, status=status, search=search, page=page,
                           pages_count=pages_count, total=total, service_id=service_id, services=services)


@bp.route("/referrals/<reference>")
@require_staff("service", "admin", "clinician")
def referral_page(reference: str):
    return _render_referral(reference)


def _render_referral(reference: str, errors: dict | None = None, problem: str | None = None, status: int = 200):
    """The referral's page; after a form with mistakes, the same page with an error summary and the fields marked."""
    user = current_user()
    db = get_db()
    referral = service.load_for(db, normalise_reference(reference), user.principal, "referral.read")
    audit.record(db, actor=user.id, role=user.role, action="referral.read", target=referral["reference"],
                 service_id=referral["service_id"])
    body = service.view(db, referral, detail=True)
    history = consents.consent_history(db, consents.referral_subject(referral["reference"]))
    trail = audit.entries(db, referral["reference"], limit=200)
    team = staff.list_staff(db, referral["service_id"])
    assigned = staff.get_staff(db, referral["assigned_staff_id"]) if referral.get("assigned_staff_id") else None
    return render_template("staff/referral.html", referral=body, record=referral, history=history, trail=trail,
                           outcomes=after_access.outcome_view(db, referral), team=team, assigned=assigned,
                           milestone_kinds=MILESTONE_LABELS, contact_with=referrals.CONTACT_WITH,
                           next_statuses=referrals.TRANSITIONS.get(referral["status"], ()),
                           channels=referrals.CONTACT_CHANNELS, message=request.args.get("done"),
                           can_change=user.role in ("service", "admin"), errors=errors or {}, problem=problem,
                           form=request.form if errors else {}, form_errors_for=request.endpoint if errors else None,
                           field_anchors=FIELD_ANCHORS), status


# Where each field of the referral page's forms is, for the error summary's links.
FIELD_ANCHORS = {"channel": "channel", "occurred_at": "occurred_on", "with": "with", "staff_id": "staff_id",
                 "type": "type", "on": "milestone_on", "started_on": "started_on", "hours_per_week": "hours_per_week",
                 "employer": "employer", "ended_on": "outcomes", "status": "top"}


@bp.errorhandler(ValidationFailed)
def _form_mistake(error: ValidationFailed):
    """A form on the referral page with mistakes: show the page again, with what to correct."""
    reference = (request.view_args or {}).get("reference")
    if request.method != "POST" or not reference:
        return error_pages.render(error.status, error.message, error.fields)
    return _render_referral(reference, error.fields or {"_form": [error.message]}, error.message, 400)


@bp.errorhandler(DomainError)
def _domain_refusal(error: DomainError):
    reference = (request.view_args or {}).get("reference")
    if error.kind == "invalid" and request.method == "POST" and reference:
        return _render_referral(reference, error.fields or {"_form": [error.message]}, error.message, 400)
    return error_pages.render(DOMAIN_STATUS.get(error.kind, 422), error.message, error.fields)


def _back(reference: str, done: str):
    return redirect(url_for("staff_inbox.referral_page", reference=reference, done=done) + "#top", code=303)


def _form_data(schema: ma.Schema, data: dict) -> dict:
    """Validate a form with the same marshmallow schema as the JSON API (so the rules are the same)."""
    try:
        return schema.load({k: v for k, v in data.items() if v not in (None, "")})
    except ma.ValidationError as error:
        raise ValidationFailed("Check the details you entered.", fields=_flatten(error.messages)) from None


# What to do when a required field is left empty, in words for the page (the API says "Missing data").
REQUIRED = {"channel": "Choose how you contacted the person.", "status": "Choose what has happened.",
            "staff_id": "Choose who to assign it to.", "type": "Choose which milestone was completed.",
            "on": "Enter the date it was completed.", "started_on": "Enter the first day of paid work.",
            "hours_per_week": "Enter the hours a week, for example 16.", "ended_on": "Enter the last day in the job."}


def _flatten(messages) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {"_form": [str(m) for m in messages]}
    flat = {}
    for name, value in messages.items():
        problems = [str(m) for m in (value if isinstance(value, list) else [value])]
        flat[name] = [REQUIRED.get(name, m) if m.startswith("Missing data") else m for m in problems]
    return flat


def _changing(reference: str, action: str) -> dict:
    """The referral this member of staff may change (404 for another service's; audited either way)."""
    return service.load_for_change(get_db(), normalise_reference(reference), current_user().principal, action)


@bp.route("/referrals/<reference>/status", methods=["POST"])
@require_staff("service", "admin")
def change_status(reference: str):
    """The same move as POST /api/v1/referrals/<reference>/status, from the referral page's buttons."""
    user = current_user()
    db = get_db()
    data = _form_data(StatusChangeSchema(), {"status": request.form.get("status")})
    referral = _changing(reference, "referral.status")
    with write_transaction(db):
        try:
            referral = referrals.change_status(db, referral["reference"], data["status"], recorded_by=user.id,
                                               occurred_at=data.get("occurred_at"))
        except referrals.TransitionNotAllowed as error:
            raise Conflict(str(error)) from None
        audit.record(db, actor=user.id, role=user.role, action=f"referral.status:{data['status']}",
                     target=referral["reference"], service_id=referral["service_id"])
    return _back(referral["reference"], "status")


@bp.route("/referrals/<reference>/contacts", methods=["POST"])
@require_staff("service", "admin")
def record_contact(reference: str):
    """The same as POST /api/v1/referrals/<reference>/contacts: the channel, when, with whom, and agreement."""
    user = current_user()
    db = get_db()
    data = _form_data(ContactSchema(), {
        "channel": request.form.get("channel"), "occurred_at": (request.form.get("occurred_on") or "").strip(),
        "agreed_to_start": True if request.form.get("agreed_to_start") == "yes" else None,
        "with": request.form.get("with") or "person"})
    referral = _changing(reference, "referral.contact")
    with write_transaction(db):
        try:
            referral, _ = referrals.record_contact(db, referral["reference"], data["channel"], recorded_by=user.id,
                                                   occurred_at=data["occurred_at"],
                                                   agreed_to_start=data["agreed_to_start"],
                                                   contact_with=data["contact_with"])
        except referrals.TransitionNotAllowed as error:
            raise Conflict(str(error)) from None
        audit.record(db, actor=user.id, role=user.role, action=f"referral.contact:{data['channel']}",
                     target=referral["reference"], service_id=referral["service_id"])
    return _back(referral["reference"], "contact")


@bp.route("/referrals/<reference>/assign", methods=["POST"])
@require_staff("service", "admin")
def assign(reference: str):
    """Assign to an employment specialist or team leader of the referral's own service (after_access.assign)."""
    user = current_user()
    data = _form_data(AssignSchema(), {"staff_id": request.form.get("staff_id")})
    referral = _changing(reference, "referral.assign")
    after_access.assign(get_db(), referral, data["staff_id"], actor=user.id, role=user.role)
    return _back(referral["reference"], "assign")


@bp.route("/referrals/<reference>/milestones", methods=["POST"])
@require_staff("service", "admin")
def record_milestone(reference: str):
    """A completed vocational profile or action plan (after_access.record_milestone)."""
    user = current_user()
    data = _form_data(MilestoneSchema(), {"type": request.form.get("type"), "on": request.form.get("on")})
    referral = _changing(reference, "referral.milestone")
    after_access.record_milestone(get_db(), referral, data["type"], data["on"], actor=user.id, role=user.role)
    return _back(referral["reference"], "milestone")


@bp.route("/referrals/<reference>/jobs", methods=["POST"])
@require_staff("service", "admin")
def start_job(reference: str):
    """A job start (after_access.start_job)."""
    user = current_user()
    data = _form_data(JobStartSchema(), {"started_on": request.form.get("started_on"),
                                         "hours_per_week": request.form.get("hours_per_week"),
                                         "employer": (request.form.get("employer") or "").strip()})
    referral = _changing(reference, "referral.job")
    after_access.start_job(get_db(), referral, started_on=data["started_on"], hours_per_week=data["hours_per_week"],
                           employer=data["employer"], actor=user.id, role=user.role)
    return _back(referral["reference"], "job")


@bp.route("/referrals/<reference>/jobs/<job_id>/end", methods=["POST"])
@require_staff("service", "admin")
def end_job(reference: str, job_id: str):
    """The last day of a job (after_access.end_job)."""
    user = current_user()
    data = _form_data(JobEndSchema(), {"ended_on": request.form.get("ended_on")})
    referral = _changing(reference, "referral.job")
    after_access.end_job(get_db(), referral, job_id, ended_on=data["ended_on"], actor=user.id, role=user.role)
    return _back(referral["reference"], "job")
