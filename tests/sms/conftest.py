"""Fixtures for SMS promotions: tokens, a contacts CSV writer, an injectable clock, a fake gateway."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from referral_service.db import connect_for
from referral_service.sms.contacts_import import HEADER, import_contacts
from referral_service.sms.gateway import Sent
from referral_service.sms.window import is_bank_holiday
from referral_service.storage.tokens import create_token


class FakeClock:
    """A clock that only moves when told to (or when something sleeps on it)."""

    def __init__(self, start: datetime):
        self.moment = start
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += timedelta(seconds=max(seconds, 0))

    def monotonic(self) -> float:
        return self.moment.timestamp()


class FakeGateway:
    """Records sends; can be told to fail."""

    def __init__(self, clock: FakeClock | None = None):
        self.sent: list[dict] = []
        self.errors: list[Exception] = []
        self.clock = clock
        self.on_send = None
        self._sids = itertools.count()

    def send(self, to, body, status_callback, validity_period):
        if self.on_send:
            self.on_send(to)
        if self.errors:
            raise self.errors.pop(0)
        sid = f"SM{next(self._sids):032d}"
        self.sent.append({"to": to, "body": body, "callback": status_callback, "validity": validity_period, "sid": sid,
                          "at": self.clock.now() if self.clock else None})
        return Sent(sid, "queued")

    def find_sent(self, to, body, since):
        for m in self.sent:
            if m["to"] == to and m["body"] == body:
                return Sent(m["sid"], "sent")
        return None


def row(ref, mobile, postcode="S1 2AB", conditions="psychosis", smhc="true", consent="granted",
        recorded="2025-01-10", method="paper", first_name=None):
    return {"person_ref": ref, "first_name": first_name or f"Person{ref}", "mobile": mobile, "postcode": postcode,
            "conditions": conditions, "in_secondary_mental_health_care": smhc, "sms_consent": consent,
            "sms_consent_recorded_at": recorded if consent else "", "sms_consent_method": method if consent else ""}


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def db(app):
    database = connect_for(app)
    yield database
    database.conn.close()


@pytest.fixture
def service_token(db):
    return create_token(db, "service", "sheffield-ips-smi")[1]


@pytest.fixture
def admin_token(db):
    return create_token(db, "admin")[1]


@pytest.fixture
def auth(service_token):
    return {"Authorization": f"Bearer {service_token}"}


@pytest.fixture
def import_rows(db, tmp_path):
    def _import(rows, service_id="sheffield-ips-smi", name="contacts.csv"):
        return import_contacts(db, service_id, write_csv(tmp_path / name, rows))
    return _import


@pytest.fixture
def clock():
    """A Tuesday 09:00 UTC (10:00 or 09:00 UK, inside the default window, not a bank holiday), after anything queued now.

    Texts are queued at the real time of the request, so the injected clock starts a few days later.
    """
    day = datetime.now(UTC).date() + timedelta(days=2)
    while day.weekday() != 1 or is_bank_holiday(day):
        day += timedelta(days=1)
    return FakeClock(datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC))
