"""Every endpoint x role: allowed, 401 without a valid token, 403 for the wrong role, and a service
never sees another service's referral (404, so that its existence is not revealed)."""

from __future__ import annotations

import pytest

from referral_service.db import connect_for, driver_errors
from referral_service.storage import audit, tokens

from .referral_helpers import make_token, refer, referral_body


@pytest.fixture
def world(app, client):
    """A Sheffield referral, and tokens for each role (service A = Sheffield, B = Birmingham)."""
    clinician_id, clinician = make_token(app, "clinician")
    reference = refer(client, headers=clinician)["reference"]
    return {
        "reference": reference,
        "none": {},
        "bad": {"Authorization": "Bearer rs_not_a_real_token"},
        "clinician": clinician,
        "other_clinician": make_token(app, "clinician")[1],
        "service_a": make_token(app, "service", "sheffield-ips-smi")[1],
        "service_b": make_token(app, "service", "birmingham-ips-smi")[1],
        "admin": make_token(app, "admin")[1],
    }


def _call(client, method, path, headers, json=None):
    return client.open(path, method=method, headers=headers, json=json)


ENDPOINTS = {
    # name: (method, path, json, {caller: expected status})
    "list": ("GET", "/api/v1/referrals", None,
             {"none": 401, "bad": 401, "clinician": 200, "service_a": 200, "service_b": 200, "admin": 200}),
    "read": ("GET", "/api/v1/referrals/{ref}", None,
             {"none": 401, "bad": 401, "clinician": 200, "other_clinician": 404, "service_a": 200,
              "service_b": 404, "admin": 200}),
    "fhir": ("GET", "/api/v1/referrals/{ref}/fhir", None,
             {"none": 401, "bad": 401, "clinician": 200, "other_clinician": 404, "service_a": 200,
              "service_b": 404, "admin": 200}),
    "status": ("POST", "/api/v1/referrals/{ref}/status", {"status": "contacted"},
               {"none": 401, "bad": 401, "clinician": 403, "service_b": 404, "service_a": 200}),
    "status_admin": ("POST", "/api/v1/referrals/{ref}/status", {"status": "contacted"}, {"admin": 200}),
    "contact": ("POST", "/api/v1/referrals/{ref}/contacts", {"channel": "phone"},
                {"none": 401, "bad": 401, "clinician": 403, "service_b": 404, "service_a": 200}),
    "contact_admin": ("POST", "/api/v1/referrals/{ref}/contacts", {"channel": "phone"}, {"admin": 200}),
    "consents_read": ("GET", "/api/v1/referrals/{ref}/consents", None,
                      {"none": 401, "bad": 401, "clinician": 200, "other_clinician": 404, "service_a": 200,
                       "service_b": 404, "admin": 200}),
    "consents_record": ("POST", "/api/v1/referrals/{ref}/consents",
                        {"purpose": "contact_treatment_team", "decision": "granted", "method": "clinician",
                         "given_at": "2026-01-05T10:30:00+00:00", "recorded_by": "Dr 7", "wording_version": "2024-1"},
                        {"none": 401, "bad": 401, "other_clinician": 404, "service_b": 404, "service_a": 201,
                         "clinician": 201, "admin": 201}),
    "report": ("GET", "/api/v1/reports/referrals", None,
               {"none": 401, "bad": 401, "clinician": 403, "service_a": 200, "service_b": 200, "admin": 200}),
    "create": ("POST", "/api/v1/referrals", "referral",
               {"none": 201, "bad": 401, "clinician": 201, "service_a": 403, "admin": 403}),
}


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_every_endpoint_for_every_role(client, world, name):
    method, path, json, expected = ENDPOINTS[name]
    body = referral_body() if json == "referral" else json
    for caller, status in expected.items():
        response = _call(client, method, path.format(ref=world["reference"]), world[caller], body)
        assert response.status_code == status, (name, caller, response.get_json())
        if status >= 400:
            assert set(response.get_json()["error"]) >= {"code", "message", "fields"}


def test_service_lists_only_its_own_referrals(client, world):
    assert client.get("/api/v1/referrals", headers=world["service_b"]).get_json()["count"] == 0
    assert client.get("/api/v1/referrals", headers=world["service_a"]).get_json()["count"] == 1
    # Asking for another service's list by parameter changes nothing for a service token.
    response = client.get("/api/v1/referrals?service_id=sheffield-ips-smi", headers=world["service_b"])
    assert response.get_json()["count"] == 0


