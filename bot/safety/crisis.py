"""The older entry point, kept while callers move to ``assess_risk``: ``detect_risk(text) -> RiskMatch | None``.

It answers from the same assessment (lexicon, then classifier), flagging both ``urgent`` and ``check``.
New code should call ``bot.safety.assess_risk`` and act on the level.
"""

from __future__ import annotations

from dataclasses import dataclass

from .assessment import assess_risk
from .lexicon import PHRASES_FILE

__all__ = ["PHRASES_FILE", "RiskMatch", "detect_risk"]


@dataclass(frozen=True)
class RiskMatch:
    """Why a message was flagged: the category, the phrase that matched (or "classifier"), and the level."""

    category: str
    phrase: str
    level: str = "urgent"


def detect_risk(text: str | None) -> RiskMatch | None:
    """Return why ``text`` suggests risk to the person or others (urgent or check), or None."""
    result = assess_risk(text)
    if result.level is None:
        return None
    return RiskMatch(result.category or "risk", result.reason or "", result.level)
