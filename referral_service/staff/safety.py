"""GET /safety — the service's safety events (messages at risk on any channel) to follow up, and
POST /safety/<id>/review to mark one followed up: the same storage and rules as /api/v1/safety-events."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from ..db import get_db, write_transaction
from ..errors import NotFound
from ..safety.routes import _may_see as may_see_event
from ..storage import audit, safety_events
from . import csrf, error_pages
from .sessions import current_user, require_staff

bp = Blueprint("staff_safety", __name__)
bp.before_request(csrf.check)
error_pages.html_errors(bp)

CHANNEL_LABELS = {"sms": "Text message reply", "chat": "Web chat", "form": "Self-referral form"}
LEVEL_LABELS = {"urgent": ("Urgent", "nhsuk-tag--red"), "check": ("Check on them", "nhsuk-tag--orange")}
CATEGORY_LABELS = {
    "suicidal_thoughts": "Suicidal thoughts", "passive_suicidal_thoughts": "Passive suicidal thoughts",
    "plan_or_means": "A plan or the means", "farewell": "Saying goodbye", "self_harm": "Self-harm",
    "harm_to_others": "Harm to others",
}


@bp.route("/safety")
@require_staff("service", "admin")
def safety_page():
    user = current_user()
    db = get_db()
    reviewed = request.args.get("show") == "reviewed"
    service_id = user.service_id if user.role == "service" else (request.args.get("service") or None)
    events = safety_events.list_events(db, service_id=service_id, reviewed=reviewed, limit=200)
    waiting = len(safety_events.list_events(db, service_id=service_id, reviewed=False, limit=500))
    audit.record(db, actor=user.id, role=user.role, action="safety_event.list", service_id=service_id,
                 outcome=f"ok:{len(events)}")
    return render_template("staff/safety.html", events=events, reviewed=reviewed, waiting=waiting,
                           channel_labels=CHANNEL_LABELS, level_labels=LEVEL_LABELS, category_labels=CATEGORY_LABELS)


@bp.route("/safety/<event_id>/review", methods=["POST"])
@require_staff("service", "admin")
def review(event_id: str):
    user = current_user()
    db = get_db()
    event = safety_events.get_event(db, event_id[:64])
    if event is None or not may_see_event(user.principal, event):
        raise NotFound("No such safety event.")
    with write_transaction(db):
        safety_events.mark_reviewed(db, event["id"], user.id)
        audit.record(db, actor=user.id, role=user.role, action="safety_event.review", target=event["id"],
                     service_id=event["service_id"])
    return redirect(url_for("staff_safety.safety_page") + f"#event-{event['id']}", code=303)
