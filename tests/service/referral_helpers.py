"""Shared helpers for the referral, consent, report and FHIR tests (synthetic people only)."""

from __future__ import annotations

import copy

from referral_service.db import connect_for
from referral_service.storage import tokens

SMI_FACTS = {"conditions": ["psychosis"], "wants_paid_work": True, "age": 30, "postcode": "S1 2AB",
             "ethnicity": "A"}
PERSON = {"first_name": "Alex", "phone": "07700 900123"}


def referral_body(**changes) -> dict:
    body = {"pathway": "ips_smi", "facts": copy.deepcopy(SMI_FACTS), "person": dict(PERSON),
            "consents": {"share_with_service": True, "sms_promotions": False}}
    body.update(changes)
    return body


def make_token(app, role: str, service_id: str | None = None) -> tuple[str, dict]:
    """Create a token; return (token id, Authorization headers)."""
    db = connect_for(app)
    try:
        token_id, secret = tokens.create_token(db, role, service_id)
    finally:
        db.conn.close()
    return token_id, {"Authorization": f"Bearer {secret}"}


def refer(client, headers=None, **changes) -> dict:
    response = client.post("/api/v1/referrals", json=referral_body(**changes), headers=headers or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def db_rows(app, sql: str, params=()) -> list[tuple]:
    db = connect_for(app)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.conn.close()
