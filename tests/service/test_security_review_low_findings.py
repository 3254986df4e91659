"""Finding 5 of the outside review (issue 10): the low-severity findings, one test (or a few) each.

The rate-limit settings (RATELIMIT_<NAME>) are tested in test_rate_limits_need_a_valid_token.py.
"""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from referral_service import create_app
from referral_service.sms.segments import count_segments
from referral_service.sms.templates import MAX_TEMPLATE_SEGMENTS, render
from tests.service.referral_helpers import db_rows, make_token, refer, referral_body


def _app(tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "review.db"), "RATELIMIT_ENABLED": False,
                       "BOT_AUTH_TOKEN": "bot-token-for-tests", "PUBLIC_BASE_URL": "http://127.0.0.1:5000", **config})


# --- the withdraw form's reference ---------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["07700900123", "+447700900123", "07700 900123", "Alex Smith"])
def test_a_phone_number_typed_as_the_reference_is_refused_and_never_audited(app, client, typed):
    response = client.post("/api/v1/consents/withdraw",
                           json={"reference": typed, "phone": "07700 900123", "purpose": "share_with_service"})
    assert response.status_code == 400
    assert "reference" in response.get_json()["error"]["fields"]
    assert db_rows(app, "select count(*) from audit_log") == [(0,)]


def test_a_well_formed_reference_that_is_not_found_is_audited_by_reference_only(app, client):
    client.post("/api/v1/consents/withdraw",
                json={"reference": "is-7k3d9q", "phone": "07700 900123", "purpose": "share_with_service"})
    assert db_rows(app, "select target, outcome from audit_log") == [("IS-7K3D9Q", "not_found")]


# --- reads in read-only maintenance ----------------------------------------------------------------------

def test_referrals_can_still_be_read_in_read_only_maintenance_and_each_read_is_still_accounted_for(tmp_path, caplog):
    writable = _app(tmp_path)
    reference = refer(writable.test_client())["reference"]
    _, headers = make_token(writable, "service", "sheffield-ips-smi")
    audit_rows = db_rows(writable, "select count(*) from audit_log")
    read_only = _app(tmp_path, DATABASE_READ_ONLY=True)
    client = read_only.test_client()
    with caplog.at_level("INFO"):
        one = client.get(f"/api/v1/referrals/{reference}", headers=headers)
        listed = client.get("/api/v1/referrals", headers=headers)
    assert one.status_code == 200 and one.get_json()["reference"] == reference
    assert listed.status_code == 200
    assert db_rows(writable, "select count(*) from audit_log") == audit_rows  # nothing could be written…
    logged = [r for r in caplog.records if r.getMessage() == "audit_to_log"]
    assert {r.action for r in logged} >= {"referral.read", "referral.list"}  # …so the access went to the log
    assert all(getattr(r, "target", None) in (reference, None) for r in logged)


# --- campaign credit ---------------------------------------------------------------------------------------

def _campaign(client, service_id):
    _, headers = make_token(client.application, "service", service_id)
    body = {"service_id": service_id, "name": "Spring", "template": "Hi {first_name}: {link}"}
    response = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_referral_is_credited_only_to_a_campaign_of_the_receiving_service(app, client):
    birmingham = _campaign(client, "birmingham-ips-smi")
    sheffield = _campaign(client, "sheffield-ips-smi")
    for campaign in (birmingham, "CMP-DOES-NOT-EXIST"):
        response = client.post("/api/v1/referrals", json=referral_body(source="sms_campaign", campaign_id=campaign))
        assert response.status_code == 400, campaign
        assert "campaign_id" in response.get_json()["error"]["fields"]
    assert db_rows(app, "select count(*) from referrals") == [(0,)]
    credited = client.post("/api/v1/referrals", json=referral_body(source="sms_campaign", campaign_id=sheffield))
    assert credited.status_code == 201


# --- lone surrogates, control characters, content type ---------------------------------------------------

