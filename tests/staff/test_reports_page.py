"""Reports as pages (issue 12 "Reports"; CONTRACT.md "After access"): referrals, access and outcomes for a
financial year, by month, pathway and ethnic category (1 to 4 shown as *), charts with tables, CSV."""

from __future__ import annotations

import re

from .conftest import make_referral, make_user, sign_in


def test_signed_out_reports_ask_to_sign_in_and_clinicians_cannot_see_them(app, client):
    assert client.get("/reports").headers["Location"].startswith("/sign-in")
    make_user(app, "dr@gp.example", "clinician")
    sign_in(client, "dr@gp.example")
    assert client.get("/reports").status_code == 403


def test_a_service_sees_its_own_year_with_charts_tables_and_suppressed_small_numbers(client, sheffield_user):
    for _ in range(3):
        make_referral(client, ethnicity="A")
    make_referral(client, postcode="B1 1AA")  # another service's
    sign_in(client, sheffield_user)
    page = client.get("/reports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Referrals made 3 People who accessed the service 0" in text
    assert '<svg class="staff-chart"' in html and "Referrals by month as a table" in html
    assert "IPS for severe mental illness: 3" in html  # the chart's description lists every value
    ethnicity = html[html.index("By ethnic category"):]
    assert "*" in ethnicity and ">3<" not in ethnicity.split("Download")[0]


def test_the_csv_downloads_are_the_same_figures(client, sheffield_user):
    make_referral(client)
    sign_in(client, sheffield_user)
    referrals_csv = client.get("/reports/referrals.csv")
    assert referrals_csv.mimetype == "text/csv" and "total,all,1" in referrals_csv.get_data(as_text=True)
    outcomes_csv = client.get("/reports/outcomes.csv").get_data(as_text=True)
    assert outcomes_csv.startswith("breakdown,group,measure,value") and "all,all,referrals,1" in outcomes_csv
    assert client.get("/reports/other.csv").status_code == 404


def test_another_year_can_be_chosen_and_a_bad_one_falls_back_to_this_year(client, sheffield_user):
    sign_in(client, sheffield_user)
    assert "Reports for 2024/25" in client.get("/reports?financial_year=2024/25").get_data(as_text=True)
    assert client.get("/reports?financial_year=nonsense").status_code == 200
