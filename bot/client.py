"""The one small interface through which the bot reaches the referral service.

The embedded engine (in the Flask process) installs an in-process client that calls the public
endpoint through Flask's test client; the separate rasa-sdk action server uses ``HttpReferralClient``
against ``REFERRAL_SERVICE_URL``. Either way the bot uses exactly the public interface
(``POST /api/v1/referrals``, CONTRACT.md).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

REFERRALS_PATH = "/api/v1/referrals"
SAFETY_EVENTS_PATH = "/api/v1/safety-events"
# What POST /api/v1/safety-events accepts (referral_service/safety/routes.py NewSafetyEventSchema).
SAFETY_EVENT_FIELDS = ("channel", "risk_level", "category", "reason", "text", "sender_id", "phone", "reference", "service_ids")
MAX_SAFETY_TEXT = 4000
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass
class ReferralResponse:
    """The status code and JSON body of a referral request."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def created(self) -> bool:
        return self.status in (200, 201)

    @property
    def error_message(self) -> str:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return str(error.get("message", "")) if isinstance(error, dict) else ""


class ReferralClient(Protocol):
    def create_referral(self, payload: dict[str, Any], idempotency_key: str) -> ReferralResponse:
        """POST the referral; a retry with the same key must not create a second referral."""

    def record_safety_event(self, event: dict[str, Any]) -> None:
        """Record a message at risk for the service to follow up: ``{"channel", "risk_level", "category",
        "reason", "text", "sender_id", "phone", "reference", "service_ids"}``."""


class HttpReferralClient:
    """Calls the referral service over HTTP (for the separate action server)."""

    def __init__(self, base_url: str | None = None, timeout: float = 10.0):
        self.base_url = (base_url or os.environ.get("REFERRAL_SERVICE_URL") or "http://127.0.0.1:5000").rstrip("/")
        self.timeout = timeout

    def create_referral(self, payload: dict[str, Any], idempotency_key: str) -> ReferralResponse:
        request = urllib.request.Request(
            self.base_url + REFERRALS_PATH,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                return ReferralResponse(response.status, _json(response.read()))
        except urllib.error.HTTPError as error:
            return ReferralResponse(error.code, _json(error.read()))

    def record_safety_event(self, event: dict[str, Any]) -> None:
        """POST the event with the bot's token (BOT_AUTH_TOKEN); raises on failure (the caller logs it)."""
        request = urllib.request.Request(
            self.base_url + SAFETY_EVENTS_PATH,
            data=json.dumps(safety_event_body(event)).encode("utf-8"),
            headers={"Content-Type": "application/json",
                     "Authorization": "Bearer " + os.environ.get("BOT_AUTH_TOKEN", "")},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310 (configured URL)
            return None


def safety_event_body(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the endpoint accepts it, so that it is never refused for its shape: the known fields
    only, the words cut to their first 4,000 characters (as the service keeps them), a phone that is not
    E.164 left out rather than the whole event lost."""
    body = {k: event.get(k) for k in SAFETY_EVENT_FIELDS if event.get(k) is not None}
    body["channel"] = body.get("channel") or "chat"
    body.setdefault("category", None)
    body["text"] = str(body.get("text") or "")[:MAX_SAFETY_TEXT] or "(no text)"
    if "phone" in body and not _E164.match(str(body["phone"])):
        del body["phone"]
    body["service_ids"] = sorted({str(s) for s in body.get("service_ids") or [] if s})
    return body


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


_current: ContextVar[ReferralClient | None] = ContextVar("referral_client", default=None)


def use_client(client: ReferralClient):
    """Make ``client`` the one actions use in this context; returns a token for ``reset_client``."""
    return _current.set(client)


def reset_client(token) -> None:
    _current.reset(token)


def get_client() -> ReferralClient:
    """The client for this context: the one installed by the embedded engine, else HTTP."""
    return _current.get() or HttpReferralClient()
