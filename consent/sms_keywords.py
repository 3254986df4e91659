"""What a texted STOP takes away, and what a later START (or YES, when it answers our question) gives back.

A STOP withdraws SMS consent for every service at once (one record for all services, ``"*"``), and its
evidence lists the services whose consent it withdrew. A re-opt-in by text restores exactly those, and only
where that STOP is still the decision in force: never a service the person refused, never one they were
never asked about, never one they withdrew from another way (on the web, by phone, in an import) — those
need the person's consent given afresh, with what they were told. (NHS England, *IPS for severe mental
illness: guidance for ICSs* (2023), 'Integrating IPS and maximising referrals': consent specific to a purpose.)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .policy import current_record
from .records import ALL_SERVICES, GRANTED, SMS_PROMOTIONS, WITHDRAWN, ConsentRecord

# Evidence keys on a STOP record.
WITHDREW = "withdrew_services"
ASKED_YES = "asked_reply_yes"


def _scope_of(service_scope: str) -> str | None:
    # The policy's "service" for a record that speaks for every service is None (only "*" records apply).
    return None if service_scope == ALL_SERVICES else service_scope


def is_stop(record: ConsentRecord | None) -> bool:
    """Whether a record is an opt-out by text (a STOP, or the carrier's report of one) for every service."""
    return (record is not None and record.purpose == SMS_PROMOTIONS and record.decision == WITHDRAWN
            and record.service_scope == ALL_SERVICES and WITHDREW in record.evidence)


def withdrawn_by_stop(records: Iterable[ConsentRecord], now: datetime | None = None) -> list[str]:
    """The service scopes a STOP sent now takes away: every scope whose SMS consent is granted now, and every
    scope still held withdrawn by an earlier STOP (so that STOP, STOP, START still gives back the first one's)."""
    records = [r for r in records if r.purpose == SMS_PROMOTIONS]
    withdrew = set()
    for scope in {r.service_scope for r in records} | {ALL_SERVICES}:
        in_force = current_record(SMS_PROMOTIONS, records, _scope_of(scope), now)
        if in_force is None:
            continue
        if in_force.decision == GRANTED or (is_stop(in_force) and scope in in_force.evidence[WITHDREW]):
            withdrew.add(scope)
    return sorted(withdrew)


def latest_stop(records: Iterable[ConsentRecord], now: datetime | None = None) -> ConsentRecord | None:
    """The STOP in force for every service (the latest all-services SMS record, when it is a STOP), or None."""
    in_force = current_record(SMS_PROMOTIONS, [r for r in records if r.purpose == SMS_PROMOTIONS], None, now)
    return in_force if is_stop(in_force) else None


def restored_by_start(records: Iterable[ConsentRecord], now: datetime | None = None) -> list[str]:
    """The service scopes a re-opt-in by text gives back: those the STOP in force withdrew, where nothing the
    person decided since (for that service) has taken its place."""
    records = [r for r in records if r.purpose == SMS_PROMOTIONS]
    stop = latest_stop(records, now)
    if stop is None:
        return []
    return [scope for scope in stop.evidence[WITHDREW]
            if current_record(SMS_PROMOTIONS, records, _scope_of(scope), now) is stop]


def yes_answers_our_question(records: Iterable[ConsentRecord], last_text_sent_at: datetime | None,
                             now: datetime | None = None) -> bool:
    """Whether a bare YES is the answer to a question we asked this number: our reply to its STOP asked it to
    reply YES to get texts again, and we have sent it nothing since (else the YES answers that text)."""
    stop = latest_stop(records, now)
    if stop is None or not stop.evidence.get(ASKED_YES):
        return False
    return last_text_sent_at is None or last_text_sent_at <= stop.recorded_at
