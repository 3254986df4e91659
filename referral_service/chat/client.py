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

    def record_safety_event(self, event: dict[str, Any]) -> None:
        """Store a chat message at risk as a safety event (storage.safety_events), one per service in touch
        with the person (admins only when there is none), for the service to follow up."""
        from ..db import get_db
        from ..storage import safety_events

        with self.app.app_context():
            safety_events.record_for_services(
                get_db(), event.get("service_ids") or [], channel=event.get("channel") or "chat",
                risk_level=event["risk_level"], category=event.get("category"), text=event.get("text") or "",
                phone=event.get("phone"), sender_id=event.get("sender_id"), reference=event.get("reference"),
                reason=event.get("reason"),
            )
