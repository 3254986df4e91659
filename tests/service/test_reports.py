"""Referral counts for commissioners and equality monitoring, as JSON and as spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io

from referral_service.reports.csv_export import safe_cell, to_csv

from .referral_helpers import SMI_FACTS, make_token, refer


def test_counts_by_pathway_source_service_month_status_and_ethnicity(app, client):
    clinician = make_token(app, "clinician")[1]
    refer(client)
    service = make_token(app, "service", "sheffield-ips-smi")[1]
    campaign = client.post("/api/v1/campaigns", headers=service, json={
        "service_id": "sheffield-ips-smi", "name": "Spring", "template": "Hi {first_name}: {link}"}).get_json()["id"]
    refer(client, facts={**SMI_FACTS, "ethnicity": "M"}, source="sms_campaign", campaign_id=campaign)
    refer(client, headers=clinician, source="voluntary_sector", facts={**SMI_FACTS, "postcode": "B1 1AA"})
    facts = {k: v for k, v in SMI_FACTS.items() if k != "ethnicity"}
    refer(client, headers=clinician, source="gp", pathway="ips_primary_care",
          facts={**facts, "conditions": ["anxiety"], "right_to_work_uk": True, "other_dwp_employment_programme": False})
    admin = make_token(app, "admin")[1]
    body = client.get("/api/v1/reports/referrals", headers=admin).get_json()
    assert body["total"] == 4 and body["accessed"] == 0
    assert body["by"]["pathway"] == {"ips_primary_care": 1, "ips_smi": 3}
    assert body["by"]["source"] == {"gp": 1, "self": 1, "sms_campaign": 1, "voluntary_sector": 1}
    assert body["by"]["ethnicity"] == {"A": 2, "M": 1, "not_recorded": 1}
    assert body["by"]["status"] == {"received": 4}
    assert sum(body["by"]["month"].values()) == 4
    assert set(body["by"]["service_id"]) == {"sheffield-ips-smi", "birmingham-ips-smi",
                                             "south-yorkshire-ips-primary-care"}


def test_accesses_are_counted(app, client):
    reference = refer(client)["reference"]
    service = make_token(app, "service", "sheffield-ips-smi")[1]
    client.post(f"/api/v1/referrals/{reference}/status", json={"status": "accepted"}, headers=service)
    client.post(f"/api/v1/referrals/{reference}/contacts", json={"channel": "face_to_face"}, headers=service)
    assert client.get("/api/v1/reports/referrals", headers=service).get_json()["accessed"] == 1


def test_month_range_filters(app, client):
    refer(client)
    admin = make_token(app, "admin")[1]
    assert client.get("/api/v1/reports/referrals?until=2000-01", headers=admin).get_json()["total"] == 0
    response = client.get("/api/v1/reports/referrals?since=January", headers=admin)
    assert response.status_code == 400 and "query.since" in response.get_json()["error"]["fields"]


def test_csv_download_has_one_row_per_count(app, client):
    refer(client)
    service = make_token(app, "service", "sheffield-ips-smi")[1]
    response = client.get("/api/v1/reports/referrals?format=csv", headers=service)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["dimension", "value", "count"]
    assert ["pathway", "ips_smi", "1"] in rows and ["ethnicity", "A", "1"] in rows
    by_accept = client.get("/api/v1/reports/referrals", headers={**service, "Accept": "text/csv"})
    assert by_accept.mimetype == "text/csv"


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused():
    for dangerous in ("=HYPERLINK(\"http://example.org\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("ips_smi") == "ips_smi" and safe_cell(3) == "3"
    text = to_csv(["a"], [["=cmd|' /C calc'!A0"]])
    assert text.splitlines()[1].startswith("\"'=") or text.splitlines()[1].startswith("'=")
