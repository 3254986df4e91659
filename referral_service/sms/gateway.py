"""Twilio, behind the SMS provider seam (``provider.py``): the official twilio client, pointed at
``TWILIO_API_URL`` when that is set, and Twilio's statuses and error codes mapped to ours.

``TWILIO_API_URL`` replaces Twilio's base URL (``https://api.twilio.com``) in every REST call — same
paths, same form-encoded bodies, same basic auth — so the local sandbox or a test double can stand
in for Twilio.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from . import provider
from .provider import ProviderUnavailable, SendResult

_TWILIO_BASE = re.compile(r"^https://[a-z0-9.-]*\.twilio\.com")
SANDBOX_FROM = "+447700900000"
# The twilio client logs request URLs at INFO, and a message lookup's URL holds the phone number.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
TIMEOUT_SECONDS = 15


class BaseUrlHttpClient(TwilioHttpClient):
    """A twilio HTTP client that sends every request to another base URL."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        return super().request(method, _TWILIO_BASE.sub(self.base_url, url), *args, **kwargs)


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str


class TwilioGateway:
    """Send a text and look one up, through the twilio client."""

    def __init__(self, config: dict):
        api_url = config.get("TWILIO_API_URL")
        timeout = float(config.get("TWILIO_TIMEOUT_SECONDS") or TIMEOUT_SECONDS)
        http_client = (BaseUrlHttpClient(api_url, timeout=timeout) if api_url else TwilioHttpClient(timeout=timeout))
        self.client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http_client)
        self.messaging_service_sid = config.get("TWILIO_MESSAGING_SERVICE_SID")
        self.from_number = config.get("TWILIO_FROM_NUMBER") or (None if self.messaging_service_sid else SANDBOX_FROM)

    def _sender(self) -> dict:
        if self.messaging_service_sid:
            return {"messaging_service_sid": self.messaging_service_sid}
        return {"from_": self.from_number}

    def send(self, to: str, body: str, status_callback: str, validity_period: int) -> Sent:
        """Create the message; raises twilio.base.exceptions.TwilioException (or a network error) on failure."""
        message = self.client.messages.create(to=to, body=body, status_callback=status_callback,
                                              validity_period=validity_period, **self._sender())
        return Sent(message.sid, message.status)

    def find_sent(self, to: str, body: str, since: datetime) -> Sent | None:
        """A message with this body to this number created since ``since`` (after a crash), or None."""
        for message in self.client.messages.list(to=to, date_sent_after=since - timedelta(minutes=5), limit=200):
            created = message.date_created or message.date_sent
            if message.body == body and (created is None or created >= since - timedelta(seconds=60)):
                return Sent(message.sid, message.status)
        return None


# Twilio's message statuses → ours.
DELIVERY_STATUS = {"accepted": "sent", "scheduled": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
                   "delivered": "delivered", "undelivered": "undelivered", "failed": "failed", "canceled": "failed",
                   "read": "delivered", "receiving": "sent", "received": "sent"}
OPTED_OUT = 21610  # the number has replied STOP to this sender (Twilio's own opt-out list)


class TwilioProvider:
    """Twilio as an ``SmsProvider``: its exceptions and codes become our outcomes.

    ``client`` is anything with ``TwilioGateway``'s ``send`` and ``find_sent`` (tests pass a fake).
    """

    name = "twilio"

    def __init__(self, config: dict, client=None):
        self.client = client if client is not None else TwilioGateway(config)

    def send(self, to: str, body: str, status_callback: str, validity_seconds: int) -> SendResult:
        try:
            sent = self.client.send(to, body, status_callback, validity_seconds)
        except TwilioRestException as error:
            return self._refused(error)
        except (TwilioException, requests.RequestException, OSError):
            return SendResult(provider.AMBIGUOUS)  # the request may or may not have reached Twilio
        return SendResult(provider.SENT, sent.sid, self.delivery_status(sent.status) or "sent")

    @staticmethod
    def _refused(error: TwilioRestException) -> SendResult:
        status = error.status or 500
        if error.code == OPTED_OUT:
            outcome = provider.OPTED_OUT
        elif status >= 500:
            outcome = provider.AMBIGUOUS
        elif status == 429:
            outcome = provider.RETRY
        else:
            outcome = provider.REJECTED
        return SendResult(outcome, error_code=error.code, http_status=error.status)

    def find_sent(self, to: str, body: str, since: datetime) -> SendResult | None:
        try:
            found = self.client.find_sent(to, body, since)
        except (TwilioException, requests.RequestException, OSError) as error:
            raise ProviderUnavailable(type(error).__name__) from error
        return None if found is None else SendResult(provider.SENT, found.sid, self.delivery_status(found.status) or "sent")

    @staticmethod
    def delivery_status(provider_status: str) -> str | None:
        return DELIVERY_STATUS.get((provider_status or "").lower())
