"""The SMS provider seam: what the dispatcher, outbox and reports need from whoever carries the texts.

A provider sends a text and can look one up after a crash, and answers in our own terms — never its
own codes — so that changing provider is one new module (``gateway.py`` is Twilio's):

- ``SENT``: it took the message (its id, and our status for it: usually ``sent``);
- ``OPTED_OUT``: refused because the number opted out with the provider (we record a withdrawal);
- ``REJECTED``: refused for good (not a mobile, blocked): the row fails, with the provider's code;
- ``RETRY``: refused for now (rate limited): try again later;
- ``AMBIGUOUS``: no answer (timeout, dropped connection, 5xx): it may or may not have been sent, so
  the dispatcher looks it up (``find_sent``) before anything is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

SENT, OPTED_OUT, REJECTED, RETRY, AMBIGUOUS = "sent", "opted_out", "rejected", "retry", "ambiguous"


@dataclass(frozen=True)
class SendResult:
    """A provider's answer to one send, in our terms."""

    outcome: str
    message_id: str | None = None
    status: str | None = None  # our outbox status for a SENT message (sent, delivered …)
    error_code: int | None = None  # the provider's own code, kept for the record
    http_status: int | None = None


class SmsProvider(Protocol):
    """One SMS provider (Twilio today)."""

    name: str

    def send(self, to: str, body: str, status_callback: str, validity_seconds: int) -> SendResult:
        """Send one text; never raises for the provider's or the network's failures (see the outcomes)."""

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        """A message with this body to this number taken since ``since`` (SENT), or None; raises if unreachable."""

    def delivery_status(self, provider_status: str) -> str | None:
        """Our outbox status for one of the provider's message statuses (None: not one we track)."""


class ProviderUnavailable(Exception):
    """The provider could not be asked (``find_sent`` during reconciliation): settle the row later."""


def provider_for(config: dict, client=None) -> SmsProvider:
    """The configured provider (``SMS_PROVIDER``, default ``twilio``); ``client`` replaces its HTTP client (tests)."""
    name = (config.get("SMS_PROVIDER") or "twilio").lower()
    if name != "twilio":
        raise ValueError(f"Unknown SMS_PROVIDER {name!r} (known: twilio)")
    from .gateway import TwilioProvider

    return TwilioProvider(config, client=client)