@pytest.mark.parametrize("path,body", [
    ("/api/v1/eligibility", b'{"postcode": "\\ud800"}'),
    ("/api/v1/referrals", b'{"pathway": "ips_smi", "person": {"first_name": "\\ud800", "phone": "07700900123"}}'),
    ("/webhooks/rest/webhook", b'{"sender": "s1", "message": "hi \\udfff"}'),
    ("/api/v1/consents/withdraw", b'{"\\ud800": 1}'),
])
def test_a_lone_surrogate_in_any_string_is_a_400_in_the_error_shape(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert set(response.get_json()["error"]) >= {"code", "message", "fields"}


@pytest.mark.parametrize("text", ["Al\u0000ex", "Alex\u0007", "Alex\u001b[31m", "Alex\u009b"])
def test_nul_and_other_control_characters_are_refused_in_stored_text(app, client, text):
    response = client.post("/api/v1/referrals", json=referral_body(summary=text))
    assert response.status_code == 400
    assert "summary" in response.get_json()["error"]["fields"]
    assert db_rows(app, "select count(*) from referrals") == [(0,)]


def test_ordinary_line_breaks_and_tabs_are_still_text(client):
    assert client.post("/api/v1/referrals", json=referral_body(summary="Likes gardening.\r\n\tPrefers mornings.")
                       ).status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_json_endpoints_require_application_json_so_other_sites_cannot_post_through_a_browser(app, client, content_type):
    import json

    response = client.post("/api/v1/referrals", data=json.dumps(referral_body()), content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert db_rows(app, "select count(*) from referrals") == [(0,)]


def test_the_415_is_documented_for_every_json_body(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path, operations in paths.items():
        post = operations.get("post") or {}
        if "application/json" in post.get("requestBody", {}).get("content", {}):
            assert "415" in post["responses"], path


def test_the_chat_channel_still_takes_json_and_twilio_still_posts_forms(app, client):
    assert client.post("/webhooks/rest/webhook", json={"sender": "ct1", "message": "hello"}).status_code == 200
    assert client.post("/webhooks/rest/webhook", data='{"sender": "ct1", "message": "hi"}',
                       content_type="application/json; charset=utf-8").status_code == 200
    data = {"From": "+447700900101", "Body": "HELP", "MessageSid": "SM-CT-1"}
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        "http://127.0.0.1:5000/sms/inbound", data)
    assert client.post("/sms/inbound", data=data, headers={"X-Twilio-Signature": signature}).status_code == 200


# --- the signed status callback --------------------------------------------------------------------------

@pytest.mark.parametrize("outbox_id", ["99999999999999999999999", "-99999999999999999999", "0", "424242"])
def test_an_out_of_range_or_unknown_outbox_id_on_a_signed_status_callback_is_a_404(app, client, outbox_id):
    path = f"/sms/status?outbox_id={outbox_id}"
    data = {"MessageSid": "SMabc", "MessageStatus": "delivered"}
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(f"http://127.0.0.1:5000{path}", data)
    response = client.post(path, data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- templates: the opt-out line and the segment cap --------------------------------------------------

def test_a_template_that_merely_contains_stop_keeps_the_opt_out_line():
    for template in ("Don't STOP looking for work: {link}", "Non-stop support from {service_name}: {link}",
                     "STOPPED working? {service_name} can help: {link}"):
        text = render(template, first_name="Sam", service_name="Sheffield IPS", service_phone="0114 496 0000",
                      link="https://example.org/x")
        assert text.endswith("Reply STOP to stop these texts."), template


def test_a_template_with_its_own_opt_out_instruction_is_not_given_a_second_one():
    text = render("Hi {first_name}, work support: {link}. Text STOP to opt out.", first_name="Sam",
                  service_name="S", service_phone="0", link="https://example.org")
    assert text.count("STOP") == 1


def test_templates_are_capped_by_segments_not_characters(client):
    _, headers = make_token(client.application, "service", "sheffield-ips-smi")
    emoji = "\U0001F600" * 918
    assert count_segments(emoji).segments == 28
    response = client.post("/api/v1/campaigns", headers=headers,
                           json={"service_id": "sheffield-ips-smi", "name": "Emoji", "template": emoji})
    assert response.status_code == 400
    assert f"{MAX_TEMPLATE_SEGMENTS} segments" in response.get_json()["error"]["fields"]["template"][0]
    long_plain = ("Work support near you. " * 40)[:900] + " {link}"
    assert client.post("/api/v1/campaigns", headers=headers, json={
        "service_id": "sheffield-ips-smi", "name": "Plain", "template": long_plain}).status_code == 201


# --- caching, file modes, CSV, proxies ---------------------------------------------------------------------

def test_pages_and_answers_with_personal_data_are_never_stored_by_browsers_or_proxies(app, client):
    reference = refer(client)["reference"]
    _, headers = make_token(app, "service", "sheffield-ips-smi")
    responses = {
        "tracker": client.get("/conversations/s1/tracker?token=test-bot-token"),
        "chat webhook": client.post("/webhooks/rest/webhook", json={"sender": "cc1", "message": "hello"}),
        "check": client.get("/check"),
        "self-referral": client.get("/self-referral"),
        "report": client.get("/api/v1/reports/referrals", headers=headers),
        "referral": client.get(f"/api/v1/referrals/{reference}", headers=headers),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
        assert "no-store" in response.headers.get("Cache-Control", ""), name


def test_the_database_files_are_readable_and_writable_by_the_owner_only(tmp_path):
    app = _app(tmp_path)
    refer(app.test_client())
    for suffix in ("", "-wal", "-shm"):
        path = Path(str(tmp_path / "review.db") + suffix)
        if path.exists():
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, suffix


def test_the_contacts_rejects_file_is_formula_safe_and_kept_beside_the_data_not_the_source(app, tmp_path):
    from referral_service.db import connect_for
    from referral_service.sms.contacts_import import HEADER, import_contacts

    source = tmp_path / "source-tree"
    source.mkdir()
    path = source / "contacts.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerow({"person_ref": "=HYPERLINK(\"http://example.org\")", "first_name": "@SUM(A1)",
                         "mobile": "+44 not a number", "postcode": "S1 2AB", "conditions": "psychosis",
                         "in_secondary_mental_health_care": "true", "sms_consent": "granted",
                         "sms_consent_recorded_at": "2025-01-10", "sms_consent_method": "-paper"})
    db = connect_for(app)
    try:
        summary = import_contacts(db, "sheffield-ips-smi", path)
    finally:
        db.conn.close()
    rejects = Path(summary.rejects_path)
    assert source not in rejects.parents and list(source.iterdir()) == [path]
    assert rejects.parent.parent == Path(app.config["DATABASE_PATH"]).parent
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells


def test_behind_a_proxy_limits_key_on_the_real_client_and_hsts_is_sent_over_https(tmp_path):
    app = _app(tmp_path, PROXY_FIX=1, RATELIMIT_ENABLED=True, RATELIMIT_ELIGIBILITY="2 per minute")
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    def ask(client_address: str):
        return client.post("/api/v1/eligibility", json={}, environ_base=proxy,
                           headers={"X-Forwarded-For": client_address, "X-Forwarded-Proto": "https"})

    assert [ask("203.0.113.7").status_code for _ in range(3)] == [200, 200, 429]
    assert ask("203.0.113.8").status_code == 200  # another person behind the same proxy is not blocked
    assert "max-age=" in ask("203.0.113.9").headers.get("Strict-Transport-Security", "")
    plain = client.get("/healthz", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.10"})
    assert "Strict-Transport-Security" not in plain.headers


def test_without_proxy_fix_forwarded_headers_are_not_trusted(tmp_path):
    app = _app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_ELIGIBILITY="2 per minute")
    client = app.test_client()
    codes = [client.post("/api/v1/eligibility", json={}, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
             for n in range(3)]
    assert codes == [200, 200, 429]
