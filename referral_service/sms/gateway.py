"""The Twilio gateway: the official twilio client, pointed at ``TWILIO_API_URL`` when that is set.

``TWILIO_API_URL`` replaces Twilio's base URL (``https://api.twilio.com``) in every REST call — same
paths, same form-encoded bodies, same basic auth — so the local sandbox or a test double can stand
in for Twilio.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

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
