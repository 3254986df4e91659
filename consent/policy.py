"""One question: may we do PURPOSE for this person with this service now? — with a plain reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .records import GRANTED, PURPOSES, REFUSED, WITHDRAWN, ConsentRecord, utc

_PURPOSE_WORDS = {
    "share_with_service": "share what they told us with the service",
    "contact_treatment_team": "contact their treatment team",
    "sms_promotions": "send them promotional text messages",
}


@dataclass(frozen=True)
class PolicyAnswer:
    allowed: bool
    reason: str
    record: ConsentRecord | None = None


def current_record(
    purpose: str, records: Iterable[ConsentRecord], service_id: str | None, now: datetime | None = None
) -> ConsentRecord | None:
    """The record in force: the latest (by recorded_at, then id) for the purpose that applies to the service.

    A record for all services ("*") and one for this service compete on time: a STOP to all services
    after a service-specific opt-in wins, and a later opt-in for this service wins over an older STOP.
    Records dated after ``now`` are not yet in force.
    """
    moment = utc(now)
    relevant = [
        r for r in records
        if r.purpose == purpose and r.applies_to(service_id) and r.recorded_at <= moment
    ]
    if not relevant:
        return None
    return max(relevant, key=lambda r: (r.recorded_at, r.id if r.id is not None else -1))


def may(purpose: str, records: Iterable[ConsentRecord], service_id: str | None, now: datetime | None = None) -> PolicyAnswer:
    """Whether PURPOSE is allowed for the person these records belong to, with ``service_id``, now.

    Granted => allowed. Refused, withdrawn, or no record at all => not allowed: consent is never
    assumed (an unknown answer is a no).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    what = _PURPOSE_WORDS[purpose]
    record = current_record(purpose, records, service_id, now)
    if record is None:
        return PolicyAnswer(False, f"No consent recorded to {what}.", None)
    when = record.recorded_at.strftime("%d %B %Y")
    if record.decision == GRANTED:
        return PolicyAnswer(True, f"The person agreed to {what} on {when} ({record.method}).", record)
    if record.decision == WITHDRAWN:
        return PolicyAnswer(False, f"The person withdrew consent to {what} on {when}.", record)
    if record.decision == REFUSED:
        return PolicyAnswer(False, f"The person said no to {what} on {when}.", record)
    return PolicyAnswer(False, f"Unrecognised consent decision; treated as no consent to {what}.", record)
