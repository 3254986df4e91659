"""Idempotency keys hold across instances (CONTRACT.md "Scale-out"): the same retried request reaching two app
instances at once — here 16 of them, split between two apps on one database — creates one referral, and
every answer names it. Runs on whichever engine the suite runs on (SQLite file, or PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from referral_service import create_app
from tests.service.referral_helpers import db_rows, make_token, referral_body


def test_one_retried_referral_sent_to_two_instances_at_once_is_created_once(app):
    second = create_app({**app.config})
    _, headers = make_token(app, "clinician")
    headers = {**headers, "Idempotency-Key": "retry-7f3c"}
    body = referral_body()

    def post(instance):
        response = instance.test_client().post("/api/v1/referrals", json=body, headers=headers)
        return response.status_code, (response.get_json() or {}).get("reference")

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(post, [app, second] * 8))
    assert {status for status, _ in answers} <= {200, 201}, answers
    assert len({reference for _, reference in answers}) == 1, answers
    assert db_rows(app, "select count(*) from referrals") == [(1,)]
