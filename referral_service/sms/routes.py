"""The campaigns API (CONTRACT.md "SMS promotions"): create, preview, send, status, report."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from rules import default_engine

from ..api import Blueprint
from ..auth import current_principal, require_role
from ..db import get_db, write_transaction
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..schemas import ErrorResponseSchema
from ..storage import campaigns as store
from ..storage import outbox
from . import audience
from .report import campaign_report, report_csv
from .schemas import CampaignCreateSchema, CampaignListSchema, CampaignSchema, PreviewSchema, ReportSchema, SendAcceptedSchema
from .templates import tracked_link

blp = Blueprint("campaigns", __name__, url_prefix="/api/v1",
                description="Consented SMS promotions: campaigns, dry-run preview, sending and results.")

_AUTH_ERRORS = ((401, "No valid bearer token"), (403, "The token's role or service does not allow this"))


def _errors(*extra: tuple[int, str]):
    def decorate(view):
        for code, description in (*_AUTH_ERRORS, *extra):
            view = blp.alt_response(code, schema=ErrorResponseSchema, description=description)(view)
        return view
    return decorate


def owner_kind(service_id: str) -> str | None:
    """'service', 'area' (an area-wide campaign, routed per recipient) or None if unknown."""
    directory = default_engine().ruleset.directory
    if directory.service(service_id) is not None:
        return "service"
    if any(a.id == service_id for a in directory.areas):
        return "area"
    return None


def _campaign_for_caller(campaign_id: str) -> dict:
    campaign = store.get_campaign(get_db(), campaign_id)
    if campaign is None or not current_principal().may_see_service(campaign["service_id"]):
        raise NotFound("No such campaign.")
    return campaign


def _view(campaign: dict) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"]
    return {**{k: campaign[k] for k in ("id", "service_id", "name", "template", "audience", "routed", "status",
                                       "created_at", "sent_at", "recipients")},
            "counts": outbox.counts(get_db(), campaign["id"]),
            "link": tracked_link(base, campaign["id"], "<local service>" if campaign["routed"] else campaign["service_id"])}


@blp.route("/campaigns", methods=["POST"])
@blp.arguments(CampaignCreateSchema, location="json", as_kwargs=False)
@blp.response(201, CampaignSchema)
@_errors((400, "Bad input: unknown service or pathway, bad template or postcode prefix"))
@require_role("service", "admin")
def create_campaign(data: dict):
    """Create a campaign (a draft: nothing is sent until POST …/send).

    ``service_id`` is the service whose consented contacts are texted. An admin may name an area
    (e.g. ``south_yorkshire``) for an area-wide campaign: each recipient's text then names the local
    service for their postcode and the campaign's pathway, and their link opens the chat for it.
    """
    principal = current_principal()
    kind = owner_kind(data["service_id"])
    if kind is None:
        raise ValidationFailed(fields={"service_id": ["Unknown service or area."]})
    if not principal.may_see_service(data["service_id"]):
        raise Forbidden("A service token can only create campaigns for its own service.")
    routed = kind == "area" or data["route_to_local_service"]
    audience_data = {k: v for k, v in (data.get("audience") or {}).items() if v is not None}
    if routed and not audience_data.get("pathway"):
        raise ValidationFailed(fields={"audience.pathway": ["An area-wide (routed) campaign needs a pathway."]})
    campaign = store.create_campaign(get_db(), service_id=data["service_id"], name=data["name"],
                                     template=data["template"], audience=audience_data, routed=routed,
                                     created_by=principal.token_id)
    return _view(campaign), 201


@blp.route("/campaigns", methods=["GET"])
@blp.response(200, CampaignListSchema)
@_errors()
@require_role("service", "admin")
def list_campaigns():
    """The caller's campaigns (a service token: its own service's only)."""
    principal = current_principal()
    service_id = principal.service_id if principal.role == "service" else None
    return {"campaigns": [_view(c) for c in store.list_campaigns(get_db(), service_id)]}


@blp.route("/campaigns/<campaign_id>", methods=["GET"])
@blp.response(200, CampaignSchema)
@_errors((404, "No such campaign (or another service's)"))
@require_role("service", "admin")
def get_campaign(campaign_id: str):
    """A campaign with its delivery counts (queued, sent, delivered, failed, undelivered, skipped)."""
    return _view(_campaign_for_caller(campaign_id))


@blp.route("/campaigns/<campaign_id>/preview", methods=["GET"])
@blp.response(200, PreviewSchema)
@_errors((404, "No such campaign (or another service's)"))
@require_role("service", "admin")
def preview_campaign(campaign_id: str):
    """Dry run: who would be texted now, every exclusion counted by reason, segments per message, a sample."""
    campaign = _campaign_for_caller(campaign_id)
    return audience.preview(get_db(), campaign, current_app.config["PUBLIC_BASE_URL"])


@blp.route("/campaigns/<campaign_id>/send", methods=["POST"])
@blp.response(202, SendAcceptedSchema)
@_errors((404, "No such campaign (or another service's)"), (409, "The campaign has already been sent"))
@require_role("service", "admin")
def send_campaign(campaign_id: str):
    """Freeze the recipients into the outbox (one transaction); the dispatcher sends them in the send window."""
    campaign = _campaign_for_caller(campaign_id)
    db = get_db()
    base = current_app.config["PUBLIC_BASE_URL"]
    with write_transaction(db):
        if not store.get_campaign(db, campaign_id)["status"] == store.DRAFT:
            raise Conflict("This campaign has already been sent.")
        queued = audience.freeze(db, campaign, base)
        store.mark_sending(db, campaign_id, queued)
        if not queued:
            store.complete_finished(db)
    current_app.logger.info("campaign_queued", extra={"campaign_id": campaign_id, "recipients": queued})
    return {"id": campaign_id, "status": store.get_campaign(db, campaign_id)["status"], "queued": queued}, 202


@blp.route("/campaigns/<campaign_id>/report", methods=["GET"])
@blp.response(200, ReportSchema)
@_errors((404, "No such campaign (or another service's)"))
@require_role("service", "admin")
def get_report(campaign_id: str):
    """Results: counts by delivery status, opt-outs it caused, replies, self-referrals (conversion), segments."""
    return campaign_report(get_db(), _campaign_for_caller(campaign_id))


@blp.route("/campaigns/<campaign_id>/report.csv", methods=["GET"])
@blp.response(200, content_type="text/csv", description="The report as CSV (campaign_id, measure, value)")
@_errors((404, "No such campaign (or another service's)"))
@require_role("service", "admin")
def get_report_csv(campaign_id: str):
    """The report as CSV."""
    report = campaign_report(get_db(), _campaign_for_caller(campaign_id))
    return Response(report_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{campaign_id}-report.csv"'})


@blp.route("/sms/replies", methods=["GET"])
@_errors()
@require_role("service", "admin")
@blp.response(200, description="Texts people sent back that were not a keyword, newest first; each with "
              "risk_level: urgent, check or null (the risk check every reply gets first)")
def list_replies():
    """Replies stored for the caller's service (never silently dropped)."""
    principal = current_principal()
    if principal.role != "service":
        rows = outbox.all_replies(get_db())
    else:
        rows = outbox.inbound_for_service(get_db(), principal.service_id)
    return jsonify({"replies": rows})
