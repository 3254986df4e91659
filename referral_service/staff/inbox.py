"""The service's pages: GET /inbox (its referrals) and GET /referrals/<reference> with its actions as forms.

Every read and change goes through the same service-layer and storage functions as the JSON API, with
the signed-in member of staff as the principal: a service sees only its own referrals (another's is
a 404), every read and change is audited, and the workflow's rules live in one place.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for

from ..db import get_db, write_transaction
from ..errors import Conflict, ValidationFailed
from ..referrals import service
from ..referrals.references import normalise_reference
from ..storage import audit, consents, inbox, referrals
from . import csrf, error_pages
from .sessions import current_user, require_staff

bp = Blueprint("staff_inbox", __name__)
bp.before_request(csrf.check)
error_pages.html_errors(bp)

PAGE_SIZE = 25
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
    return render_template(template, rows=rows, tabs=tabs, status=status, search=search, page=page,
                           pages_count=pages_count, total=total, service_id=service_id)


@bp.route("/referrals/<reference>")
@require_staff("service", "admin", "clinician")
def referral_page(reference: str):
    user = current_user()
    db = get_db()
    referral = service.load_for(db, normalise_reference(reference), user.principal, "referral.read")
    audit.record(db, actor=user.id, role=user.role, action="referral.read", target=referral["reference"],
                 service_id=referral["service_id"])
    body = service.view(db, referral, detail=True)
    history = consents.consent_history(db, consents.referral_subject(referral["reference"]))
    trail = audit.entries(db, referral["reference"], limit=200)
    return render_template("staff/referral.html", referral=body, record=referral, history=history, trail=trail,
                           next_statuses=referrals.TRANSITIONS.get(referral["status"], ()),
                           channels=referrals.CONTACT_CHANNELS, message=request.args.get("done"),
                           can_change=user.role in ("service", "admin"))


def _back(reference: str, done: str):
    return redirect(url_for("staff_inbox.referral_page", reference=reference, done=done) + "#top", code=303)


@bp.route("/referrals/<reference>/status", methods=["POST"])
@require_staff("service", "admin")
def change_status(reference: str):
    """The same move as POST /api/v1/referrals/<reference>/status, from the referral page's buttons."""
    user = current_user()
    db = get_db()
    to_status = request.form.get("status", "")
    if to_status not in referrals.STATUSES:
        raise ValidationFailed("Choose what has happened with this referral.", fields={"status": ["Unknown status."]})
    referral = service.load_for_change(db, normalise_reference(reference), user.principal, "referral.status")
    with write_transaction(db):
        try:
            referral = referrals.change_status(db, referral["reference"], to_status, recorded_by=user.id)
        except referrals.TransitionNotAllowed as error:
            raise Conflict(str(error)) from None
        audit.record(db, actor=user.id, role=user.role, action=f"referral.status:{to_status}",
                     target=referral["reference"], service_id=referral["service_id"])
    return _back(referral["reference"], "status")


@bp.route("/referrals/<reference>/contacts", methods=["POST"])
@require_staff("service", "admin")
def record_contact(reference: str):
    """The same as POST /api/v1/referrals/<reference>/contacts: a contact, its channel and when it happened."""
    user = current_user()
    db = get_db()
    channel = request.form.get("channel", "")
    errors = {}
    if channel not in referrals.CONTACT_CHANNELS:
        errors["channel"] = ["Choose how you contacted the person."]
    occurred_at = None
    on = (request.form.get("occurred_on") or "").strip()
    if on:
        try:
            day = datetime.strptime(on, "%Y-%m-%d").replace(tzinfo=UTC, hour=12)
        except ValueError:
            errors["occurred_on"] = ["Enter the date as YYYY-MM-DD, for example 2026-12-01."]
        else:
            if day.date() > datetime.now(UTC).date():
                errors["occurred_on"] = ["The date of a contact cannot be in the future."]
            occurred_at = day.isoformat(timespec="microseconds")
    if errors:
        raise ValidationFailed("Check the contact's details.", fields=errors)
    agreed = request.form.get("agreed_to_start") == "yes"
    referral = service.load_for_change(db, normalise_reference(reference), user.principal, "referral.contact")
    with write_transaction(db):
        try:
            referral, _ = _record_contact(db, referral["reference"], channel, user.id, occurred_at, agreed)
        except referrals.TransitionNotAllowed as error:
            raise Conflict(str(error)) from None
        audit.record(db, actor=user.id, role=user.role, action=f"referral.contact:{channel}",
                     target=referral["reference"], service_id=referral["service_id"])
    return _back(referral["reference"], "contact")


def _record_contact(db, reference, channel, recorded_by, occurred_at, agreed):
    """storage.referrals.record_contact, with agreed_to_start where the storage layer takes it."""
    import inspect

    if "agreed_to_start" in inspect.signature(referrals.record_contact).parameters:
        return referrals.record_contact(db, reference, channel, recorded_by=recorded_by, occurred_at=occurred_at,
                                        agreed_to_start=agreed)
    return referrals.record_contact(db, reference, channel, recorded_by=recorded_by, occurred_at=occurred_at)
