"""Text campaigns as pages for signed-in staff: the list, importing contacts, a new campaign, its preview
(recipients, exclusions with reasons, sample texts), confirm and send, live counts and the report.

The pages call the same functions as the JSON API (``audience.preview`` and ``audience.freeze``,
``contacts_import.import_contacts``, ``campaign_report``) with the same checks. The older report page
``/sms/campaigns/<id>/report`` still answers API clients that send a bearer token.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import marshmallow as ma
from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from rules import default_engine

from ..auth import optional_principal
from ..db import get_db, write_transaction
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..staff import csrf, error_pages
from ..staff.charts import bar_chart
from ..staff.sessions import current_user, require_staff
from ..storage import campaigns as store
from ..storage import outbox, tokens
from . import audience
from .contacts_import import UnreadableFile, import_contacts
from .report import bar_chart_svg, campaign_report, report_csv
from .schemas import CampaignCreateSchema
from .segments import count_segments

bp = Blueprint("sms_pages", __name__)
error_pages.html_errors(bp)

# Contacts files are bigger than the API's 64 KiB JSON bodies: this page alone takes up to 20 MB.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
CAMPAIGN_STATUS = {"draft": ("Draft: not sent", "nhsuk-tag--grey"), "sending": ("Sending", "nhsuk-tag--blue"),
                   "completed": ("Sent", "nhsuk-tag--green")}
DELIVERY_STATUS = {"queued": "Waiting to send", "sent": "Sent, not yet confirmed", "delivered": "Delivered to the phone",
                   "undelivered": "Not delivered (phone off or unreachable)", "failed": "Failed to send",
                   "skipped": "Not sent (consent changed or opted out before sending)"}
EXCLUSION_REASONS = {
    "no_consent": "No consent to texts (none recorded, or refused)",
    "withdrawn": "Consent withdrawn (for example, they replied STOP)",
    "invalid_mobile": "Not a UK mobile number",
    "duplicate_mobile": "Same mobile number as another contact (texted once)",
    "outside_audience": "Outside the audience (postcode area or the rules for the pathway)",
    "frequency_cap": "Texted by another campaign in the last 30 days",
    "already_referred": "Already referred to the service",
    "no_local_service": "No local service for their postcode",
}
IMPORT_REJECTS = {
    "invalid_mobile": "Not a UK mobile number", "invalid_postcode": "Not a UK postcode",
    "missing_person_ref": "No person_ref", "invalid_conditions": "A condition that is not in the list",
    "invalid_in_secondary_mental_health_care": "in_secondary_mental_health_care is not yes or no",
    "invalid_sms_consent": "sms_consent is not granted, refused, withdrawn or empty",
    "invalid_sms_consent_recorded_at": "sms_consent_recorded_at is not a date",
    "duplicate_person_ref": "The same person_ref as an earlier row",
}


def _labels() -> dict:
    return {"campaign_status": CAMPAIGN_STATUS, "delivery_status": DELIVERY_STATUS, "exclusion_reasons": EXCLUSION_REASONS,
            "import_rejects": IMPORT_REJECTS}


def _service_id() -> str:
    """The service whose campaigns these are: a service account's own (admins work through the API)."""
    user = current_user()
    if user.role != "service" or not user.service_id:
        raise Forbidden("Campaigns are run by a service account. Admins can create area-wide campaigns with the API.")
    return user.service_id


def _campaign(campaign_id: str) -> dict:
    campaign = store.get_campaign(get_db(), campaign_id[:64])
    if campaign is None or not current_user().principal.may_see_service(campaign["service_id"]):
        raise NotFound("No such campaign.")
    return campaign


@bp.route("/campaigns")
@require_staff("service", "admin")
def campaigns_page():
    user = current_user()
    db = get_db()
    rows = store.list_campaigns(db, user.service_id if user.role == "service" else None)
    listed = [{**c, "counts": outbox.counts(db, c["id"])} for c in rows]
    return render_template("sms/campaigns.html", campaigns=listed, **_labels())


@bp.route("/campaigns/contacts", methods=["GET", "POST"])
@require_staff("service")
@csrf.protect
def contacts_page():
    """Upload the contacts CSV (CONTRACT.md "SMS promotions"): rows imported, rows rejected by number and reason."""
    service_id = _service_id()
    if request.method == "GET":
        return render_template("sms/contacts.html", summary=None, error=None, **_labels())
    upload = request.files.get("contacts")
    if upload is None or not upload.filename:
        return render_template("sms/contacts.html", summary=None, error="Choose the contacts CSV file to upload.",
                               **_labels()), 400
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        upload.save(path)
        try:
            summary = import_contacts(get_db(), service_id, path, rejects_path=Path(folder) / "rejects.csv")
        except UnreadableFile as error:
            return render_template("sms/contacts.html", summary=None, error=f"That file cannot be imported: {error}",
                                   **_labels()), 400
    current_app.logger.info("contacts_imported_from_page", extra={"service_id": service_id, "rows": summary.rows,
                                                                  "rejected": summary.rejected_count})
    return render_template("sms/contacts.html", summary=summary, error=None, **_labels())


@bp.before_request
def _larger_uploads_for_contacts():
    if request.endpoint == "sms_pages.contacts_page":
        request.max_content_length = MAX_UPLOAD_BYTES


