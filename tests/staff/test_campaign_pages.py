"""Text campaigns as pages (CONTRACT.md "SMS promotions"; issue 12 "Campaigns as pages"): import the contacts
CSV with rejects by row number and reason, create a campaign, preview who would be texted and who would not
(with reasons in plain English), confirm and send, then live counts and the report with names, not ids."""

from __future__ import annotations

import csv
import io
import re

from referral_service.sms.contacts_import import HEADER

from .conftest import BIRMINGHAM, csrf_from, sign_in


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(ref, mobile, consent="granted", postcode="S1 2AB"):
    return {"person_ref": ref, "first_name": f"Person{ref}", "mobile": mobile, "postcode": postcode,
            "conditions": "psychosis", "in_secondary_mental_health_care": "true", "sms_consent": consent,
            "sms_consent_recorded_at": "2025-01-10" if consent else "", "sms_consent_method": "paper" if consent else ""}


ROWS = [_row("A", "07700 900001"), _row("B", "07700 900002", consent="refused"), _row("C", "0114 496 0000"),
        _row("D", "07700 900004", postcode="nowhere"), _row("E", "07700 900005", consent="")]


def _upload(client, rows=ROWS):
    token = csrf_from(client.get("/campaigns/contacts"))
    return client.post("/campaigns/contacts", data={"csrf_token": token,
                                                    "contacts": (io.BytesIO(_csv(rows)), "contacts.csv")},
                       content_type="multipart/form-data")


def test_signed_out_the_campaign_pages_ask_to_sign_in(client):
    for path in ("/campaigns", "/campaigns/new", "/campaigns/contacts"):
        assert client.get(path).headers["Location"].startswith("/sign-in")


def test_uploading_contacts_reports_rejected_rows_by_number_and_reason_and_a_reupload_changes_nothing(client, sheffield_user):
    sign_in(client, sheffield_user)
    response = _upload(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "5 rows read" in html and "3 new" in html and "2 not imported" in html
    assert "Not a UK mobile number" in html and "Not a UK postcode" in html
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Not a UK mobile number Rows 1 Row numbers 4" in text  # one row: row 4 (the header is row 1)
    assert "Not a UK postcode Rows 1 Row numbers 5" in text
    again = _upload(client).get_data(as_text=True)
    assert "0 new, 0 updated" in again


def test_an_upload_without_a_file_or_the_token_is_refused(client, sheffield_user):
    sign_in(client, sheffield_user)
    token = csrf_from(client.get("/campaigns/contacts"))
    assert client.post("/campaigns/contacts", data={"csrf_token": token}).status_code == 400
    no_token = client.post("/campaigns/contacts", data={"contacts": (io.BytesIO(_csv(ROWS)), "c.csv")},
                           content_type="multipart/form-data")
    assert no_token.status_code == 400


def test_a_contacts_file_bigger_than_the_api_limit_is_accepted(client, sheffield_user):
    sign_in(client, sheffield_user)
    rows = [_row(f"P{n}", f"07700 9{n:05d}"[:13]) for n in range(1200)]
    body = _csv(rows)
    assert len(body) > 64 * 1024
    assert "1200 rows read" in _upload(client, rows).get_data(as_text=True)


def test_a_campaign_from_creation_to_the_report(client, sheffield_user):
    sign_in(client, sheffield_user)
    _upload(client)
    token = csrf_from(client.get("/campaigns/new"))
    bad = client.post("/campaigns/new", data={"csrf_token": token, "name": "", "template": "Hello {nope}",
                                              "postcode_prefixes": "S, nowhere!"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "There is a problem" in page
    assert 'href="#name"' in page and 'href="#template"' in page and 'href="#postcode_prefixes"' in page
    created = client.post("/campaigns/new", data={"csrf_token": token, "name": "Spring IPS", "pathway": "ips_smi",
                                                  "postcode_prefixes": "S",
                                                  "template": "Hi {first_name}, {service_name} can help with work: {link}"})
    assert created.status_code == 303
    preview = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "1 person would get this text" in preview
    assert "No consent to texts (none recorded, or refused)" in preview
    assert "Hi PersonA, Sheffield IPS Employment Service can help with work" in preview
    campaign_id = created.headers["Location"].rsplit("/", 1)[1]
    unconfirmed = client.post(f"/campaigns/{campaign_id}/send", data={"csrf_token": token})
    assert unconfirmed.status_code == 400
    sent = client.post(f"/campaigns/{campaign_id}/send", data={"csrf_token": token, "confirm": "yes"})
    assert sent.status_code == 303
    report = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Sheffield IPS Employment Service" in report and "sheffield-ips-smi" not in report
    assert "Waiting to send" in report and "Delivered to the phone" in report
    assert client.get(f"/campaigns/{campaign_id}/counts.json").get_json()["counts"]["queued"] == 1
    assert client.get(f"/campaigns/{campaign_id}/report.csv").mimetype == "text/csv"
    twice = client.post(f"/campaigns/{campaign_id}/send", data={"csrf_token": token, "confirm": "yes"})
    assert twice.status_code == 409
    assert "Spring IPS" in client.get("/campaigns").get_data(as_text=True)


def test_another_services_campaign_is_not_found(app, client, sheffield_user, birmingham_user):
    sign_in(client, birmingham_user)
    token = csrf_from(client.get("/campaigns/new"))
    created = client.post("/campaigns/new", data={"csrf_token": token, "name": "Brum", "template": "Hi {link}"})
    campaign_id = created.headers["Location"].rsplit("/", 1)[1]
    client.delete_cookie("staff_session")
    sign_in(client, sheffield_user)
    assert client.get(f"/campaigns/{campaign_id}").status_code == 404
    assert BIRMINGHAM not in client.get("/campaigns").get_data(as_text=True)
