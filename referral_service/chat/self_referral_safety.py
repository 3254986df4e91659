"""Risk first for the no-JS form: every word a person types is checked before it is read as an answer.

The check is the one safety module every channel uses (``bot.safety.assess_risk``): ``urgent`` shows the
crisis help at once and stops the form; ``check`` asks directly whether the person is thinking of ending
their life, with the crisis lines beside the question, and "I'm safe, carry on" resumes the page they were
on. Each message at risk is recorded as a safety event for the local services to follow up (with the
words and, once given, the phone: the service has a duty to follow up), never logged.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from bot.safety import assess_risk
from rules import InvalidFacts, default_engine

from ..db import get_db
from ..storage import safety_events

log = logging.getLogger(__name__)
URGENT, CHECK = "urgent", "check"


@dataclass(frozen=True)
class Found:
    level: str
    category: str | None
    reason: str | None
    text: str


def highest_risk(texts: list[str]) -> Found | None:
    """The highest risk among several typed answers (urgent before check), with the text that raised it."""
    found: Found | None = None
    for text in texts:
        if not text or not text.strip():
            continue
        assessment = assess_risk(text)
        if assessment.level == URGENT:
            return Found(URGENT, assessment.category, assessment.reason, text)
        if assessment.level == CHECK and found is None:
            found = Found(CHECK, assessment.category, assessment.reason, text)
    return found


def text_key(text: str) -> str:
    """A fingerprint of typed text, so words the person has already been asked about are not asked again."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()[:16]


def _services_to_follow_up(state: dict[str, Any]) -> list[str]:
    """The service the person chose, else the local services of the pathways still open to them (every local
    service if none is), else none: an event without a service is for admins."""
    choice = state.get("choice") or {}
    if choice.get("service_id"):
        return [choice["service_id"]]
    facts = state.get("facts") or {}
    if not facts.get("postcode"):
        return []
    try:
        decision = default_engine().evaluate(facts)
    except InvalidFacts:
        return []
    open_ = [p for p in decision["pathways"] if p["status"] != "not_eligible"] or decision["pathways"]
    return sorted({s["id"] for p in open_ for s in p["services"]})


def record(level: str, category: str | None, reason: str | None, text: str, state: dict[str, Any], page: str) -> None:
    """Record a safety event; a failure is logged (without the words) and never stops the crisis help."""
    try:
        ids = safety_events.record_for_services(
            get_db(), _services_to_follow_up(state), channel="form", risk_level=level, category=category,
            text=text, phone=state.get("phone"), sender_id=f"form-{state['id']}",
            reason=f"{reason or 'risk'} (self-referral page {page})")
    except Exception:  # noqa: BLE001 (the person still sees the crisis help; staff see the failure in the log)
        log.exception("safety_event_not_recorded", extra={"channel": "form", "risk_level": level})
        return
    log.info("safety_event_recorded", extra={"channel": "form", "risk_level": level, "event_ids": ids})
