"""The in-process referral client: the embedded bot calls POST /api/v1/referrals through Flask's
test client, so it uses exactly the public interface (validation, consent, idempotency)."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request

from bot.client import ReferralResponse

from ..extensions import IN_PROCESS


class InProcessReferralClient:
    def __init__(self, app: Flask):
        self.app = app

    def create_referral(self, payload: dict[str, Any], idempotency_key: str) -> ReferralResponse:
        # The caller's address, so the endpoint's rate limit counts each person, not this process.
        remote = request.remote_addr if has_request_context() else "127.0.0.1"
        # A fresh app context: the inner request gets its own database connection and `g`.
        with self.app.app_context():
            response = self.app.test_client().post(
                "/api/v1/referrals", json=payload, headers={"Idempotency-Key": idempotency_key},
                environ_base={"REMOTE_ADDR": remote or "127.0.0.1", IN_PROCESS: True},
            )
        body = response.get_json(silent=True)
        return ReferralResponse(response.status_code, body if isinstance(body, dict) else {})