def test_service_report_counts_only_its_own_service(client, world):
    assert client.get("/api/v1/reports/referrals", headers=world["service_b"]).get_json()["total"] == 0
    response = client.get("/api/v1/reports/referrals?service_id=sheffield-ips-smi", headers=world["service_b"])
    assert response.get_json()["total"] == 0 and response.get_json()["service_id"] == "birmingham-ips-smi"


def test_a_clinician_lists_only_the_referrals_they_made(client, world):
    assert client.get("/api/v1/referrals", headers=world["other_clinician"]).get_json()["count"] == 0
    assert client.get("/api/v1/referrals", headers=world["clinician"]).get_json()["count"] == 1


def test_a_revoked_token_is_refused_at_once(app, client, world):
    token_id, headers = make_token(app, "service", "sheffield-ips-smi")
    assert client.get("/api/v1/referrals", headers=headers).status_code == 200
    db = connect_for(app)
    tokens.revoke_token(db, token_id)
    db.conn.close()
    assert client.get("/api/v1/referrals", headers=headers).status_code == 401


def test_every_read_and_change_is_audited_without_personal_data(app, client, world):
    reference = world["reference"]
    client.get(f"/api/v1/referrals/{reference}", headers=world["service_a"])
    client.get(f"/api/v1/referrals/{reference}", headers=world["service_b"])
    client.post(f"/api/v1/referrals/{reference}/status", json={"status": "contacted"}, headers=world["service_a"])
    client.get(f"/api/v1/referrals/{reference}/consents", headers=world["service_a"])
    client.get(f"/api/v1/referrals/{reference}/fhir", headers=world["admin"])
    db = connect_for(app)
    rows = audit.entries(db, target=reference)
    db.conn.close()
    actions = [(r["role"], r["action"], r["outcome"]) for r in reversed(rows)]
    assert actions == [
        ("clinician", "referral.create", "ok"),
        ("service", "referral.read", "ok"),
        ("service", "referral.read", "not_found"),
        ("service", "referral.status:contacted", "ok"),
        ("service", "consent.read", "ok"),
        ("admin", "referral.fhir", "ok"),
    ]
    text = repr(rows)
    for personal in ("Alex", "7700", "S1 2AB", "psychosis"):
        assert personal not in text


def test_the_audit_log_is_append_only(app, world):
    db = connect_for(app)
    try:
        with pytest.raises(driver_errors(), match="append-only"):
            db.execute("delete from audit_log")
        with pytest.raises(driver_errors(), match="append-only"):
            db.execute("update audit_log set actor = 'someone else'")
    finally:
        db.conn.close()


def test_public_self_referral_is_rate_limited(tmp_path):
    from referral_service import create_app

    app = create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "limited.db"), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_SELF_REFERRAL": "20 per minute"})
    client = app.test_client()
    statuses = [client.post("/api/v1/referrals", json=referral_body(consents={})).status_code for _ in range(25)]
    assert statuses[:20] == [400] * 20 and statuses[-1] == 429
    error = client.post("/api/v1/referrals", json=referral_body()).get_json()["error"]
    assert error["code"] == "rate_limited"


def test_a_huge_offset_is_a_400_not_a_500(app, client):
    from tests.service.referral_helpers import make_token

    headers = make_token(app, "admin")[1]
    response = client.get("/api/v1/referrals?offset=2845146436314808188928", headers=headers)
    assert response.status_code == 400
    assert "offset" in str(response.get_json()["error"]["fields"])


def test_a_refused_change_to_another_services_referral_is_audited(app, client):
    from tests.service.referral_helpers import db_rows, make_token, refer

    reference = refer(client)["reference"]  # Sheffield IPS
    _, other = make_token(app, "service", "birmingham-ips-smi")
    response = client.post(f"/api/v1/referrals/{reference}/status", json={"status": "contacted"}, headers=other)
    assert response.status_code == 404
    assert db_rows(app, "select status from referrals where reference = ?", [reference]) == [("received",)]
    assert db_rows(app, "select outcome from audit_log where action = 'referral.status' and target = ?",
                   [reference]) == [("not_found",)]
