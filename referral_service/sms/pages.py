"""The campaign report page: counts by delivery status as an inline SVG bar chart, opt-outs, conversions, cost.

A browser cannot send a bearer header, so the page asks for the token in a form that is POSTed (never
in the URL); API clients can send the header to GET it directly.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from markupsafe import Markup

from ..auth import optional_principal
from ..db import get_db
from ..errors import Forbidden
from ..storage import campaigns as store
from ..storage import tokens
from .report import bar_chart_svg, campaign_report

bp = Blueprint("sms_pages", __name__)


@bp.route("/sms/campaigns/<campaign_id>/report", methods=["GET", "POST"])
def report_page(campaign_id: str):
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



