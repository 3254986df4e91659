"""Helpers for the after-access tests: a Sheffield IPS referral driven through the API (synthetic people)."""

from __future__ import annotations

from tests.service.referral_helpers import SMI_FACTS, make_token, refer

SERVICE = "sheffield-ips-smi"


def service_headers(app, service_id: str = SERVICE) -> dict:
    return make_token(app, "service", service_id)[1]


def new_referral(client, **facts) -> str:
    return refer(client, facts={**SMI_FACTS, **facts})["reference"]


def contact(client, headers, reference, channel="phone", **body):
    response = client.post(f"/api/v1/referrals/{reference}/contacts", json={"channel": channel, **body},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def status(client, headers, reference, to, **body):
    response = client.post(f"/api/v1/referrals/{reference}/status", json={"status": to, **body}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def milestone(client, headers, reference, kind, on):
    response = client.post(f"/api/v1/referrals/{reference}/milestones", json={"type": kind, "on": on}, headers=headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def job(client, headers, reference, started_on, hours, ended_on=None, employer=None) -> dict:
    body = {"started_on": started_on, "hours_per_week": hours}
    if employer:
        body["employer"] = employer
    response = client.post(f"/api/v1/referrals/{reference}/jobs", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    if ended_on:
        ended = client.post(f"/api/v1/referrals/{reference}/jobs/{created['id']}/end", json={"ended_on": ended_on},
                            headers=headers)
        assert ended.status_code == 200, ended.get_json()
        return ended.get_json()
    return created


def accessed_on(client, headers, reference, when: str) -> None:
    """An access on a given day: a phone call at which the person agreed to start."""
    contact(client, headers, reference, "phone", occurred_at=when, agreed_to_start=True)


def outcomes(client, headers, year: str, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in {"financial_year": year, **params}.items())
    response = client.get(f"/api/v1/reports/outcomes?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
