"""GET /team — a service's employment specialists and team leaders with their caseloads, and the form to add a
member of staff (POST /team/<service_id>/staff).

The same rules as /api/v1/services/<id>/{staff,caseload}: the form is validated with the API's own schema and
written through ``services.staffing.add_staff``; the caseload view is ``services.staffing.service_caseload``.
A service sees only its own team (another service's id is a 404, as the API does); an admin chooses a
service; a clinician gets a 403.
"""

from __future__ import annotations

import re

import marshmallow as ma
from flask import Blueprint, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from rules import default_engine

from ..db import get_db
from ..errors import NotFound
from ..reports.financial_year import today
from ..services import staffing
from ..services.routes import StaffSchema, TargetSchema
from ..storage import audit, staff
from . import csrf, error_pages, labels
from .sessions import current_user, require_staff

bp = Blueprint("staff_team", __name__)
bp.before_request(csrf.check)
error_pages.html_errors(bp)

ROLE_LABELS = {"employment_specialist": "Employment specialist", "team_leader": "Team leader"}
# What to do when a field of the add form is wrong, in words for the page (the schema says "Missing data" …).
FORM_ERRORS = {"name": "Enter the person's name (up to 100 characters).",
               "role": "Choose whether they are an employment specialist or a team leader.",
               "financial_year": "Enter a financial year like 2026/27.",
               "accesses": "Enter the number of accesses as a whole number, like 120."}
# A referral reference or an ISO date inside a caseload warning (services/caseload.py writes both).
_REFERENCE = re.compile(r"\b([A-Z]{1,4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6})\b")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def _service_for(service_id: str) -> str:
    """The service id if this member of staff may see it; 404 otherwise (as /api/v1/services/<id>/… does)."""
    user = current_user()
    if default_engine().ruleset.directory.service(service_id) is None or (
            user.role == "service" and user.service_id != service_id):
        raise NotFound("There is no team here that you can see.")
    return service_id


def warning_html(text: str) -> Markup:
    """A caseload warning for the page: its referral references as links, its ISO dates as '1 October 2026'."""
    escaped = str(escape(text))
    escaped = _ISO_DATE.sub(lambda m: labels.day(m.group(1)), escaped)
    return Markup(_REFERENCE.sub(
        lambda m: f'<a href="{url_for("staff_inbox.referral_page", reference=m.group(1))}">{m.group(1)}</a>', escaped))


@bp.route("/team")
@require_staff("service", "admin")
def team_home():
    """A service's own team; an admin picks a service (or comes with ?service=)."""
    user = current_user()
    wanted = user.service_id if user.role == "service" else request.args.get("service")
    if wanted:
        return redirect(url_for("staff_team.team_page", service_id=wanted), code=303)
    return render_template("staff/team_choose.html", services=default_engine().ruleset.directory.services)


@bp.route("/team/<service_id>")
@require_staff("service", "admin")
def team_page(service_id: str):
    return _render_team(_service_for(service_id))


def _render_team(service_id: str, errors: dict | None = None, form: dict | None = None, status: int = 200):
    user = current_user()
    db = get_db()
    caseload = staffing.service_caseload(db, service_id, today())
    audit.record(db, actor=user.id, role=user.role, action="service.caseload", service_id=service_id)
    service = default_engine().ruleset.directory.service(service_id)
    return render_template("staff/team.html", service=service, caseload=caseload, role_labels=ROLE_LABELS,
                           added=added_member(service_id, request.args.get("added")),
                           target_set=request.args.get("target") == "set", errors=errors or {}, form=form or {},
                           warning_html=warning_html,
                           services=default_engine().ruleset.directory.services if user.role == "admin" else []), status


@bp.route("/team/<service_id>/staff", methods=["POST"])
@require_staff("service", "admin")
def add_member(service_id: str):
    """Add an employment specialist or team leader: StaffSchema (the API's), then staffing.add_staff."""
    user = current_user()
    service_id = _service_for(service_id)
    form = {"name": (request.form.get("name") or "").strip(), "role": request.form.get("role") or ""}
    try:
        data = StaffSchema().load({k: v for k, v in form.items() if v})
    except ma.ValidationError as error:
        errors = {name: FORM_ERRORS.get(name, " ".join(map(str, messages)))
                  for name, messages in error.messages.items() if name in FORM_ERRORS}
        return _render_team(service_id, errors or {"name": FORM_ERRORS["name"]}, form, 400)
    member = staffing.add_staff(get_db(), service_id, data["name"], data["role"], actor=user.id, role_of_actor=user.role)
    return redirect(url_for("staff_team.team_page", service_id=service_id, added=member["id"]) + "#staff", code=303)


def added_member(service_id: str, staff_id: str | None) -> dict | None:
    """The member just added (for the success banner), only if they belong to this service."""
    member = staff.get_staff(get_db(), staff_id) if staff_id else None
    return member if member and member["service_id"] == service_id else None


@bp.route("/team/<service_id>/target", methods=["POST"])
@require_staff("admin")
def set_target(service_id: str):
    """The commissioner's contract target (accesses in a financial year): admins only, as PUT …/targets is."""
    user = current_user()
    service_id = _service_for(service_id)
    form = {"financial_year": (request.form.get("financial_year") or "").strip(),
            "accesses": (request.form.get("accesses") or "").strip()}
    try:
        accesses = int(form["accesses"]) if form["accesses"].isdigit() else form["accesses"]
        data = TargetSchema().load({k: v for k, v in {**form, "accesses": accesses}.items() if v not in ("", None)})
    except ma.ValidationError as error:
        errors = {name: FORM_ERRORS[name] for name in error.messages if name in FORM_ERRORS}
        return _render_team(service_id, errors or {"accesses": FORM_ERRORS["accesses"]}, form, 400)
    staffing.set_target(get_db(), service_id, data["financial_year"], data["accesses"], actor=user.id, role=user.role)
    return redirect(url_for("staff_team.team_page", service_id=service_id, target="set") + "#target", code=303)
