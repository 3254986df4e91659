"""The consent record and its vocabulary: purposes, decisions and the ways consent is given."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SHARE_WITH_SERVICE = "share_with_service"
CONTACT_TREATMENT_TEAM = "contact_treatment_team"
SMS_PROMOTIONS = "sms_promotions"
PURPOSES = (SHARE_WITH_SERVICE, CONTACT_TREATMENT_TEAM, SMS_PROMOTIONS)

GRANTED = "granted"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
DECISIONS = (GRANTED, REFUSED, WITHDRAWN)

METHODS = ("web_chat", "clinician", "sms_keyword", "paper", "import", "api", "face_to_face", "video", "phone",
           "self_service")
# How a person gives consent to a service's staff, for a grant the service records (with evidence): never "api"
# or "import", which say how the record arrived, not how the person gave it.
GIVEN_TO_SERVICE_METHODS = ("face_to_face", "video", "phone", "paper", "clinician")
# recorded_by of the records a person makes themselves: the public routes and the web channels ("self"), and
# their texts (STOP / START) ("sms"). Anything else was recorded by a service, a clinician or an import.
BY_PERSON = ("self", "sms")

# The service scope meaning "every service": a withdrawal by STOP applies to all of them.
ALL_SERVICES = "*"


class InvalidConsent(ValueError):
    """A consent record with an unknown purpose, decision or method, or without who/what."""


def utc(moment: datetime | str | None = None) -> datetime:
    """A timezone-aware UTC datetime (naive datetimes are taken to be UTC; ISO 8601 text is parsed)."""
    if moment is None:
        return datetime.now(UTC)
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, so that text order is time order (the database sorts on it)."""
    return utc(moment).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ConsentRecord:
    """One decision a person made about one purpose, for one service or for all (``"*"``).

    ``wording_version`` and ``wording_text`` are exactly what the person was shown or told. ``evidence``
    holds what else makes the record checkable later: for a texted STOP, the services it withdrew (so that
    a START gives back only those); for a grant recorded by a service, when and how the person gave it.
    """

    subject: str
    purpose: str
    decision: str
    method: str
    recorded_by: str
    wording_version: str
    wording_text: str
    service_scope: str = ALL_SERVICES
    recorded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    referral_reference: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise InvalidConsent("; ".join(problems))
        object.__setattr__(self, "recorded_at", utc(self.recorded_at))

    def applies_to(self, service_id: str | None) -> bool:
        """Whether this record speaks for ``service_id`` (a record for all services always does)."""
        return self.service_scope == ALL_SERVICES or (service_id is not None and self.service_scope == service_id)

    @property
    def made_by_person(self) -> bool:
        """Whether the person made this decision themselves (not a service, a clinician or an import for them)."""
        return self.recorded_by in BY_PERSON

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "subject": self.subject,
            "purpose": self.purpose,
            "decision": self.decision,
            "method": self.method,
            "service_scope": self.service_scope,
            "recorded_at": iso(self.recorded_at),
            "recorded_by": self.recorded_by,
            "wording_version": self.wording_version,
            "wording_text": self.wording_text,
            "referral_reference": self.referral_reference,
            "evidence": dict(self.evidence),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ConsentRecord:
        return cls(
            subject=data["subject"],
            purpose=data["purpose"],
            decision=data["decision"],
            method=data["method"],
            recorded_by=data["recorded_by"],
            wording_version=data["wording_version"],
            wording_text=data["wording_text"],
            service_scope=data.get("service_scope") or ALL_SERVICES,
            recorded_at=utc(data["recorded_at"]),
            referral_reference=data.get("referral_reference"),
            evidence=_evidence(data.get("evidence")),
            id=data.get("id"),
        )


def _evidence(value: Any) -> dict[str, Any]:
    # Stored as JSON text; records written before evidence existed have none.
    if not value:
        return {}
    if isinstance(value, str):
        return json.loads(value)
    return dict(value)


def validate(record: ConsentRecord) -> list[str]:
    """Plain reasons why a record cannot be kept (empty when it can)."""
    problems = []
    if record.purpose not in PURPOSES:
        problems.append(f"purpose must be one of {', '.join(PURPOSES)}")
    if record.decision not in DECISIONS:
        problems.append(f"decision must be one of {', '.join(DECISIONS)}")
    if record.method not in METHODS:
        problems.append(f"method must be one of {', '.join(METHODS)}")
    if not record.subject or ":" not in record.subject:
        problems.append("subject must look like 'referral:<reference>' or 'phone:<E.164 number>'")
    if not record.recorded_by:
        problems.append("recorded_by is required: who recorded this consent")
    if not record.wording_version or not record.wording_text:
        problems.append("the wording shown to the person (version and text) is required")
    if not record.service_scope:
        problems.append("service_scope is required ('*' for all services)")
    return problems
