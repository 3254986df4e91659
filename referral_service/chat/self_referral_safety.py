"""Risk first for the no-JS form: every word a person types is checked before it is read as an answer.

The check is the one safety module every channel uses (``bot.safety``): ``urgent`` shows the crisis help
at once and stops the form; ``check`` asks directly whether the person is thinking of ending their life,
with the crisis lines beside the question, and "I'm safe, carry on" resumes the page they were on.
Each message at risk is recorded as a safety event (with the words: the service has a duty to follow up),
never logged.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)
URGENT, CHECK = "urgent", "check"


def risk_level(text: str | None) -> str | None:
    """``"urgent"``, ``"check"`` or ``None`` for what the person typed (empty text is never at risk)."""
    if not text or not text.strip():
        return None
    try:
        from bot.safety import assess_risk
    except ImportError:  # the older module had one level: any match is urgent
        from bot.safety import detect_risk

        return URGENT if detect_risk(text) else None
    return assess_risk(text).level


def highest_risk(texts: list[str]) -> tuple[str | None, str | None]:
    """The highest level among several typed answers, with the text that raised it."""
    found: tuple[str | None, str | None] = (None, None)
    for text in texts:
        level = risk_level(text)
        if level == URGENT:
            return URGENT, text
        if level == CHECK and found[0] is None:
            found = (CHECK, text)
    return found


def text_key(text: str) -> str:
    """A fingerprint of typed text, so a message the person has already been asked about is not asked again."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()[:16]


def record(level: str, text: str, journey_id: str, page: str) -> None:
    """Record a safety event for the service to follow up; a failure is logged (without the words), never raised."""
    event: dict[str, Any] = {"channel": "web_form", "sender_id": f"form-{journey_id}", "text": text,
                             "risk_level": level, "category": None, "conversation_id": f"form-{journey_id}:{page}"}
    try:
        from .client import InProcessReferralClient

        client = current_app.config.get("BOT_REFERRAL_CLIENT") or InProcessReferralClient(current_app._get_current_object())
        client.record_safety_event(event)
    except Exception:  # noqa: BLE001 (the person still sees the crisis help; the failure is logged for staff)
        log.exception("safety_event_not_recorded", extra={"channel": "web_form", "risk_level": level})
