"""/check for clinicians (CONTRACT.md "Staff web app"; FIELD-NOTES "/check"): a summary at the top after a
check, and for a signed-in clinician "Refer this patient" with the consent wording in full, a csrf_token,
the patient's agreement recorded, then the reference; "My referrals" lists what they referred."""

from __future__ import annotations

import re

from consent import SHARE_WITH_SERVICE, current_wording

from .conftest import csrf_from, make_user, sign_in

SHEFFIELD_PSYCHOSIS = {"age": "34", "postcode": "S1 2AB", "conditions": ["psychosis"], "wants_paid_work": "yes"}


def _clinician(app, client):
    make_user(app, "dr.khan@gp.example", "clinician")
    sign_in(client, "dr.khan@gp.example")


def test_the_summary_comes_first_and_counts_the_pathways_that_fit(client):
    html = client.post("/check", data=SHEFFIELD_PSYCHOSIS).get_data(as_text=True)
    headline = re.search(r'id="results-title"[^>]*>([^<]+)<', html).group(1)
    assert headline.startswith("Eligible for 1 of 4: IPS for severe mental illness")
    assert html.index('id="results"') < html.index('name="age"')  # the answers to change come after
    assert 'action="/check#results-title"' in html  # without JavaScript the browser lands on the summary
    assert "<table" not in html  # no wide table to cut off on a phone


def test_local_service_links_say_where_they_go(client):
    html = client.post("/check", data=SHEFFIELD_PSYCHOSIS).get_data(as_text=True)
    assert ">website</a>" not in html
    assert "Go to the Sheffield IPS Employment Service website</a>" in html


def test_signed_out_the_page_offers_sign_in_but_no_referral(client):
    html = client.post("/check", data=SHEFFIELD_PSYCHOSIS).get_data(as_text=True)
    assert "Refer this patient" not in html and "sign in to refer patients" in html


def test_a_service_account_cannot_refer_from_check(app, client):
    make_user(app, "sam@sheffield.example", "service", "sheffield-ips-smi")
    sign_in(client, "sam@sheffield.example")
    html = client.post("/check", data=SHEFFIELD_PSYCHOSIS).get_data(as_text=True)
    assert "Refer this patient" not in html
    token = csrf_from(client.get("/inbox"))
    assert client.post("/check/refer", data={"csrf_token": token, "pathway": "ips_smi", "facts_json": "{}"}).status_code == 403


def test_a_clinician_refers_a_patient_with_their_recorded_agreement(app, client):
    _clinician(app, client)
    result = client.post("/check", data=SHEFFIELD_PSYCHOSIS)
    html = result.get_data(as_text=True)
    assert "Refer this patient" in html
    form = re.search(r'<form method="post" action="/check/refer">(.*?)</form>', html, re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert fields["pathway"] == "ips_smi" and fields["csrf_token"]
    fields["facts_json"] = fields["facts_json"].replace("&#34;", '"')
    start = client.post("/check/refer", data=fields)
    page = start.get_data(as_text=True)
    assert start.status_code == 200
    wording = current_wording(SHARE_WITH_SERVICE).text
    assert wording.split("\n\n")[0] in page  # the consent wording in full, to read to the patient
    assert "Sheffield IPS Employment Service" in page
    confirm = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    confirm["facts_json"] = confirm["facts_json"].replace("&#34;", '"')

    # Without the patient's agreement nothing is sent.
    refused = client.post("/check/refer", data={**confirm, "first_name": "Jo", "phone": "07700 900456"})
    assert refused.status_code == 400 and "they agreed" in refused.get_data(as_text=True)
    bad_phone = client.post("/check/refer", data={**confirm, "consent_share": "yes", "phone": "not a phone"})
    assert bad_phone.status_code == 400 and 'href="#phone"' in bad_phone.get_data(as_text=True)

    sent = client.post("/check/refer", data={**confirm, "consent_share": "yes", "first_name": "Jo",
                                             "phone": "07700 900456", "consent_team": "yes"})
    assert sent.status_code == 303
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    reference = re.search(r"Reference<br><strong>([A-Z0-9-]+)</strong>", done).group(1)
    assert "Referral sent" in done and "Referred by" in done and "Clinician" in done
    assert "Share what they told us with the service: Agreed" in done
    assert "Contact their treatment team: Agreed" in done

    # Sending the same form twice (a double click) makes one referral.
    again = client.post("/check/refer", data={**confirm, "consent_share": "yes", "first_name": "Jo",
                                              "phone": "07700 900456", "consent_team": "yes"})
    assert reference in again.headers["Location"]
    mine = client.get("/my-referrals").get_data(as_text=True)
    assert reference in mine and "All (1)" in mine


def test_refer_needs_the_csrf_token(app, client):
    _clinician(app, client)
    response = client.post("/check/refer", data={"pathway": "ips_smi", "facts_json": "{}", "step": "start"})
    assert response.status_code == 400


def test_a_clinician_sees_only_their_own_referrals(app, client):
    _clinician(app, client)
    other = client.post("/api/v1/referrals", json={
        "pathway": "ips_smi", "facts": {"age": 30, "postcode": "S1 2AB", "conditions": ["psychosis"], "wants_paid_work": True},
        "person": {"first_name": "Alex", "phone": "+447700900123"}, "consents": {"share_with_service": True}})
    reference = other.get_json()["reference"]
    assert reference not in client.get("/my-referrals").get_data(as_text=True)
    assert client.get(f"/referrals/{reference}").status_code == 404