@bp.route("/campaigns/new", methods=["GET", "POST"])
@require_staff("service")
@csrf.protect
def new_campaign():
    service_id = _service_id()
    pathways = default_engine().ruleset.pathways
    if request.method == "GET":
        return render_template("sms/new.html", errors={}, form={}, pathways=pathways, segments=None)
    prefixes = [p.strip().upper() for p in (request.form.get("postcode_prefixes") or "").replace(";", ",").split(",")
                if p.strip()]
    data = {"service_id": service_id, "name": (request.form.get("name") or "").strip(),
            "template": request.form.get("template") or "",
            "audience": {"pathway": request.form.get("pathway") or None, "postcode_prefixes": prefixes or None}}
    try:
        clean = CampaignCreateSchema().load(data)
    except ma.ValidationError as error:
        errors = _flatten(error.messages)
        if not data["name"]:
            errors["name"] = ["Enter a name for the campaign."]
        return render_template("sms/new.html", errors=errors, form=request.form, pathways=pathways,
                               segments=count_segments(data["template"])), 400
    audience_data = {k: v for k, v in clean["audience"].items() if v is not None}
    campaign = store.create_campaign(get_db(), service_id=service_id, name=clean["name"], template=clean["template"],
                                     audience=audience_data, routed=False, created_by=current_user().id)
    return redirect(url_for("sms_pages.campaign_page", campaign_id=campaign["id"]), code=303)


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[(prefix + str(name)).split(".")[-1] if prefix else str(name)] = [str(v) for v in value]
    return flat


@bp.route("/campaigns/<campaign_id>")
@require_staff("service", "admin")
def campaign_page(campaign_id: str):
    """A draft: the preview to confirm. Sent: live counts and the report."""
    campaign = _campaign(campaign_id)
    db = get_db()
    if campaign["status"] == store.DRAFT:
        preview = audience.preview(db, campaign, current_app.config["PUBLIC_BASE_URL"])
        return render_template("sms/campaign.html", campaign=campaign, preview=preview, report=None, chart=None,
                               **_labels())
    report = campaign_report(db, campaign)
    chart = bar_chart([(DELIVERY_STATUS.get(k, k), v) for k, v in report["counts"].items()], "Texts by what happened to them")
    return render_template("sms/campaign.html", campaign=campaign, preview=None, report=report, chart=chart, **_labels())


@bp.route("/campaigns/<campaign_id>/send", methods=["POST"])
@require_staff("service", "admin")
@csrf.protect
def send(campaign_id: str):
    """Confirm and send: the recipients are frozen into the outbox, as POST /api/v1/campaigns/<id>/send does."""
    campaign = _campaign(campaign_id)
    if request.form.get("confirm") != "yes":
        raise ValidationFailed("Tick the box to confirm that the text and the audience are right.")
    db = get_db()
    with write_transaction(db):
        if store.get_campaign(db, campaign["id"])["status"] != store.DRAFT:
            raise Conflict("This campaign has already been sent.")
        queued = audience.freeze(db, campaign, current_app.config["PUBLIC_BASE_URL"])
        store.mark_sending(db, campaign["id"], queued)
        if not queued:
            store.complete_finished(db)
    current_app.logger.info("campaign_queued", extra={"campaign_id": campaign["id"], "recipients": queued})
    return redirect(url_for("sms_pages.campaign_page", campaign_id=campaign["id"]), code=303)


@bp.route("/campaigns/<campaign_id>/counts.json")
@require_staff("service", "admin")
def live_counts(campaign_id: str):
    """The delivery counts for the page's live update (same-origin, session cookie)."""
    campaign = _campaign(campaign_id)
    counts = outbox.counts(get_db(), campaign["id"])
    return jsonify({"status": store.get_campaign(get_db(), campaign["id"])["status"], "counts": counts})


@bp.route("/campaigns/<campaign_id>/report.csv")
@require_staff("service", "admin")
def report_download(campaign_id: str):
    campaign = _campaign(campaign_id)
    return Response(report_csv(campaign_report(get_db(), campaign)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{campaign["id"]}-report.csv"'})


@bp.route("/sms/campaigns/<campaign_id>/report", methods=["GET", "POST"])
def report_page(campaign_id: str):
    """The older report page: signed-in staff go to the campaign's page; a bearer token still works."""
    if current_user() is not None:
        return redirect(url_for("sms_pages.campaign_page", campaign_id=campaign_id), code=303)
    principal = optional_principal()
    if principal is None and request.method == "POST":
        principal = tokens.find_principal(get_db(), (request.form.get("token") or "").strip())
        g.principal = principal
        if principal is None:
            return render_template("sms/report.html", campaign_id=campaign_id, ask_token=True,
                                   error="That token is not valid."), 401
    if principal is None:
        return render_template("sms/report.html", campaign_id=campaign_id, ask_token=True, error=None)
    if principal.role not in ("service", "admin"):
        raise Forbidden()
    campaign = store.get_campaign(get_db(), campaign_id)
    if campaign is None or not principal.may_see_service(campaign["service_id"]):
        return render_template("sms/report.html", campaign_id=campaign_id, ask_token=True,
                               error="No such campaign for that token."), 404
    report = campaign_report(get_db(), campaign)
    return render_template("sms/report.html", campaign_id=campaign_id, ask_token=False, report=report, campaign=campaign,
                           chart=Markup(bar_chart_svg(report["counts"])))
