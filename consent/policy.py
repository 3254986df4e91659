"""One question: may we do PURPOSE for this person with this service now? — with a plain reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from . import purposes
from .records import GRANTED, PURPOSES, REFUSED, WITHDRAWN, ConsentRecord, utc


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
    Records dated after ``now`` are not yet in force. A grant someone else recorded for the person after the
    person's own withdrawal is not in force until the person confirms it (``awaits_person``).
    """
    moment = utc(now)
    relevant = sorted(
        (r for r in records if r.purpose == purpose and r.applies_to(service_id) and r.recorded_at <= moment),
        key=_order,
    )
    in_force = None
    person_withdrew = False
    for record in relevant:
        if record.made_by_person:
            person_withdrew = record.decision == WITHDRAWN or (person_withdrew and record.decision != GRANTED)
        elif record.decision == GRANTED and person_withdrew:
            continue
        in_force = record
    return in_force


def _order(record: ConsentRecord) -> tuple:
    return (record.recorded_at, record.id if record.id is not None else -1)


def awaits_person(record: ConsentRecord, records: Iterable[ConsentRecord]) -> bool:
    """Whether ``record`` is a grant recorded for the person by someone else (a service, a clinician, an import)
    after the person themselves withdrew that consent: the person's own withdrawal wins until they confirm.

    ``records`` is the subject's history for the purpose (``record`` may or may not be among them).
    """
    if record.decision != GRANTED or record.made_by_person:
        return False
    earlier = sorted(
        (r for r in records if r.purpose == record.purpose and r.made_by_person
         and (r.applies_to(record.service_scope if record.service_scope != "*" else None))
         and _order(r) < _order(record)),
        key=_order,
    )
    return bool(earlier) and earlier[-1].decision == WITHDRAWN


def may(purpose: str, records: Iterable[ConsentRecord], service_id: str | None, now: datetime | None = None) -> PolicyAnswer:
    """Whether PURPOSE is allowed for the person these records belong to, with ``service_id``, now.

    Granted => allowed. Refused, withdrawn, or no record at all => not allowed: consent is never
    assumed (an unknown answer is a no).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    what = purposes.get(purpose).words
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
