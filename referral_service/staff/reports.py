"""GET /reports — referrals, access and outcomes by month, financial year, pathway and ethnic category, as
charts and tables, with CSV downloads. The same report functions as /api/v1/reports/*; breakdowns by
ethnic category show counts of 1 to 4 as "*" (small-number suppression), totals are not suppressed.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request

from rules import default_engine

from ..db import get_db
from ..reports import financial_year
from ..reports.csv_export import to_csv
from ..reports.outcomes import csv_rows, suppress
from ..reports.routes import outcome_report_for
from ..storage import audit, referrals
from . import error_pages
from .charts import bar_chart
from .labels import SOURCE, STATUS
from .sessions import current_user, require_staff

bp = Blueprint("staff_reports", __name__)
error_pages.html_errors(bp)

YEARS_SHOWN = 5
ETHNICITY_NOT_RECORDED = "not_recorded"


def _year() -> financial_year.FinancialYear:
    label = request.args.get("financial_year")
    if label:
        try:
            return financial_year.parse(label)
        except financial_year.BadFinancialYear:
            pass
    return financial_year.of(financial_year.today())


def _service_id() -> str | None:
    user = current_user()
    if user.role == "service":
        return user.service_id
    wanted = request.args.get("service") or None
    return wanted if wanted and default_engine().ruleset.directory.service(wanted) else None


def _months(year: financial_year.FinancialYear) -> list[str]:
    return [f"{(year.start_year if m >= 4 else year.start_year + 1)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]


def _month_name(month: str) -> str:
    return date.fromisoformat(month + "-01").strftime("%b %Y")


def _ethnicity_label(code: str) -> str:
    fact = default_engine().vocabulary.facts.get("ethnicity")
    if code == ETHNICITY_NOT_RECORDED:
        return "Not recorded"
    return fact.label_of(code) if fact else code


def build(service_id: str | None, year: financial_year.FinancialYear) -> dict:
    """Everything the page shows, from the same functions as the API."""
    db = get_db()
    months = _months(year)
    counts = referrals.report_counts(db, service_id=service_id, since=months[0], until=months[-1])
    outcomes = outcome_report_for(db, service_id, year.label)
    by_month = [(_month_name(m), counts["by"]["month"].get(m, 0)) for m in months]
    ruleset = default_engine().ruleset
    by_pathway = [(p.short_name, counts["by"]["pathway"].get(p.id, 0)) for p in ruleset.pathways]
    by_source = [(SOURCE.get(k, k), v) for k, v in counts["by"]["source"].items()]
    by_status = [(STATUS.get(k, (k,))[0], v) for k, v in counts["by"]["status"].items()]
    by_ethnicity = [(_ethnicity_label(k), suppress(v)) for k, v in sorted(counts["by"]["ethnicity"].items())]
    return {"year": year, "counts": counts, "outcomes": outcomes, "by_month": by_month, "by_pathway": by_pathway,
            "by_source": by_source, "by_status": by_status, "by_ethnicity": by_ethnicity,
            "charts": {"month": bar_chart(by_month, f"Referrals by month, {year.label}"),
                       "pathway": bar_chart(by_pathway, f"Referrals by pathway, {year.label}")},
            "outcome_ethnicity": [(_ethnicity_label(k), v) for k, v in outcomes["by_ethnicity"].items()]}


@bp.route("/reports")
@require_staff("service", "admin")
def reports():
    user = current_user()
    year, service_id = _year(), _service_id()
    body = build(service_id, year)
    audit.record(get_db(), actor=user.id, role=user.role, action="report.page", service_id=service_id)
    current = financial_year.of(financial_year.today())
    years = [financial_year.FinancialYear(current.start_year - n) for n in range(YEARS_SHOWN)]
    services = default_engine().ruleset.directory.services if user.role == "admin" else []
    return render_template("staff/reports.html", years=years, service_id=service_id, services=services, **body)


@bp.route("/reports/<kind>.csv")
@require_staff("service", "admin")
def download(kind: str):
    user = current_user()
    year, service_id = _year(), _service_id()
    db = get_db()
    if kind == "referrals":
        months = _months(year)
        counts = referrals.report_counts(db, service_id=service_id, since=months[0], until=months[-1])
        rows = [("total", "all", counts["total"]), ("accessed", "all", counts["accessed"])]
        for dimension, values in counts["by"].items():
            shown = suppress(values) if dimension == "ethnicity" else values
            rows.extend((dimension, value, n) for value, n in shown.items())
        text = to_csv(("dimension", "value", "count"), rows)
    elif kind == "outcomes":
        text = to_csv(("breakdown", "group", "measure", "value"), csv_rows(outcome_report_for(db, service_id, year.label)))
    else:
        return error_pages.render(404, "There is no such report.")
    audit.record(db, actor=user.id, role=user.role, action=f"report.csv:{kind}", service_id=service_id)
    name = f"{kind}-{year.label.replace('/', '-')}{'-' + service_id if service_id else ''}.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
